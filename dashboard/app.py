"""The app factory: ``create_app(store, settings)`` builds the Dash app.

Two Dash apps share one Flask server: the public (Part 1) page at ``/`` and the restricted
(Part 2) page at ``/restricted/``, each built by its page module (:mod:`dashboard.pages`),
which owns its layout and callbacks. The audience is fixed per app, chosen once by which page
builds it, never per request, and the guard in :mod:`dashboard.auth` refuses every restricted
request (page, callback or download) from anyone who is not a signed-in analyst, before any
of it runs.

Nothing is read at import or while building: the layout is a function evaluated per page
load, and every callback reads the store when it runs.
"""

from __future__ import annotations

import logging

from dash import Dash, set_props
from dash.exceptions import DependencyException
from flask import Flask, request

from dashboard import auth, ids, layout, statement
from dashboard.messages import plain_sentence
from dashboard.pages import PAGES
from dashboard.views.context import AppContext
from geo.accounts import Accounts
from geo.errors import SocmapError
from geo.resources import package_folder
from geo.settings import Settings
from geo.store import Store

log = logging.getLogger("socmap.dashboard")

# The CSS: the top-level assets/ folder, installed as the package dashboard.assets.
ASSETS = package_folder("dashboard.assets")
TITLE = "Serious and organised crime in Kent"
CONTEXTS = "socmap.contexts"


def create_app(store: Store, settings: Settings) -> Dash:
    """The public app; its ``.server`` (Flask) also serves the restricted app and sign-in."""
    server = Flask(__name__, static_folder=None)
    server.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    accounts = Accounts.from_settings(settings)
    auth.install(server, settings, accounts)
    statement.install(server)
    _error_pages(server)
    contexts = tuple(AppContext.create(store, settings, page.AUDIENCE) for page in PAGES)
    statement.install_basemap(server, contexts[0])  # public data: one context serves both
    apps = [_dash_app(server, ctx, page) for page, ctx in zip(PAGES, contexts, strict=True)]
    server.extensions[CONTEXTS] = contexts  # for dashboard.warm
    return apps[0]


def _dash_app(server: Flask, ctx: AppContext, page) -> Dash:
    """One page's Dash app at its prefix: its layout (per page load) and its callbacks."""
    prefix = page.PREFIX
    app = Dash(
        __name__,
        server=server,
        url_base_pathname=prefix,
        title=f"socmap: {TITLE}",
        assets_folder=str(ASSETS),
        update_title=None,
        serve_locally=True,
        on_error=_on_callback_error,
    )
    # The page's language, for screen readers' pronunciation (WCAG 3.1.1).
    app.index_string = app.index_string.replace("<html>", '<html lang="en-GB">', 1)
    app.layout = lambda: page.page(ctx)
    page.register(app, ctx)
    # Dash registers the scripts it may serve only while it renders its page, so a worker
    # asked for a script before it has rendered the page (or while another thread is
    # rendering it) answers 500 and the browser shows a broken page. Rendering the page once
    # here (it reads no data) registers them all before any request.
    with server.test_request_context(prefix):
        app.index()
    return app


def _error_pages(server: Flask) -> None:
    @server.errorhandler(DependencyException)
    def _no_such_script(_exc: DependencyException):
        # A script Dash does not serve (a mistyped or crafted path, "../" included): not found,
        # one line in the log and no traceback.
        log.info("not found: %s", request.path[:200])
        return layout.error_page("There is nothing at this address."), 404

    @server.errorhandler(SocmapError)
    def _socmap_error(exc: SocmapError):
        log.error("request failed: %s", exc)
        return layout.error_page(plain_sentence(exc)), 503

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception):
        code = getattr(exc, "code", None)
        if isinstance(code, int) and code < 500:
            return exc  # 401, 403, 404 and friends keep their normal answers
        log.exception("unexpected error")
        return layout.error_page("Something went wrong on the server. Please try again."), 500


def _on_callback_error(exc: Exception) -> None:
    """Show a plain sentence in the page; details go to the server log."""
    if isinstance(exc, SocmapError):
        log.error("callback failed: %s", exc)
        message = plain_sentence(exc)
    else:
        log.error("callback failed", exc_info=exc)
        message = "Something went wrong while updating the view. Please try again."
    set_props(ids.NOTICE, {"children": message, "className": "notice notice-error"})
