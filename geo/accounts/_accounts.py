"""Users, sign-in and the audit log, on the accounts file."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from geo.accounts import _audit, _db, _limits, _passwords
from geo.accounts._audit import AuditEntry
from geo.accounts._passwords import DEFAULT_COST, ScryptCost
from geo.errors import ValidationError
from geo.settings import Settings

_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


class Role(StrEnum):
    VIEWER = "viewer"  # the public (Part 1) view only
    ANALYST = "analyst"  # the restricted (Part 2) view as well


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    created_at: str
    # Changes whenever the password does: a session keeps it and is void once it differs.
    session_stamp: str


@dataclass(frozen=True)
class SignIn:
    ok: bool
    user: User | None
    reason: str  # "ok", "wrong" (name or password), "slowed" or "locked"
    retry_after: float  # seconds before the next attempt will be considered


def accounts_path(settings: Settings) -> Path:
    """``<db>.accounts.sqlite`` beside the store (see the package docstring for why)."""
    db = Path(settings.db_path)
    return db.with_name(db.name + ".accounts.sqlite")


def normalise_name(name: str) -> str:
    """A user name as stored: trimmed, case-folded, checked."""
    folded = name.strip().casefold() if isinstance(name, str) else ""
    if not _NAME.match(folded):
        raise ValidationError(
            f"user name {name!r}: 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return folded


class Accounts:
    """The accounts file at ``path``; safe to use from several processes at once."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_failures: int = 5,
        window_seconds: float = 900,
        clock: Callable[[], float] = time.time,
        cost: ScryptCost = DEFAULT_COST,
    ) -> None:
        self.path = Path(path)
        self.max_failures = max_failures
        self.window = float(window_seconds)
        self._clock = clock
        self._cost = cost
        _db.prepare(self.path)

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> Accounts:
        return cls(
            accounts_path(settings),
            max_failures=settings.login_max_failures,
            window_seconds=settings.login_window_seconds,
            **options,
        )

    # -- users -------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str, *, by: str, client: str) -> User:
        """Add a user; the password is checked, hashed and forgotten."""
        name, role = normalise_name(name), _role(role)
        _passwords.check_password(password, name)
        digest = _passwords.hash_password(password, self._cost)
        now = self._now_iso()
        with _db.connect(self.path, write=True) as con:
            if con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
                raise ValidationError(f"user {name!r} exists already (remove it first)")
            con.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?)", [name, role, digest, now, now])
            detail = {"name": name, "role": str(role)}
            _audit.append(con, self._clock(), "user-added", user=by, client=client, detail=detail)
        return self.get_user(name)

    def set_password(self, name: str, password: str, *, by: str, client: str) -> None:
        name = normalise_name(name)
        _passwords.check_password(password, name)
        digest = _passwords.hash_password(password, self._cost)
        with _db.connect(self.path, write=True) as con:
            sql = "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?"
            if con.execute(sql, [digest, self._now_iso(), name]).rowcount != 1:
                raise ValidationError(f"no user {name!r}")
            detail = {"name": name}
            _audit.append(con, self._clock(), "password-changed", user=by, client=client,
                          detail=detail)  # fmt: skip

    def remove_user(self, name: str, *, by: str, client: str) -> None:
        name = normalise_name(name)
        with _db.connect(self.path, write=True) as con:
            if con.execute("DELETE FROM users WHERE name = ?", [name]).rowcount != 1:
                raise ValidationError(f"no user {name!r}")
            _audit.append(
                con, self._clock(), "user-removed", user=by, client=client, detail={"name": name}
            )

    def get_user(self, name: str) -> User | None:
        try:
            name = normalise_name(name)
        except ValidationError:
            return None
        with _db.connect(self.path) as con:
            row = con.execute(
                "SELECT name, role, created_at, password_hash FROM users WHERE name = ?", [name]
            ).fetchone()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        with _db.connect(self.path) as con:
            rows = con.execute(
                "SELECT name, role, created_at, password_hash FROM users ORDER BY name"
            ).fetchall()
        return [_user(r) for r in rows]

    def verify_password(self, name: str, password: str) -> bool:
        """Whether the password is the user's; an unknown user costs the same time."""
        stored = self._stored_hash(name)
        if not isinstance(password, str) or len(password) > _passwords.MAX_LENGTH:
            return False
        matches = _passwords.verify_hash(password, stored or self._decoy)
        return matches and stored is not None

    # -- signing in --------------------------------------------------------------------------

    def sign_in(self, name: str, password: str, client: str) -> SignIn:
        """Check a sign-in attempt against the rate limits and the password; audit it."""
        counters = [_counter("user", name), _counter("client", client)]
        verdict = self._verdict(counters)
        known = self.get_user(name)
        who = known.name if known else None
        if not verdict.allowed:
            detail = {"reason": verdict.reason, "retry_after": round(verdict.retry_after, 1)}
            self.record("sign-in-refused", user=who, client=client, detail=detail)
            return SignIn(False, None, verdict.reason, verdict.retry_after)
        if self.verify_password(name, password):
            self._forget_failures(counters[0])
            self.record("sign-in", user=who, client=client)
            return SignIn(True, known, "ok", 0.0)
        self._add_failure(counters)
        self.record("sign-in-failed", user=who, client=client,
                    detail={} if known else {"unknown_user": True})  # fmt: skip
        return SignIn(False, None, "wrong", self._verdict(counters).retry_after)

    def sign_out(self, name: str, client: str) -> None:
        self.record("sign-out", user=normalise_name(name), client=client)

    # -- audit -------------------------------------------------------------------------------

    def record(
        self,
        event: str,
        *,
        user: str | None = None,
        client: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Append an audit entry (e.g. an export: what it showed, in ``detail``)."""
        with _db.connect(self.path, write=True) as con:
            return _audit.append(con, self._clock(), event, user=user, client=client, detail=detail)

    def read(
        self, *, limit: int = 100, event: str | None = None, user: str | None = None
    ) -> list[AuditEntry]:
        """The latest audit entries, newest first (``limit`` 0: all)."""
        with _db.connect(self.path) as con:
            return _audit.select(con, limit, event, user)

    # -- private -----------------------------------------------------------------------------

    def _now_iso(self) -> str:
        return datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="seconds")

    def _stored_hash(self, name: str) -> str | None:
        try:
            name = normalise_name(name)
        except ValidationError:
            return None
        with _db.connect(self.path) as con:
            row = con.execute("SELECT password_hash FROM users WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    @cached_property
    def _decoy(self) -> str:
        # A hash at the same cost, so an unknown name takes as long to refuse as a known one.
        return _passwords.hash_password("decoy password, never valid", self._cost)

    def _verdict(self, counters: list[str]) -> _limits.Verdict:
        now = self._clock()
        sql = "SELECT at FROM failures WHERE counter = ? AND at > ?"
        with _db.connect(self.path) as con:
            times = [[t for (t,) in con.execute(sql, [c, now - self.window])] for c in counters]
        return _limits.decide(times, now, self.max_failures, self.window)

    def _add_failure(self, counters: list[str]) -> None:
        now = self._clock()
        with _db.connect(self.path, write=True) as con:
            con.execute("DELETE FROM failures WHERE at <= ?", [now - self.window])
            con.executemany("INSERT INTO failures VALUES (?, ?)", [(c, now) for c in counters])

    def _forget_failures(self, counter: str) -> None:
        # Only the user's own counter: a guesser with one good account must not be able to
        # reset the count kept against their address.
        with _db.connect(self.path, write=True) as con:
            con.execute("DELETE FROM failures WHERE counter = ?", [counter])


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError(f"role {role!r}: expected viewer or analyst") from None


def _user(row: tuple) -> User:
    name, role, created_at, digest = row
    stamp = hashlib.sha256(digest.encode("ascii")).hexdigest()[:16]
    return User(name, Role(role), created_at, stamp)


def _counter(kind: str, value: str) -> str:
    text = (value or "").strip().casefold()
    return f"{kind}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"
