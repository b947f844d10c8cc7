"""The public publication, computed ahead of its readers.

The public view is a fixed publication: a finite set of (period block, theme) pairs. The first
view of a pair at county level costs about a quarter of a second of CPU (the suppressed count
trees of every theme for that block and the one before, Gi*, the emerging categories), and
the three callbacks of one filter change share two cores, so that first view is what the
slowest users wait for. ``socmap serve`` therefore starts one more process that computes the
county view of every pair into the shared cache (:mod:`dashboard.cache`), newest block
first, after a start and again after every load.

It runs at the lowest CPU priority (Linux's idle class), so it only uses what the workers
leave idle. A view asked for before it gets there is computed by the worker as before; the
publisher never takes a value's lock, so no worker waits on it. It starts over when the data
version changes, and exits when the server does. Nothing it does is needed for a correct
answer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

from dashboard.cache import SharedCache, code_version
from dashboard.features import map as map_feature
from dashboard.features import panel
from dashboard.state import MEASURES, ViewState
from dashboard.views.context import AppContext
from dashboard.views.public import publication, request_view, resolve_view
from geo.disclosure import Audience
from geo.errors import SocmapError
from geo.settings import Settings
from geo.store import Store, open_store

log = logging.getLogger("socmap.dashboard")
_POLL_SECONDS = 2.0


def ready_marker() -> str:
    """The file left in the shared cache's folder of a version once this code has prepared
    it (named for the code too: a marker left by other code says nothing of this code's
    values, which are cached under other names)."""
    return f"publication-ready-{code_version()}"


def publication_queries(ctx: AppContext) -> Iterator[str]:
    """The county view of every public pair and measure, as the navigation callback writes
    it (so the callbacks' caches are keyed alike), newest block first."""
    for queries in _pair_queries(ctx):
        yield from queries


def _pair_queries(ctx: AppContext) -> Iterator[tuple[str, ...]]:
    """Per public (block, theme) pair, newest block first: its query for each measure."""
    pub = publication(ctx)
    for block in reversed(pub.blocks):
        for theme in pub.themes:
            states = (
                ViewState(themes=(theme,), month_from=block.first, month_to=block.last, measure=m)
                for m in MEASURES
            )
            yield tuple(resolve_view(ctx, s, Audience.PUBLIC).to_query() for s in states)


def prepare_publication(ctx: AppContext, stop: Callable[[], bool] = lambda: False) -> int:
    """Compute what the map, panel and hotspot callbacks need for every query of
    :func:`publication_queries`; returns how many were done before ``stop()`` said so.

    Only the map depends on the measure: the panel and the hotspot summary need the same
    values for every measure of a pair, so they are computed once per pair."""
    done = 0
    for queries in _pair_queries(ctx):
        for i, query in enumerate(queries):
            if stop():
                return done
            map_feature.view(ctx, query)
            if i == 0:
                panel.view(ctx, query)
                panel.hotspots_view(ctx, query)
            done += 1
    return done


def run_publisher(settings: Settings, parent: int) -> None:
    """The publisher process: prepare each data version once; exit when ``parent`` has."""
    _lowest_priority()
    # Its lines go to the server's log (inherited stderr), in gunicorn's format.
    logging.basicConfig(
        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S %z",
        level=settings.log_level.upper(),
    )
    store = open_store(settings)
    shared = SharedCache(store.path, holds_locks=False)
    ctx = replace(AppContext.create(store, settings, Audience.PUBLIC), _shared=shared)
    prepared = None
    while os.getppid() == parent:
        version = _version(store)
        if version is not None and version != prepared and _prepare(ctx, shared, version, parent):
            prepared = version
        time.sleep(_POLL_SECONDS)


def _prepare(ctx: AppContext, shared: SharedCache, version: str, parent: int) -> bool:
    """Prepare one data version and mark it ready; False to try again (it changed, the
    server stopped or the store could not be read meanwhile)."""
    started = time.perf_counter()

    def stop() -> bool:
        return os.getppid() != parent or _version(ctx.store) != version

    try:
        n = prepare_publication(ctx, stop=stop)
    except (SocmapError, OSError) as exc:  # a load or a damaged store: workers say so
        log.warning("publisher: %s; trying again shortly", exc)
        return False
    except Exception:  # a bug: the workers compute these views as they would anyway
        log.exception("publisher: gave up on data version %s", version)
        return True  # handled: not again and again for this version, and not marked ready
    if stop():
        return False
    shared.mark(version, ready_marker())
    log.info("publisher: %d public views ready in %.1f s", n, time.perf_counter() - started)
    try:
        checked = prepare_deprivation(ctx, stop=stop)
    except (SocmapError, OSError) as exc:
        log.warning("publisher: deprivation breakdowns: %s", exc)
    except Exception:  # a bug: the panel says it cannot show them, as without the publisher
        log.exception("publisher: gave up on the deprivation breakdowns of %s", version)
    else:
        log.info("publisher: %d deprivation breakdowns checked", checked)
    return True


def prepare_deprivation(ctx: AppContext, stop: Callable[[], bool] = lambda: False) -> int:
    """Finish Part 1's check of the decile breakdowns with the map for every public pair,
    newest block first, after the views are ready: the check can take minutes on a large
    store, longer than the panel may keep a reader waiting (it gives up after a few seconds
    and says so; ``dashboard.views.harm_panel``). One check covers the county and every
    district of a pair. Returns how many pairs were checked before ``stop()``."""
    from dashboard.views.harm import harm_page  # noqa: PLC0415 - scipy on first use

    done = 0
    for queries in _pair_queries(ctx):
        if stop():
            break
        harm_page(ctx, request_view(ctx, queries[0]), Audience.PUBLIC)
        done += 1
    return done


def _lowest_priority() -> None:
    """Run only when the workers leave a core idle: Linux's idle scheduling class (weaker
    than nice 19, which still takes a share from busy workers), else nice 19. Set before
    DuckDB starts its threads, which inherit it."""
    os.nice(19)
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _version(store: Store) -> str | None:
    try:
        return store.data_version() if store.exists() else None
    except SocmapError:
        return None  # a damaged or missing store: the workers say so to users


def main() -> None:
    """``python -m dashboard.publisher``, started by ``socmap serve`` with its pickled
    settings on stdin (from the server itself: a pipe, never a file or the network)."""
    settings = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - see above
    with contextlib.suppress(KeyboardInterrupt):
        run_publisher(settings, os.getppid())


if __name__ == "__main__":
    main()
