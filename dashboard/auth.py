"""Sign-in, sign-out and the guard in front of every request.

The restricted (Part 2) dashboard lives under ``/restricted/``: its pages, its callbacks and
its downloads. The guard runs before Flask routes any request, so a restricted callback or
export never runs for a visitor who may not see it: a page request is sent to the sign-in
form, anything else gets 401 (not signed in) or 403 (signed in, but a viewer). Where the
deployment does not let anonymous visitors see the public view, every page but the sign-in
form needs a signed-in user.

Sessions are Flask's signed cookies (Secure, HttpOnly, SameSite=Lax) holding the user's name
and the password stamp from the accounts file, checked on every request: a changed password
or a removed user ends old sessions at once. Forms carry a per-session token against
cross-site request forgery.
"""

from __future__ import annotations

import hmac
import os
import secrets
from datetime import timedelta
from html import escape
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import Flask, abort, g, redirect, request, session

from geo.accounts import Accounts, Identity, Role, identity_from_headers
from geo.settings import Settings

RESTRICTED_PREFIX = "/restricted/"
_OPEN_PATHS = ("/login", "/assets/", "/favicon.ico", "/healthz")
SESSION_HOURS = 8


def install(server: Flask, settings: Settings, accounts: Accounts) -> None:
    """Configure sessions, add /login and /logout, and guard every request."""
    server.config.update(
        SECRET_KEY=settings.secret_key or _secret_key(settings.db_path),
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="socmap_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )

    @server.before_request
    def _guard():
        g.identity = current_identity(settings, accounts)
        return _refusal(request.path, g.identity, settings)

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
        result = accounts.sign_in(name, request.form.get("password") or "", _client())
        if result.ok and result.user is not None:
            session.clear()
            session.permanent = True
            session["user"] = result.user.name
            session["stamp"] = result.user.session_stamp
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
            accounts.sign_out(identity.name, _client())
        session.clear()
        return redirect("/", code=303)


def current_identity(settings: Settings, accounts: Accounts) -> Identity | None:
    """Who is asking: the trusted proxy header when enabled, else the session."""
    if settings.trusted_header:
        return identity_from_headers(request.headers, settings, accounts)
    name, stamp = session.get("user"), session.get("stamp")
    if not name or not stamp:
        return None
    user = accounts.get_user(name)
    if user is None or not hmac.compare_digest(user.session_stamp, stamp):
        session.clear()
        return None
    return Identity(user.name, user.role, "password")


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


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf() -> None:
    sent = request.form.get("csrf") or ""
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400)


def _client() -> str:
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
