"""The app factory: ``create_app(store, settings)`` builds the Dash app.

Nothing is read at import or while building: the layout is a function evaluated per page
load, and every callback reads the store when it runs. Each feature module owns its layout
pieces and registers its own thin callbacks.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from dash import Dash, set_props

from dashboard import ids, layout
from dashboard.features import FEATURES
from dashboard.views.context import AppContext
from geo.errors import SocmapError
from geo.settings import Settings
from geo.store import Store

log = logging.getLogger("socmap.dashboard")

ASSETS = Path(__file__).resolve().parent.parent / "assets"
TITLE = "Serious and organised crime in Kent"


def create_app(store: Store, settings: Settings) -> Dash:
    ctx = AppContext.create(store, settings)
    app = Dash(
        __name__,
        title=f"socmap: {TITLE}",
        assets_folder=str(ASSETS),
        update_title=None,
        serve_locally=True,
        on_error=_on_callback_error,
    )
    _configure_server(app, settings)
    app.layout = lambda: layout.page(ctx)
    for feature in FEATURES:
        feature.register(app, ctx)
    return app


def _configure_server(app: Dash, settings: Settings) -> None:
    server = app.server
    server.config.update(
        # Without a configured key each worker would sign sessions differently.
        SECRET_KEY=settings.secret_key or secrets.token_hex(32),
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )

    @server.errorhandler(SocmapError)
    def _socmap_error(exc: SocmapError):
        log.error("request failed: %s", exc)
        return layout.error_page(_plain(exc)), 503

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error")
        code = getattr(exc, "code", 500)
        if isinstance(code, int) and code < 500:
            return exc  # 404, 405 and friends keep their normal answers
        return layout.error_page("Something went wrong on the server. Please try again."), 500


def _on_callback_error(exc: Exception) -> None:
    """Show a plain sentence in the page; details go to the server log."""
    if isinstance(exc, SocmapError):
        log.error("callback failed: %s", exc)
        message = _plain(exc)
    else:
        log.exception("callback failed", exc_info=exc)
        message = "Something went wrong while updating the view. Please try again."
    set_props(ids.NOTICE, {"children": message, "className": "notice notice-error"})


def _plain(exc: SocmapError) -> str:
    text = str(exc)
    if "no store here yet" in text:
        return "There is no data loaded yet. Ask an analyst to load data into socmap."
    if "not a readable socmap store" in text:
        return (
            "The data store cannot be read. Please tell the socmap administrator "
            "(the details are in the server log)."
        )
    return "The data could not be read just now. Please try again in a moment."
