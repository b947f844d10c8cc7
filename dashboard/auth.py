"""Sign-in, sign-out, sessions and the guard in front of every request.

The restricted (Part 2) dashboard lives under ``/restricted/``: its pages, its callbacks and
its downloads. The guard runs before any of it, so a restricted callback or export never runs
for a visitor who may not see it: a page request is sent to the sign-in form, anything else
gets 401 (not signed in) or 403 (signed in, but a viewer). Where the deployment does not let
anonymous visitors see the public view, every page but the sign-in form needs a signed-in user.

Sessions are kept on the server (:mod:`geo.accounts._sessions`): the signed cookie (Secure,
HttpOnly, SameSite=Lax) holds only a random token, and the token opens nothing once its
session has ended: at sign-out, when the password changes or the user is removed, after
``SOCMAP_SESSION_IDLE_MINUTES`` without a request, and ``SOCMAP_SESSION_MAX_HOURS`` after
sign-in (a request never extends that, and the cookie is not re-issued per request). A
replayed cookie then gets what a visitor without one gets. Forms carry a per-session token
against cross-site request forgery.

A trusted single-sign-on header is believed only from a configured proxy
(:mod:`dashboard.proxies`); from any other address the request is refused (403) and logged.
Anonymous downloads are limited per client address (429, with Retry-After).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from datetime import timedelta
from html import escape
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import Flask, abort, current_app, g, has_request_context, redirect, request, session

from dashboard import ids
from dashboard.proxies import ClientAddress, peer_address
from geo.accounts import Accounts, Identity, Role, identity_from_headers
from geo.grid import MIN_RES, cell_resolution, str_to_cell
from geo.settings import Settings

log = logging.getLogger("socmap.dashboard")
RESTRICTED_PREFIX = "/restricted/"
ACCOUNTS = "socmap.accounts"  # server.extensions key of the app's Accounts
_OPEN_PATHS = ("/login", "/assets/", "/favicon.ico", "/healthz")
# Dash answers every path under its prefix with the page (for apps with several pages);
# this app has one page per audience, so any other path is unknown.
_CATCH_ALL = {"/<path:path>", RESTRICTED_PREFIX + "<path:path>"}
_PAGES = {"/", RESTRICTED_PREFIX}


def install(server: Flask, settings: Settings, accounts: Accounts) -> None:
    """Configure sessions, add /login and /logout, and guard every request."""
    server.config.update(
        SECRET_KEY=settings.secret_key or _secret_key(settings.db_path),
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="socmap_session",
        # The cookie expires with the session's lifetime and is not re-issued on every
        # request; the server's own record is what counts (see the module docstring).
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    server.extensions[ACCOUNTS] = accounts
    server.wsgi_app = ClientAddress(server.wsgi_app, settings)

    @server.before_request
    def _guard():
        if request.url_rule is not None and request.url_rule.rule in _CATCH_ALL:
            abort(404)
        if request.path in _PAGES and (bad := _bad_cell(request.args.get("cell"))):
            return _page("socmap", f"<h2>Not a hexagon</h2><p>{escape(bad)}</p>"), 400
        g.identity = current_identity(settings, accounts)
        refused = _refusal(request.path, g.identity, settings)
        if refused is None and g.identity is None:
            refused = _export_quota(settings, accounts)
        return refused

    @server.get("/favicon.ico")
    def _favicon():
        # Browsers ask for it on pages without an icon link (the sign-in page); Dash serves
        # the icon at /_favicon.ico.
        return redirect("/_favicon.ico", code=301)

    @server.get("/healthz")
    def _health():
        return "ok", 200, {"Content-Type": "text/plain"}

    @server.get("/login")
    def _login_form():
        return _login_page(_safe_next(request.args.get("next")), None), 200

    @server.post("/login")
    def _login():
        _check_csrf()
        name = (request.form.get("name") or "").strip().lower()
        target = _safe_next(request.form.get("next"))
        result = accounts.sign_in(name, request.form.get("password") or "", client())
        if result.ok and result.user is not None:
            _end_session(accounts)  # a new session on every sign-in, never the old one
            session.clear()
            session.permanent = True
            session["sid"] = accounts.start_session(result.user.name, client())
            if target.startswith(RESTRICTED_PREFIX) and result.user.role is not Role.ANALYST:
                target = "/"  # a viewer may see the public view only
            return redirect(target, code=303)
        if result.reason in {"slowed", "locked"}:
            wait = max(1, round(result.retry_after))
            message = f"Too many failed sign-ins. Try again in {wait} seconds."
            return _login_page(target, message), 429, {"Retry-After": str(wait)}
        return _login_page(target, "That name and password do not match."), 401

    @server.post("/logout")
    def _logout():
        _check_csrf()
        identity = g.get("identity")
        if identity is not None:
            accounts.sign_out(identity.name, client(), session.get("sid"))
        else:
            _end_session(accounts)
        session.clear()
        return redirect("/", code=303)


def current_identity(settings: Settings, accounts: Accounts) -> Identity | None:
    """Who is asking: the trusted proxy's header when enabled and sent, else the session."""
    header = settings.trusted_header
    if header and header in request.headers:
        return _header_identity(settings, accounts)
    user = accounts.session_user(session.get("sid"))
    if user is None:
        session.pop("sid", None)  # ended: the cookie is worth nothing now
        return None
    return Identity(user.name, user.role, "password")


