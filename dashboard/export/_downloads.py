"""The dashboard's downloads of the current view: one plain function for every button.

The dashboard keeps one headless browser per worker process, started on the first download,
so a download after the first costs no browser start. It holds about 350 MB, so it is closed
after :data:`IDLE_SECONDS` without a download (and when the worker exits).
"""

from __future__ import annotations

import atexit
import threading

from dashboard.browser import Renderer
from dashboard.export._data_export import export_data
from dashboard.export._map_export import Export, export_map
from dashboard.export._pack import export_briefing
from dashboard.state import ViewState
from dashboard.views.context import AppContext

DOWNLOADS = {
    "map-pdf": "Map (PDF)",
    "map-png": "Map (PNG, 300 dpi)",
    "csv": "Table (CSV)",
    "gpkg": "GeoPackage",
    "geojson": "GeoJSON",
    "briefing": "Briefing pack (PDF)",
}
IDLE_SECONDS = 600
_shared: Renderer | None = None
_idle: threading.Timer | None = None
_shared_lock = threading.Lock()


def shared_renderer() -> Renderer:
    """This process's browser for downloads (thread-safe; closed when idle and at exit)."""
    global _shared, _idle  # noqa: PLW0603 - one per worker process, by design
    with _shared_lock:
        if _shared is None:
            _shared = Renderer()
            atexit.register(_shared.close)
        if _idle is not None:
            _idle.cancel()
        _idle = threading.Timer(IDLE_SECONDS, _shared.close)
        _idle.daemon = True
        _idle.start()
        return _shared


def export_view(
    ctx: AppContext,
    kind: str,
    query: str | None,
    *,
    user: str,
    client: str,
    renderer: Renderer | None = None,
) -> Export:
    """The download ``kind`` of the view in ``query`` for the app's own audience; audited."""
    if kind not in DOWNLOADS:
        raise ValueError(f"download {kind!r}: expected one of {', '.join(DOWNLOADS)}")
    state = ViewState.from_query(query)
    audience = ctx.audience  # fixed per app: a public page can only ever export public figures
    who = {"user": user, "client": client}
    if kind in {"csv", "gpkg", "geojson"}:
        return export_data(ctx, state, audience, kind, **who)
    renderer = renderer or shared_renderer()
    if kind == "briefing":
        return export_briefing(ctx, state, audience, renderer=renderer, **who)
    return export_map(ctx, state, audience, kind.removeprefix("map-"), renderer=renderer, **who)
