"""What every view needs: the store, the settings, the themes and a per-version cache.

The cache is keyed by the store's data version, so a committed load is seen at once and
nothing stale is served; it lives in the worker process (each gunicorn worker has its own).
Shapes, which depend only on the boundaries, have a cache of their own keyed by the loaded
boundary sets (:meth:`AppContext.lasting`): a load of incidents does not throw them away, and
the many entries one filter change adds to the per-version cache do not push them out; they
are also kept on disk beside the store, so a new process reads them rather than cutting every
hexagon to its area again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from dashboard.views.shared import SharedCache
from geo.disclosure import Audience, DisclosurePolicy, loaded_months
from geo.settings import Settings
from geo.store import Coverage, Store, read_coverage
from geo.store.queries import areas as area_queries
from geo.store.queries import coverage as coverage_queries
from geo.store.queries.areas import Area, boundaries_version
from geo.themes import ThemeMap, load_themes

T = TypeVar("T")
_CACHE_SIZE = 256
# Shapes by (store, boundary sets, key), shared by the public and restricted views of a
# worker: a few hundred entries (every leaf area at each resolution anyone asked for).
_LASTING: OrderedDict[Hashable, Any] = OrderedDict()
_LASTING_LOCK = threading.Lock()
_LASTING_PENDING: dict[Hashable, threading.Lock] = {}
_LASTING_SIZE = 1024


@dataclass
class AppContext:
    store: Store
    settings: Settings
    themes: ThemeMap
    audience: Audience = Audience.PUBLIC
    _cache: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: dict[Hashable, threading.Lock] = field(default_factory=dict)
    _shared: SharedCache | None = None
    _shapes: SharedCache | None = None

    @classmethod
    def create(
        cls, store: Store, settings: Settings, audience: Audience = Audience.PUBLIC
    ) -> AppContext:
        return cls(
            store=store,
            settings=settings,
            themes=load_themes(settings.themes_file),
            audience=audience,
            _shared=SharedCache(store.path),
            _shapes=SharedCache(store.path, suffix=".shapes"),
        )

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per data version and key (least recently used first out)."""
        full_key = (self.store.data_version(), key)
        return _once(self._cache, self._lock, self._pending, full_key, compute, _CACHE_SIZE)

    def shared(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Like :meth:`cached`, and computed once for every worker process of the server
        (see :mod:`dashboard.views.shared`): for the costly values several callbacks of one
        filter change need at once. The themes and the disclosure policy are part of the key,
        so servers with other settings on the same store never share a value."""
        if self._shared is None:
            return self.cached(key, compute)
        policy = DisclosurePolicy.from_settings(self.settings)

        def from_workers() -> T:
            version = self.store.data_version()
            return self._shared.get(version, (key, self.themes, policy), compute)

        return self.cached(("shared", key), from_workers)

    def lasting(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per version of the loaded boundaries and key (for values that
        depend on the areas alone, not on incidents)."""
        version = self.boundaries_version()
        full_key = (str(self.store.path), version, key)
        if self._shapes is not None:
            # Kept on disk for every process of this store (see dashboard.views.shared).
            folder = hashlib.sha256(repr(version).encode()).hexdigest()[:24]
            shapes, computed = self._shapes, compute
            compute = lambda: shapes.get(folder, key, computed)  # noqa: E731 - a deferred read
        return _once(_LASTING, _LASTING_LOCK, _LASTING_PENDING, full_key, compute, _LASTING_SIZE)

    def boundaries_version(self) -> tuple:
        """What identifies the loaded boundary sets (read once per data version)."""
        return self.cached("boundaries-version", lambda: boundaries_version(self.store))


def _once(cache: OrderedDict, lock: threading.Lock, pending: dict, key, compute, size: int):
    """``cache[key]``, computed by one thread while others asking for it wait (a worker runs
    several request threads, and the three callbacks of a filter change need the same values);
    least recently used first out beyond ``size``."""
    with lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        mine = pending.setdefault(key, threading.Lock())
    with mine:
        with lock:
            if key in cache:
                return cache[key]
        try:
            value = compute()
        except BaseException:
            with lock:
                pending.pop(key, None)
            raise
        with lock:
            cache[key] = value
            pending.pop(key, None)
            while len(cache) > size:
                cache.popitem(last=False)
        return value


@dataclass(frozen=True)
class Options:
    """What the filters can offer, read from the store."""

    first_month: date | None
    last_month: date | None
    sources: tuple[str, ...]
    categories: tuple[str, ...]
    districts: tuple[Area, ...]
    divisions: tuple[Area, ...]
    months: tuple[date, ...] = ()  # every month with data loaded, oldest first

    def area(self, level: str, code: str | None) -> Area | None:
        pool = self.districts if level == "district" else self.divisions
        return next((a for a in pool if a.code == code), None)

    def divisions_of(self, district: str) -> tuple[Area, ...]:
        return tuple(a for a in self.divisions if a.parent == district)


def options(ctx: AppContext) -> Options:
    return ctx.cached("options", lambda: _read_options(ctx.store))


def data_coverage(ctx: AppContext) -> Coverage:
    """Which sources have data for which months, and what each can report (geo.store._coverage)."""
    return ctx.cached("coverage", lambda: read_coverage(ctx.store))


def _read_options(store: Store) -> Options:
    first, last = coverage_queries.month_range(store)
    # Lists offer areas by name.
    areas = sorted(area_queries.areas(store, ("district", "division")), key=lambda a: a.name)
    return Options(
        first_month=first,
        last_month=last,
        sources=coverage_queries.sources_by_volume(store),
        categories=coverage_queries.categories(store),
        districts=tuple(a for a in areas if a.level == "district"),
        divisions=tuple(a for a in areas if a.level == "division"),
        months=loaded_months(store),
    )
