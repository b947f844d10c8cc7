"""Sessions, the trusted header, client addresses, audits, quotas and bad requests, over HTTP.

Each test plays the attacker against the app as a browser or a script would reach it: a
cookie copied before sign-out (or before a password change, a removal, the idle timeout or
the session's end) and replayed; a single-sign-on header sent from an address that is not a
proxy; a forged X-Forwarded-For; many anonymous downloads; crafted hexagons and paths.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from dashboard import auth, ids
from dashboard.app import create_app
from dashboard.export import DOWNLOADS
from geo.accounts import Accounts
from geo.errors import ValidationError
from geo.settings import Settings
from geo.store import Store
from tests.support.export_store import DIST_A, PERIOD, fill_export_store

PASSWORD = "analyst-password-1"
QUERY = f"?d={DIST_A}&from={PERIOD[0]}&to={PERIOD[1]}"
LAYOUT = "/restricted/_dash-layout"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("security") / "socmap.duckdb"
    fill_export_store(Store(path))
    return path


def _app(store_path, **options):
    settings = Settings(db_path=store_path, cookie_secure=False, **options)
    app = create_app(Store(store_path), settings)
    accounts = app.server.extensions[auth.ACCOUNTS]
    accounts.clock = Clock()
    for name, role in (("ann", "analyst"), ("vic", "viewer")):
        if accounts.get_user(name) is None:
            accounts.add_user(name, role, PASSWORD, by="test", client="test")
    return app, accounts


@pytest.fixture
def app(store_path):
    return _app(store_path)


def _sign_in(client, name: str = "ann", password: str = PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r"name='csrf' value='([^']+)'", page).group(1)
    reply = client.post(
        "/login", data={"name": name, "password": password, "csrf": token, "next": "/"}
    )
    assert reply.status_code == 303, reply.text
    # A sign-in starts a new session, with a new form token (the page renders it).
    page = client.get("/login").get_data(as_text=True)
    return re.search(r"name='csrf' value='([^']+)'", page).group(1)


def _cookie(client) -> str:
    return client.get_cookie("socmap_session").value


def _replay(app, cookie: str):
    """A new client (another browser, or an attacker) holding only the copied cookie."""
    other = app.server.test_client()
    other.set_cookie("socmap_session", cookie)
    return other


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app):
    app, accounts = app
    browser = app.server.test_client()
    csrf = _sign_in(browser)
    copied = _cookie(browser)
    assert _replay(app, copied).get(LAYOUT).status_code == 200
    assert browser.post("/logout", data={"csrf": csrf}).status_code == 303
    thief = _replay(app, copied)
    assert thief.get(LAYOUT).status_code == 401
    page = thief.get("/restricted/")
    assert page.status_code == 302 and page.location.startswith("/login")  # the sign-in page
    assert browser.get(LAYOUT).status_code == 401
    assert accounts.read(limit=1)[0].event != "sign-in"  # the replay signed nobody in


@pytest.mark.parametrize("how", ["password changed", "user removed"])
def test_a_password_change_or_removal_ends_every_session_at_once(store_path, how):
    app, accounts = _app(store_path)
    accounts.add_user("tmp", "analyst", PASSWORD, by="test", client="test")
    first, second = app.server.test_client(), app.server.test_client()
    _sign_in(first, "tmp")
    _sign_in(second, "tmp")
    copies = [_cookie(first), _cookie(second)]
    assert all(_replay(app, c).get(LAYOUT).status_code == 200 for c in copies)
    if how == "password changed":
        accounts.set_password("tmp", "a new password here", by="admin", client="cli")
    else:
        accounts.remove_user("tmp", by="admin", client="cli")
    assert [_replay(app, c).get(LAYOUT).status_code for c in copies] == [401, 401]
    if how == "password changed":
        accounts.remove_user("tmp", by="admin", client="cli")


def test_an_idle_session_ends_and_a_busy_one_still_ends_at_its_lifetime(store_path):
    app, accounts = _app(store_path, session_idle_minutes=30, session_max_hours=2)
    clock = accounts.clock
    browser = app.server.test_client()
    _sign_in(browser)
    copied = _cookie(browser)
    clock.now += 29 * 60
    assert browser.get(LAYOUT).status_code == 200  # still within the idle timeout
    clock.now += 30 * 60
    assert _replay(app, copied).get(LAYOUT).status_code == 401  # idle for 30 minutes
    _sign_in(browser)
    copied = _cookie(browser)
    start = clock.now
    while clock.now - start < 2 * 3600 - 20 * 60:
        clock.now += 20 * 60
        reply = browser.get(LAYOUT)
        assert reply.status_code == 200
        assert "socmap_session" not in reply.headers.get("Set-Cookie", "")  # never re-issued
    clock.now += 20 * 60  # two hours after sign-in, busy all along
    assert browser.get(LAYOUT).status_code == 401
    assert _replay(app, copied).get(LAYOUT).status_code == 401


def test_a_trusted_header_from_anywhere_but_a_proxy_is_refused_and_logged(store_path, caplog):
    app, accounts = _app(
        store_path, trusted_header="X-Remote-User", trusted_proxies=("10.9.0.0/16",)
    )
    direct = app.server.test_client()
    direct.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    with caplog.at_level(logging.WARNING, logger="socmap.dashboard"):
        refused = direct.get(LAYOUT, headers={"X-Remote-User": "ann"})
    assert refused.status_code == 403
    assert any("X-Remote-User" in r.getMessage() and "192.0.2.50" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    assert direct.get(LAYOUT).status_code == 401  # and nobody is signed in
    # A forged X-Forwarded-For does not make a direct request come from the proxy.
    forged = direct.get(LAYOUT, headers={"X-Remote-User": "ann", "X-Forwarded-For": "10.9.0.1"})
    assert forged.status_code == 403
    proxy = app.server.test_client()
    proxy.environ_base["REMOTE_ADDR"] = "10.9.0.1"
    before = len(accounts.read(event="sign-in", limit=0))
    assert proxy.get(LAYOUT, headers={"X-Remote-User": "ann"}).status_code == 200
    assert proxy.get(LAYOUT, headers={"X-Remote-User": "ann"}).status_code == 200
    signed = accounts.read(event="sign-in", limit=0)
    assert len(signed) == before + 1  # audited like a sign-in, once per browser session
    assert signed[0].user == "ann" and signed[0].detail["via"] == "trusted-header"
    viewer = proxy.get(LAYOUT, headers={"X-Remote-User": "vic"})
    assert viewer.status_code == 403  # the role still comes from the accounts file


def test_the_client_address_comes_through_trusted_proxies_only(store_path):
    app, accounts = _app(store_path, trusted_proxies=("10.9.0.1",), proxy_count=1)

    def fail(remote: str, forwarded: str | None, name: str):
        c = app.server.test_client()
        c.environ_base["REMOTE_ADDR"] = remote
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        page = c.get("/login", headers=headers).get_data(as_text=True)
        token = re.search(r"name='csrf' value='([^']+)'", page).group(1)
        data = {"name": name, "password": "wrong password!", "csrf": token, "next": "/"}
        return c.post("/login", data=data, headers=headers).status_code

    assert fail("10.9.0.1", "203.0.113.7", "nobody1") == 401
    entry = accounts.read(event="sign-in-failed", limit=1)[0]
    assert entry.client == "203.0.113.7"  # the client the proxy names, not the proxy
    assert fail("192.0.2.60", "203.0.113.99", "nobody2") == 401
    assert accounts.read(event="sign-in-failed", limit=1)[0].client == "192.0.2.60"  # forged
    # Failures of one client behind the proxy do not lock out another behind the same proxy.
    codes = [fail("10.9.0.1", "203.0.113.8", f"guess{i}") for i in range(6)]
    assert 429 in codes
    assert fail("10.9.0.1", "203.0.113.9", "someone") == 401  # checked, not refused


def _callback(client, prefix: str, which: str, query: str):
    deps = client.get(f"{prefix}_dash-dependencies").get_json()
    spec = next(d for d in deps if which in d["output"])
    key = spec["output"]
    outputs = [
        {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
        for o in key.strip(".").split("...")
    ]
    body = {
        "output": key,
        "outputs": outputs,
        "inputs": [{"id": ids.STATE, "property": "data", "value": query}],
        "changedPropIds": [f"{ids.STATE}.data"],
        "state": [],
    }
    return client.post(f"{prefix}_dash-update-component", json=body)


def test_each_restricted_view_change_is_audited_with_its_filters(app):
    app, accounts = app
    browser = app.server.test_client()
    _sign_in(browser)
    before = len(accounts.read(event="view", limit=0))
    views = [QUERY, f"{QUERY}&m=hotspots"]
    for query in views:
        assert _callback(browser, "/restricted/", "map.figure", query).status_code == 200
    assert _callback(app.server.test_client(), "/", "map.figure", QUERY).status_code == 200
    seen = accounts.read(event="view", limit=0)
    assert len(seen) == before + 2  # one entry per restricted view, none for the public one
    assert [e.detail["view"] for e in seen[:2]] == views[::-1]
    assert {e.user for e in seen[:2]} == {"ann"} and seen[0].detail["audience"] == "restricted"


def _download(kind: str, query: str) -> dict:
    buttons = [
        {"id": {"kind": k, "type": ids.DOWNLOAD}, "property": "n_clicks", "value": int(k == kind)}
        for k in DOWNLOADS
    ]
    return {
        "output": f"..{ids.DOWNLOAD_FILE}.data...{ids.DOWNLOAD_STATUS}.children..",
        "outputs": [
            {"id": ids.DOWNLOAD_FILE, "property": "data"},
            {"id": ids.DOWNLOAD_STATUS, "property": "children"},
        ],
        "inputs": [buttons],
        "changedPropIds": [
            json.dumps({"kind": kind, "type": ids.DOWNLOAD}, separators=(",", ":")) + ".n_clicks"
        ],
        "state": [{"id": ids.STATE, "property": "data", "value": query}],
    }


def test_anonymous_downloads_are_limited_per_client(store_path):
    app, accounts = _app(store_path, anonymous_export_limit=2)
    one, two = app.server.test_client(), app.server.test_client()
    one.environ_base["REMOTE_ADDR"], two.environ_base["REMOTE_ADDR"] = (
        "198.51.100.1",
        "198.51.100.2",
    )
    before = len(accounts.read(event="export", limit=0))
    codes = [one.post("/_dash-update-component", json=_download("csv", QUERY)) for _ in range(3)]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert int(codes[2].headers["Retry-After"]) > 0
    assert "Too many downloads" in codes[2].get_json()["message"]
    assert len(accounts.read(event="export", limit=0)) == before + 2  # the third never ran
    assert two.post("/_dash-update-component", json=_download("csv", QUERY)).status_code == 200
    accounts.clock.now += 3600
    assert one.post("/_dash-update-component", json=_download("csv", QUERY)).status_code == 200
    signed = app.server.test_client()
    signed.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    _sign_in(signed, "vic")  # a signed-in user is audited by name instead
    for _ in range(3):
        reply = signed.post("/_dash-update-component", json=_download("csv", QUERY))
        assert reply.status_code == 200


@pytest.mark.parametrize("cell", ["841f91dffffffff", "not-a-cell", "8a1f91d0e76ffff00", "%00", "0"])
def test_a_bad_hexagon_in_a_link_is_a_plain_400(app, cell):
    app, _ = app
    client = app.server.test_client()
    for prefix in ("/", "/restricted/"):
        reply = client.get(f"{prefix}?cell={cell}")
        assert reply.status_code == 400
        assert "hexagon" in reply.get_data(as_text=True)


def test_a_bad_hexagon_in_a_callback_is_dropped_not_a_crash(app, caplog):
    app, _ = app
    client = app.server.test_client()
    with caplog.at_level(logging.ERROR):
        for which in ("map.figure", "panel-title.children"):
            reply = _callback(client, "/", which, f"{QUERY}&cell=841f91dffffffff")
            assert reply.status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "path",
    [
        "/nothing-here",
        "/restricted/nothing-here",
        "/_dash-component-suites/../../../etc/passwd",
        "/_dash-component-suites/dash/..%2F..%2F..%2Fsetup.py",
        "/_dash-component-suites/dash/deps/nothing.js",
        "/_dash-component-suites/nopackage/x.js",
        "/restricted/_dash-component-suites/dash/..%2Fsetup.py",
        "/assets/../pyproject.toml",
    ],
)
def test_unknown_paths_are_404_without_a_traceback(app, caplog, path):
    app, _ = app
    client = app.server.test_client()
    if path.startswith("/restricted/_"):
        assert client.get(path).status_code == 401  # nothing there for anonymous visitors
        _sign_in(client)
    with caplog.at_level(logging.DEBUG):
        reply = client.get(path)
    assert reply.status_code == 404
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_the_pages_still_load(app):
    app, _ = app
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/?cell=881f91d0e7fffff").status_code == 200
    assert client.get("/restricted").location == "/login?next=/restricted"
    assert client.get("/healthz").status_code == 200
    assert client.get("/favicon.ico", follow_redirects=True).status_code == 200
    _sign_in(client)
    assert client.get("/restricted").location.endswith("/restricted/")
    assert client.get("/restricted/").status_code == 200


def test_the_new_settings_are_validated_and_read_from_the_environment():
    s = Settings.from_env(
        {
            "SOCMAP_SESSION_IDLE_MINUTES": "15",
            "SOCMAP_SESSION_MAX_HOURS": "4",
            "SOCMAP_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
            "SOCMAP_PROXY_COUNT": "1",
            "SOCMAP_ANONYMOUS_EXPORT_LIMIT": "5",
            "SOCMAP_ANONYMOUS_EXPORT_WINDOW_SECONDS": "600",
        }
    )
    assert (s.session_idle_minutes, s.session_max_hours, s.proxy_count) == (15, 4, 1)
    assert s.trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
    assert s.is_trusted_proxy("10.3.2.1") and not s.is_trusted_proxy("192.0.2.1")
    assert not s.is_trusted_proxy("not an address")
    bad = [
        ({"trusted_proxies": ("10.0.0.300",)}, "trusted proxy"),
        ({"proxy_count": 1}, "SOCMAP_TRUSTED_PROXIES"),
        ({"trusted_header": "X-Remote-User"}, "SOCMAP_TRUSTED_PROXIES"),
        ({"session_idle_minutes": 600, "session_max_hours": 2}, "longer than"),
        ({"session_idle_minutes": 0}, "idle"),
        ({"session_max_hours": 1000}, "lifetime"),
        ({"anonymous_export_limit": 0}, "export limit"),
        ({"anonymous_export_window_seconds": 0}, "export window"),
    ]
    for options, words in bad:
        with pytest.raises(ValidationError, match=words):
            Settings(**options)


def test_accounts_sessions_persist_across_app_instances(store_path):
    """Sessions live in the accounts file, so every worker process agrees on them."""
    first, accounts = _app(store_path)
    browser = first.server.test_client()
    csrf = _sign_in(browser)
    copied = _cookie(browser)
    second, _ = _app(store_path)  # another worker: same store, same key file
    assert _replay(second, copied).get(LAYOUT).status_code == 200
    browser.post("/logout", data={"csrf": csrf})
    assert _replay(second, copied).get(LAYOUT).status_code == 401
    assert isinstance(accounts, Accounts)
