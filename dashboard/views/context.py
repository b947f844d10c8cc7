"""What every view needs: the store, the settings, the themes and a per-version cache.

The cache is keyed by the store's data version, so a committed load is seen at once and
nothing stale is served; it lives in the worker process (each gunicorn worker has its own).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from geo.disclosure import Audience, loaded_months
from geo.settings import Settings
from geo.store import Store
from geo.themes import ThemeMap, load_themes

T = TypeVar("T")
_CACHE_SIZE = 256


@dataclass
class AppContext:
    store: Store
    settings: Settings
    themes: ThemeMap
    audience: Audience = Audience.PUBLIC
    _cache: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(
        cls, store: Store, settings: Settings, audience: Audience = Audience.PUBLIC
    ) -> AppContext:
        return cls(
            store=store,
            settings=settings,
            themes=load_themes(settings.themes_file),
            audience=audience,
        )

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per data version and key (least recently used first out)."""
        full_key = (self.store.data_version(), key)
        with self._lock:
            if full_key in self._cache:
                self._cache.move_to_end(full_key)
                return self._cache[full_key]
        value = compute()
        with self._lock:
            self._cache[full_key] = value
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return value


@dataclass(frozen=True)
class Area:
    level: str
    code: str
    name: str
    parent: str | None


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


def _read_options(store: Store) -> Options:
    first, last = store.fetch_rows("SELECT min(month), max(month) FROM incidents")[0]
    sources = tuple(
        r[0]
        for r in store.fetch_rows("SELECT source FROM incidents GROUP BY 1 ORDER BY count(*) DESC")
    )
    categories = tuple(
        r[0] for r in store.fetch_rows("SELECT category FROM incidents GROUP BY 1 ORDER BY 1")
    )
    areas = store.fetch_rows(
        "SELECT level, code, name, parent_code FROM areas "
        "WHERE level IN ('district', 'division') ORDER BY name"
    )
    districts = tuple(Area(*a) for a in areas if a[0] == "district")
    divisions = tuple(Area(*a) for a in areas if a[0] == "division")
    months = loaded_months(store)
    return Options(first, last, sources, categories, districts, divisions, months)
