"""What a worker does before it takes requests, so that nobody's first view pays for it.

A fresh gunicorn worker would otherwise import the statistics (scipy, about a second), cut
every hexagon to its area at the county and district resolutions, and count the default view,
all inside the first requests it happens to receive: several seconds for whoever opens the
dashboard first after a start. Shapes are kept across loads (see ``AppContext.lasting``), so
this is paid once per worker, and the default view's rendering is ready in every worker.
"""

from __future__ import annotations

import importlib
import logging
import time

from dashboard.features import map as map_feature
from dashboard.features import panel
from dashboard.state import AUTO_RES, ViewState
from dashboard.views import geometry as geo_view
from dashboard.views.context import AppContext
from dashboard.views.public import resolve_view
from geo.disclosure import Audience, DisclosurePolicy

log = logging.getLogger("socmap.dashboard")
_STATISTICS = (
    "geo.stats._change",
    "geo.stats._emerging",
    "geo.stats._gistar",
    "geo.stats._hotspots",
)


def warm(contexts: tuple[AppContext, ...]) -> None:
    """Prepare every context (public and restricted) of one worker; never fails the worker:
    a store that cannot be read now gets its plain error page when someone asks."""
    t0 = time.perf_counter()
    for module in _STATISTICS:  # imported on first use everywhere else
        importlib.import_module(module)
    for ctx in contexts:
        try:
            _warm(ctx)
        except Exception as exc:  # noqa: BLE001 - logged; the requests report it plainly
            log.warning("warm-up of the %s view skipped: %s", ctx.audience.value, exc)
            return
    log.info("worker ready in %.1f s", time.perf_counter() - t0)


def _warm(ctx: AppContext) -> None:
    if not ctx.store.exists():
        return
    policy = DisclosurePolicy.from_settings(ctx.settings)
    for level in ("county", "district"):
        res = policy.resolution(ctx.audience, AUTO_RES[level])
        for leaf in geo_view.leaves(ctx).values():
            geo_view.piece_shapes(ctx, leaf, res)
    if ctx.audience is Audience.PUBLIC:
        # The default view, under the query its navigation callback writes for a bare link.
        query = resolve_view(ctx, ViewState(), ctx.audience).to_query()
        map_feature.view(ctx, query)
        panel.view(ctx, query)
        panel.hotspots_view(ctx, query)