def _header_identity(settings: Settings, accounts: Accounts) -> Identity | None:
    """The single-sign-on user, only from a configured proxy; audited once per browser
    session like a password sign-in."""
    peer = peer_address(request.environ)
    if not settings.is_trusted_proxy(peer):
        log.warning(
            "refused %s from %s: not a configured proxy (SOCMAP_TRUSTED_PROXIES)",
            settings.trusted_header,
            peer or "an unknown address",
        )
        abort(403)
    identity = identity_from_headers(request.headers, settings, accounts)
    if identity is not None and session.get("sso") != identity.name:
        session["sso"] = identity.name
        detail = {"via": "trusted-header", "role": str(identity.role), "proxy": peer}
        accounts.record("sign-in", user=identity.name, client=client(), detail=detail)
    return identity


def _end_session(accounts: Accounts) -> None:
    token = session.get("sid")
    if token:
        accounts.end_session(token)


def _refusal(path: str, identity: Identity | None, settings: Settings):
    if path.startswith(_OPEN_PATHS):
        return None
    restricted = path.startswith(RESTRICTED_PREFIX) or path == RESTRICTED_PREFIX.rstrip("/")
    if identity is None and (restricted or settings.anonymous_access == "none"):
        if request.method == "GET" and not path.startswith(("/_dash", RESTRICTED_PREFIX + "_")):
            target = request.full_path.rstrip("?")
            return redirect(f"/login?next={quote(target, safe='/')}", code=302)
        abort(401)
    if restricted and identity is not None and identity.role is not Role.ANALYST:
        if request.method == "GET" and not path.startswith(RESTRICTED_PREFIX + "_"):
            return _forbidden_page(), 403
        abort(403)
    return None


def audit_view(query: str | None) -> None:
    """Record that the signed-in user opened or changed a restricted view (who, when, from
    where, which filters): one entry per view change, from the restricted map's callback."""
    identity = g.get("identity") if has_request_context() else None
    accounts = current_app.extensions.get(ACCOUNTS) if has_request_context() else None
    if accounts is None:
        return
    accounts.record(
        "view",
        user=identity.name if identity else None,
        client=client(),
        detail={"audience": "restricted", "view": query or ""},
    )


