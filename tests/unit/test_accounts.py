"""Accounts: hashes only, refusals, rate limits on an injected clock, audit, several processes."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest

from geo.accounts import (
    DEFAULT_COST,
    Accounts,
    Role,
    ScryptCost,
    accounts_path,
    audience_for,
    identity_from_headers,
    may_see,
)
from geo.disclosure import Audience
from geo.errors import ValidationError
from geo.settings import Settings

CHEAP = ScryptCost(log2_n=8)  # the real cost is tested once; the rest need not take seconds
PASSWORD = "correct horse battery staple"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(tmp_path, clock) -> Accounts:
    a = Accounts(tmp_path / "a.sqlite", max_failures=4, window_seconds=600, clock=clock,
                 cost=CHEAP)  # fmt: skip
    a.add_user("Ann", "analyst", PASSWORD, by="test", client="cli")
    return a


def _raw_bytes(path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_passwords_are_not_stored_in_clear(accounts):
    accounts.add_user("bob", "viewer", "another long passphrase", by="test", client="cli")
    raw = _raw_bytes(accounts.path)
    assert b"alice" not in raw and b"ann" in raw  # the bytes are readable: names are there
    for secret in (PASSWORD, "another long passphrase", "horse battery"):
        assert secret.encode() not in raw
        assert secret.encode("utf-16-le") not in raw
    with sqlite3.connect(accounts.path) as con:
        (stored,) = con.execute("SELECT password_hash FROM users WHERE name = 'ann'").fetchone()
    assert stored.startswith(f"scrypt${CHEAP.log2_n}$8$1$")
    assert stat.S_IMODE(accounts.path.stat().st_mode) == 0o600


def test_the_default_cost_is_owasp_scrypt(tmp_path):
    a = Accounts(tmp_path / "a.sqlite")
    a.add_user("ann", "viewer", PASSWORD, by="test", client="cli")
    with sqlite3.connect(a.path) as con:
        (stored,) = con.execute("SELECT password_hash FROM users").fetchone()
    assert stored.split("$")[:4] == ["scrypt", "17", "8", "1"] == ["scrypt", *map(str, (
        DEFAULT_COST.log2_n, DEFAULT_COST.r, DEFAULT_COST.p))]  # fmt: skip
    assert a.verify_password("ann", PASSWORD)


def test_right_and_wrong_passwords(accounts, clock):
    assert accounts.verify_password("ANN ", PASSWORD)
    assert not accounts.verify_password("ann", PASSWORD + "x")
    assert not accounts.verify_password("ann", "")
    assert not accounts.verify_password("nobody", PASSWORD)
    assert not accounts.verify_password("not a name!", PASSWORD)
    result = accounts.sign_in("ann", "wrong password entirely", "10.0.0.1")
    assert (result.ok, result.user, result.reason) == (False, None, "wrong")
    clock.now += result.retry_after
    ok = accounts.sign_in("ann", PASSWORD, "10.0.0.2")
    assert ok.ok and ok.user.role is Role.ANALYST


def test_repeated_failures_are_slowed_then_refused_until_the_window_passes(accounts, clock):
    waits = []
    for _ in range(4):
        attempt = accounts.sign_in("ann", "wrong password entirely", "10.0.0.1")
        assert attempt.reason == "wrong"
        waits.append(attempt.retry_after)
        early = accounts.sign_in("ann", PASSWORD, "10.0.0.1")
        assert (early.ok, early.reason) == (False, "slowed" if len(waits) < 4 else "locked")
        clock.now += attempt.retry_after if len(waits) < 4 else 1
    assert waits[:3] == [1.0, 2.0, 4.0]  # each failure doubles the wait
    assert waits[3] == pytest.approx(600 - 7)  # the 4th locks until the 1st leaves the window
    locked = accounts.sign_in("ann", PASSWORD, "10.0.0.1")
    assert (locked.ok, locked.reason) == (False, "locked")
    clock.now += locked.retry_after + 0.001
    assert accounts.sign_in("ann", PASSWORD, "10.0.0.1").ok
    events = [e.event for e in accounts.read(limit=0)]
    assert events.count("sign-in-failed") == 4 and "sign-in-refused" in events


def test_a_client_guessing_many_names_is_limited_and_a_success_does_not_reset_it(accounts, clock):
    accounts.add_user("bob", "viewer", "bobs own passphrase", by="test", client="cli")
    for i in range(4):
        assert accounts.sign_in(f"guess{i}", "whatever password", "10.9.9.9").reason == "wrong"
        clock.now += 60
    assert accounts.sign_in("bob", "bobs own passphrase", "10.9.9.9").reason == "locked"
    assert accounts.sign_in("bob", "bobs own passphrase", "10.1.1.1").ok  # another address
    clock.now += 400  # the first guesses leave the window
    assert accounts.sign_in("ann", PASSWORD, "10.9.9.9").ok


def test_a_success_clears_the_users_own_count(accounts, clock):
    accounts.sign_in("ann", "wrong password entirely", "10.0.0.1")
    clock.now += 5
    assert accounts.sign_in("ann", PASSWORD, "10.0.0.3").ok
    assert accounts.sign_in("ann", PASSWORD, "10.0.0.4").ok  # not slowed any more


def test_users_are_added_changed_and_removed(accounts):
    with pytest.raises(ValidationError, match="exists"):
        accounts.add_user("ann", "viewer", PASSWORD, by="t", client="cli")
    with pytest.raises(ValidationError, match="role"):
        accounts.add_user("cat", "admin", PASSWORD, by="t", client="cli")
    with pytest.raises(ValidationError, match="at least 12"):
        accounts.add_user("cat", "viewer", "short", by="t", client="cli")
    with pytest.raises(ValidationError, match="user name"):
        accounts.add_user("a b", "viewer", PASSWORD, by="t", client="cli")
    token = accounts.start_session("ann", "10.0.0.1")
    assert accounts.session_user(token).name == "ann"
    accounts.set_password("ann", "a brand new passphrase", by="t", client="cli")
    assert accounts.session_user(token) is None  # a new password ends every session
    assert not accounts.verify_password("ann", PASSWORD)
    accounts.remove_user("ann", by="t", client="cli")
    assert accounts.get_user("ann") is None and accounts.list_users() == []
    with pytest.raises(ValidationError, match="no user"):
        accounts.remove_user("ann", by="t", client="cli")
    events = [e.event for e in accounts.read()]
    assert events[:2] == ["user-removed", "password-changed"]


def test_the_audit_log_is_append_only_and_readable(accounts):
    detail = {"format": "pdf", "audience": "public", "data_version": "v3"}
    accounts.record("export", user="ann", client="10.0.0.1", detail=detail)
    accounts.sign_out("ann", "10.0.0.1")
    latest = accounts.read(limit=2)
    assert [e.event for e in latest] == ["sign-out", "export"]
    assert latest[1].detail == {"audience": "public", "data_version": "v3", "format": "pdf"}
    assert [e.event for e in accounts.read(event="export")] == ["export"]
    with pytest.raises(ValidationError, match="audit event"):
        accounts.record("coffee")
    with sqlite3.connect(accounts.path) as con:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM audit")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE audit SET user = 'someone else'")


_WRITER = textwrap.dedent(
    """
    import sys
    from geo.accounts import Accounts, ScryptCost
    a = Accounts(sys.argv[1], cost=ScryptCost(log2_n=8))
    tag = sys.argv[2]
    for i in range(40):
        a.record("export", user=tag, client="10.0.0.1", detail={"i": i})
        if i % 10 == 0:
            a.add_user(f"{tag}{i}", "viewer", "a long enough passphrase", by=tag, client="cli")
        a.sign_in(f"{tag}{i}", "wrong password entirely", f"10.0.1.{i % 3}")
    """
)


def test_two_processes_write_at_once(tmp_path):
    path = tmp_path / "a.sqlite"
    Accounts(path, cost=CHEAP)
    children = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), tag], stderr=subprocess.PIPE)
        for tag in ("p", "q")
    ]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()
    a = Accounts(path, cost=CHEAP)
    assert len(a.read(event="export", limit=0)) == 80
    assert len(a.list_users()) == 8
    assert len(a.read(limit=0)) == 80 + 8 + 80  # exports, users added, sign-in outcomes


def test_accounts_file_sits_beside_the_store():
    settings = Settings(db_path="data/socmap.duckdb")
    assert str(accounts_path(settings)).endswith("data/socmap.duckdb.accounts.sqlite")


def test_audiences_and_the_trusted_header(accounts):
    public = Settings()
    closed = Settings(anonymous_access="none")
    assert audience_for(None, public) is Audience.PUBLIC
    assert audience_for(None, closed) is None
    assert audience_for("viewer", closed) is Audience.PUBLIC
    assert audience_for(Role.ANALYST, closed) is Audience.RESTRICTED
    assert not may_see("viewer", "restricted", public)
    assert not may_see(None, "public", closed)
    assert may_see("analyst", "restricted", closed)
    headers = {"X-Remote-User": "ann", "X-Remote-Roles": "staff, analyst"}
    assert identity_from_headers(headers, public) is None  # off by default
    with pytest.raises(ValidationError, match="SOCMAP_TRUSTED_PROXIES"):
        Settings(trusted_header="X-Remote-User")  # never without the proxies it comes from
    sso = Settings(trusted_header="X-Remote-User", trusted_proxies=("127.0.0.1",))
    assert identity_from_headers(headers, sso, accounts).role is Role.ANALYST  # from the file
    assert identity_from_headers({"x-remote-user": "eve"}, sso).role is Role.VIEWER
    with_roles = Settings(trusted_header="X-Remote-User", trusted_roles_header="X-Remote-Roles",
                          trusted_proxies=("10.0.0.0/8",))  # fmt: skip
    assert identity_from_headers(headers, with_roles).role is Role.ANALYST
    assert identity_from_headers({"X-Remote-User": "bad name!"}, with_roles) is None


def test_sessions_end_at_sign_out_removal_idle_and_lifetime(tmp_path, clock):
    a = Accounts(tmp_path / "s.sqlite", clock=clock, cost=CHEAP, session_idle_seconds=600,
                 session_max_seconds=3600)  # fmt: skip
    a.add_user("ann", "analyst", PASSWORD, by="t", client="cli")
    a.add_user("bob", "viewer", PASSWORD + "!", by="t", client="cli")
    one, two, bobs = (a.start_session(n, "10.0.0.1") for n in ("ann", "ann", "bob"))
    assert {a.session_user(t).name for t in (one, two, bobs)} == {"ann", "bob"}
    a.sign_out("ann", "10.0.0.1", one)
    assert a.session_user(one) is None and a.session_user(two).name == "ann"  # only that one
    a.remove_user("ann", by="t", client="cli")
    assert a.session_user(two) is None and a.session_user(bobs).name == "bob"
    assert a.read(event="user-removed")[0].detail["sessions_ended"] == 1
    # Idle: used every 9 minutes it lives on; 10 minutes without a request ends it.
    for _ in range(5):
        clock.now += 540
        assert a.session_user(bobs) is not None
    clock.now += 600
    assert a.session_user(bobs) is None
    # Lifetime: however busy, an hour after it began it is over.
    busy = a.start_session("bob", "10.0.0.1")
    for _ in range(11):
        clock.now += 300
        assert a.session_user(busy) is not None
    clock.now += 300
    assert a.session_user(busy) is None
    assert a.session_user("made-up token") is None and a.session_user(None) is None


def test_the_cookie_token_is_not_kept_in_the_file(tmp_path, clock):
    a = Accounts(tmp_path / "t.sqlite", clock=clock, cost=CHEAP)
    a.add_user("ann", "analyst", PASSWORD, by="t", client="cli")
    token = a.start_session("ann", "10.0.0.1")
    assert token.encode() not in _raw_bytes(a.path)


def test_a_hash_made_at_an_older_cost_is_upgraded_at_sign_in(tmp_path, clock):
    old = Accounts(tmp_path / "r.sqlite", clock=clock, cost=CHEAP)
    old.add_user("ann", "analyst", PASSWORD, by="t", client="cli")
    stronger = ScryptCost(log2_n=9)
    new = Accounts(tmp_path / "r.sqlite", clock=clock, cost=stronger)
    assert new._stored_hash("ann").startswith("scrypt$8$")
    assert not new.sign_in("ann", "wrong password", "10.0.0.1").ok
    assert new._stored_hash("ann").startswith("scrypt$8$")  # only a right password rehashes
    clock.now += 10
    assert new.sign_in("ann", PASSWORD, "10.0.0.1").ok
    assert new._stored_hash("ann").startswith("scrypt$9$")
    assert new.read(event="sign-in")[0].detail == {"rehashed": True}
    assert new.sign_in("ann", PASSWORD, "10.0.0.1").ok  # the new hash checks
    assert new.read(event="sign-in")[0].detail == {}


def test_quotas_count_per_client_within_the_window(tmp_path, clock):
    a = Accounts(tmp_path / "q.sqlite", clock=clock, cost=CHEAP)
    assert [a.take_quota("export", "10.0.0.1", 3, 100) for _ in range(3)] == [0, 0, 0]
    wait = a.take_quota("export", "10.0.0.1", 3, 100)
    assert wait == 100  # all three at the same moment: the first leaves the window in 100 s
    assert a.take_quota("export", "10.0.0.2", 3, 100) == 0  # another client has its own
    clock.now += 100
    assert a.take_quota("export", "10.0.0.1", 3, 100) == 0
