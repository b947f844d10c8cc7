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

from geo.accounts import _audit, _db, _limits, _passwords, _sessions
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
        session_idle_seconds: float = 30 * 60,
        session_max_seconds: float = 8 * 3600,
    ) -> None:
        self.path = Path(path)
        self.max_failures = max_failures
        self.window = float(window_seconds)
        # Seconds since the epoch; tests replace it to move time on.
        self.clock = clock
        self._cost = cost
        self.session_idle = float(session_idle_seconds)
        self.session_max = float(session_max_seconds)
        _db.prepare(self.path)

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> Accounts:
        return cls(
            accounts_path(settings),
            max_failures=settings.login_max_failures,
            window_seconds=settings.login_window_seconds,
            session_idle_seconds=settings.session_idle_minutes * 60,
            session_max_seconds=settings.session_max_hours * 3600,
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
            _audit.append(con, self.clock(), "user-added", user=by, client=client, detail=detail)
        return self.get_user(name)

    def set_password(self, name: str, password: str, *, by: str, client: str) -> None:
        name = normalise_name(name)
        _passwords.check_password(password, name)
        digest = _passwords.hash_password(password, self._cost)
        with _db.connect(self.path, write=True) as con:
            sql = "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?"
            if con.execute(sql, [digest, self._now_iso(), name]).rowcount != 1:
                raise ValidationError(f"no user {name!r}")
            detail = {"name": name, "sessions_ended": _sessions.end_all(con, name)}
            _audit.append(con, self.clock(), "password-changed", user=by, client=client,
                          detail=detail)  # fmt: skip

    def remove_user(self, name: str, *, by: str, client: str) -> None:
        name = normalise_name(name)
        with _db.connect(self.path, write=True) as con:
            if con.execute("DELETE FROM users WHERE name = ?", [name]).rowcount != 1:
                raise ValidationError(f"no user {name!r}")
            detail = {"name": name, "sessions_ended": _sessions.end_all(con, name)}
            _audit.append(con, self.clock(), "user-removed", user=by, client=client,
                          detail=detail)  # fmt: skip

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
            detail = {"rehashed": True} if self._rehash(known.name, password) else None
            self.record("sign-in", user=who, client=client, detail=detail)
            return SignIn(True, known, "ok", 0.0)
        self._add_failure(counters)
        self.record("sign-in-failed", user=who, client=client,
                    detail={} if known else {"unknown_user": True})  # fmt: skip
        return SignIn(False, None, "wrong", self._verdict(counters).retry_after)

    def sign_out(self, name: str, client: str, token: str | None = None) -> None:
        """Record the sign-out and end the session of ``token`` (the cookie's) at once."""
        with _db.connect(self.path, write=True) as con:
            if token:
                _sessions.end(con, token)
            _audit.append(con, self.clock(), "sign-out", user=normalise_name(name),
                          client=client, detail=None)  # fmt: skip

    # -- sessions ----------------------------------------------------------------------------

    def start_session(self, name: str, client: str) -> str:
        """A new server-side session for a signed-in user: the token for their cookie."""
        with _db.connect(self.path, write=True) as con:
            return _sessions.start(
                con, normalise_name(name), "password", client, self.clock(), self.session_max
            )

    def session_user(self, token: str | None) -> User | None:
        """The user of a live session (None once it has ended, or for no token): refused
        after sign-out, a new password, the user's removal, the idle timeout or the
        session's lifetime, whatever the cookie's own signature and expiry say."""
        if not token or not isinstance(token, str):
            return None
        now = self.clock()
        with _db.connect(self.path) as con:  # most requests only read
            found = _sessions.lookup(con, token)
        if found is None:
            return None
        state = _sessions.verdict(found, now, self.session_idle, self.session_max)
        if state != "live":
            with _db.connect(self.path, write=True) as con:
                if state == "ended":
                    _sessions.end(con, token)
                    return None
                _sessions.touch(con, token, now)
        return self.get_user(found.user)

    def end_session(self, token: str) -> None:
        """End one session without a sign-out entry (a new sign-in replaces it)."""
        with _db.connect(self.path, write=True) as con:
            _sessions.end(con, token)

    def take_quota(self, kind: str, client: str, limit: int, window: float) -> float:
        """One use of ``kind`` (e.g. "export") by ``client`` if fewer than ``limit`` were
        made within ``window`` seconds (returns 0), else the seconds to wait (nothing used)."""
        with _db.connect(self.path, write=True) as con:
            return _sessions.take(con, _counter(kind, client), self.clock(), limit, window)

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
            return _audit.append(con, self.clock(), event, user=user, client=client, detail=detail)

    def read(
        self, *, limit: int = 100, event: str | None = None, user: str | None = None
    ) -> list[AuditEntry]:
        """The latest audit entries, newest first (``limit`` 0: all)."""
        with _db.connect(self.path) as con:
            return _audit.select(con, limit, event, user)

    # -- private -----------------------------------------------------------------------------

    def _now_iso(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds")

    def _stored_hash(self, name: str) -> str | None:
        try:
            name = normalise_name(name)
        except ValidationError:
            return None
        with _db.connect(self.path) as con:
            row = con.execute("SELECT password_hash FROM users WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    def _rehash(self, name: str, password: str) -> bool:
        """After a good password: store it again at the current cost if it was hashed at
        another (the hash carries its parameters), so raising the cost needs no migration."""
        stored = self._stored_hash(name)
        if stored is None or not _passwords.needs_rehash(stored, self._cost):
            return False
        digest = _passwords.hash_password(password, self._cost)
        with _db.connect(self.path, write=True) as con:
            # Only if it is still the hash just checked (a password change meanwhile wins).
            sql = "UPDATE users SET password_hash = ? WHERE name = ? AND password_hash = ?"
            return con.execute(sql, [digest, name, stored]).rowcount == 1

    @cached_property
    def _decoy(self) -> str:
        # A hash at the same cost, so an unknown name takes as long to refuse as a known one.
        return _passwords.hash_password("decoy password, never valid", self._cost)

    def _verdict(self, counters: list[str]) -> _limits.Verdict:
        now = self.clock()
        sql = "SELECT at FROM failures WHERE counter = ? AND at > ?"
        with _db.connect(self.path) as con:
            times = [[t for (t,) in con.execute(sql, [c, now - self.window])] for c in counters]
        return _limits.decide(times, now, self.max_failures, self.window)

    def _add_failure(self, counters: list[str]) -> None:
        now = self.clock()
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
    name, role, created_at, _digest = row
    return User(name, Role(role), created_at)


def _counter(kind: str, value: str) -> str:
    text = (value or "").strip().casefold()
    return f"{kind}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"
