"""The page shell both pages share: classification banners, header and user menu, the
filter column the page gives, the map and the side panel; and the plain error pages.

What differs between the pages (their filter column, the other page their menu offers) is
passed in by :mod:`dashboard.pages`; nothing here asks which audience it serves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

from dash import dcc, html
from flask import g, has_request_context

from dashboard import ids
from dashboard.auth import csrf_token
from dashboard.features import map as map_feature
from dashboard.features import panel
from dashboard.messages import plain_sentence
from dashboard.views.context import AppContext, Options, options
from geo.accounts import Identity
from geo.errors import SocmapError

TITLE = "Serious and organised crime in Kent"
EMPTY = (
    "There is no data loaded yet. Load data with `socmap demo` or `socmap ingest`, "
    "then reload this page."
)

log = logging.getLogger("socmap.dashboard")


def page(
    ctx: AppContext,
    *,
    filters: Callable[[Options], html.Aside],
    menu: Callable[[Identity], html.A | None],
) -> html.Div:
    """Built on every page load (never at import), so it reflects the store as it is now.
    ``filters`` builds the page's filter column; ``menu`` gives the other page a signed-in
    reader may open (None: none)."""
    try:
        opts = options(ctx)
    except SocmapError as exc:
        # A damaged or missing store is not an empty one: say which, and log the details.
        log.error("page failed: %s", exc)
        return _notice_page(plain_sentence(exc))
    if opts.last_month is None:
        return _notice_page(EMPTY)
    return html.Div(
        className="page",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.STATE),
            html.Div(id=ids.BANNER_TOP, className="banner"),
            _header(_user_menu(menu)),
            html.Div(id=ids.NOTICE, className="notice", role="status"),
            html.Main(
                className="grid",
                children=[
                    filters(opts),
                    map_feature.layout(),
                    panel.layout(),
                ],
            ),
            html.Footer(
                html.A("Accessibility statement", href="/accessibility"), className="footer"
            ),
            html.Div(id=ids.BANNER_BOTTOM, className="banner"),
        ],
    )


def _user_menu(other_page: Callable[[Identity], html.A | None]) -> list:
    """Who is signed in, the other view they may open, and sign in or out."""
    identity = g.get("identity") if has_request_context() else None
    if identity is None:
        return [html.A("Analyst sign-in", href="/login?next=/restricted/")]
    items: list = [html.Span(f"{identity.name} ({identity.role.value})")]
    link = other_page(identity)
    if link is not None:
        items.append(link)
    if identity.via == "password":
        items.append(
            html.Form(
                method="post",
                action="/logout",
                className="inline",
                children=[
                    dcc.Input(type="hidden", name="csrf", value=csrf_token()),
                    html.Button("Sign out", type="submit", className="link-button light"),
                ],
            )
        )
    return items


def _header(menu: list | None = None) -> html.Header:
    return html.Header(
        className="topbar",
        children=[
            html.Div(
                [
                    html.H1(TITLE),
                    html.P(
                        "Where harm concentrates, whether a hotspot is real, how it changes.",
                        className="tagline",
                    ),
                ]
            ),
            html.Div(menu or [], id=ids.USER_MENU, className="user-menu"),
        ],
    )


def _notice_page(message: str) -> html.Div:
    return html.Div(
        className="page",
        children=[
            _header(),
            html.Div(message, className="notice notice-error", role="alert"),
        ],
    )


def error_page(message: str) -> str:
    """A plain HTML page for the server's error handlers: one sentence, no traceback."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>socmap</title><link rel='stylesheet' href='/assets/style.css'></head>"
        f"<body><header class='topbar'><div><h1>{TITLE}</h1></div></header>"
        f"<div class='notice notice-error' role='alert'>{escape(message)}</div></body></html>"
    )