def _export_quota(settings: Settings, accounts: Accounts):
    """Anonymous downloads: at most ``anonymous_export_limit`` per client address and window
    (each can cost a browser render and adds to the audit log); then 429 with Retry-After."""
    if request.method != "POST" or request.path != "/_dash-update-component":
        return None
    body = request.get_json(silent=True) or {}
    if ids.DOWNLOAD_FILE not in str(body.get("output", "")):
        return None
    clicked = any(
        isinstance(i.get("value"), int) and i["value"] > 0
        for group in body.get("inputs", [])
        for i in (group if isinstance(group, list) else [group])
        if isinstance(i, dict)
    )
    if not clicked:
        return None
    wait = accounts.take_quota(
        "export",
        client(),
        settings.anonymous_export_limit,
        settings.anonymous_export_window_seconds,
    )
    if not wait:
        return None
    minutes = max(1, round(wait / 60))
    message = (
        f"Too many downloads from your address: at most {settings.anonymous_export_limit} "
        f"without signing in. Try again in about {minutes} minute{'s' * (minutes != 1)}."
    )
    log.info("download refused for %s: anonymous quota used up", client())
    return {"message": message}, 429, {"Retry-After": str(max(1, round(wait)))}


def _bad_cell(text: str | None) -> str | None:
    """Why a link's ``cell`` cannot be shown (None when it can, or when there is none)."""
    if text is None:
        return None
    try:
        res = cell_resolution(str_to_cell(text))
    except ValueError:
        return f"The link's hexagon ({text[:40]!r}) is not an H3 hexagon id."
    if res < MIN_RES:
        return (
            f"The link's hexagon is at H3 resolution {res}; the dashboard shows resolutions "
            f"{MIN_RES} to 10."
        )
    return None


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf() -> None:
    sent = request.form.get("csrf") or ""
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400)


def client() -> str:
    """The client's address (through trusted proxies: :mod:`dashboard.proxies`)."""
    return request.remote_addr or "unknown"


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a user to another host after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _secret_key(db_path: Path) -> str:
    """A key shared by every worker: made once beside the store, readable by its owner only."""
    path = Path(db_path).resolve().with_name(Path(db_path).name + ".secret")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


_MARKING = (
    "<div class='banner'>OFFICIAL: this page holds no figures. Signing in opens the "
    "restricted (Part 2) view, marked OFFICIAL-SENSITIVE.</div>"
)
_BACK = "<a href='/'>Back to the public view (Part 1)</a>"


def _page(title: str, main: str) -> str:
    """A plain page with the marking at the top and bottom and a way back to the public view."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><link rel='stylesheet' href='/assets/style.css'></head><body>"
        f"{_MARKING}<header class='topbar'><div><h1>Serious and organised crime in Kent</h1>"
        f"</div><div class='user-menu'>{_BACK}</div></header>"
        f"<main class='login'>{main}<p>{_BACK}</p></main>{_MARKING}</body></html>"
    )


def _forbidden_page() -> str:
    return _page(
        "socmap",
        "<h2>Restricted view</h2><p>Your account can see the public (Part 1) view only. Ask "
        "a socmap administrator if you need the restricted view.</p>",
    )


def _login_page(target: str, message: str | None) -> str:
    error = (
        f"<div class='notice notice-error' role='alert'>{escape(message)}</div>" if message else ""
    )
    return _page(
        "Sign in: socmap",
        f"<h2>Sign in</h2>{error}"
        "<form method='post' action='/login'>"
        f"<input type='hidden' name='csrf' value='{escape(csrf_token())}'>"
        f"<input type='hidden' name='next' value='{escape(target)}'>"
        "<label class='field-label' for='name'>Name</label>"
        "<input id='name' name='name' autocomplete='username' required>"
        "<label class='field-label' for='password'>Password</label>"
        "<input id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button class='button primary' type='submit'>Sign in</button></form>"
        "<p class='small'>The public (Part 1) view needs no account. Analysts sign in for "
        "the restricted (Part 2) view.</p>",
    )
