"""What every view needs: the store, the settings, the themes, and the dashboard's one cache
(:mod:`dashboard.cache`) seen through the context: ``cached`` per data version in this worker,
``shared`` per data version for every worker, ``lasting`` per version of the loaded boundaries
for every process. Each context has its own scope in the cache (the public and restricted
apps, or two servers with other settings in one process, never read each other's values); an
export's pinned context shares its dashboard's scope."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TypeVar

from dashboard.cache import MEMORY, SharedCache
from geo.disclosure import Audience, DisclosurePolicy, loaded_months
from geo.settings import Settings
from geo.store import Coverage, Store, read_coverage
from geo.store.queries import areas as area_queries
from geo.store.queries import coverage as coverage_queries
from geo.store.queries.areas import Area, boundaries_version
from geo.themes import ThemeMap, load_themes

T = TypeVar("T")
_CACHE_SIZE = 256  # values per data version and scope
# Shapes by (store, boundary sets, key), shared by the public and restricted views of a
# worker: a few hundred entries (every leaf area at each resolution anyone asked for).
_LASTING_SIZE = 1024


@dataclass
class AppContext:
    store: Store
    settings: Settings
    themes: ThemeMap
    audience: Audience = Audience.PUBLIC
    _scope: object = field(default_factory=object)  # whose values, in the one cache
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
        return MEMORY.once(("version", self._scope), full_key, compute, _CACHE_SIZE)

    def shared(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Like :meth:`cached`, and computed once for every worker process of the server
        (see :mod:`dashboard.cache`): for the costly values several callbacks of one
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
            # Kept on disk for every process of this store (see dashboard.cache).
            folder = hashlib.sha256(repr(version).encode()).hexdigest()[:24]
            shapes, computed = self._shapes, compute
            compute = lambda: shapes.get(folder, key, computed)  # noqa: E731 - a deferred read
        return MEMORY.once("lasting", full_key, compute, _LASTING_SIZE)

    def boundaries_version(self) -> tuple:
        """What identifies the loaded boundary sets (read once per data version)."""
        return self.cached("boundaries-version", lambda: boundaries_version(self.store))


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
    """What the controls offer. For the public, the months are those holding a category
    it may see (:func:`public_months_of`): the quick periods' "data for 2 of its 3 months"
    must not count a month that holds only restricted records."""
    if ctx.audience is Audience.RESTRICTED:
        return ctx.cached("options", lambda: _read_options(ctx.store))
    return ctx.cached("options-public", lambda: _public_options(ctx))


def public_months_of(ctx: AppContext) -> tuple[date, ...]:
    """The months the public period blocks are made of, whoever asks: those of the public's
    coverage (as geo.disclosure.public_months reads them from the store)."""
    return ctx.cached("public-months", lambda: data_coverage(ctx, Audience.PUBLIC).all_months())


def _public_options(ctx: AppContext) -> Options:
    whole = ctx.cached("options", lambda: _read_options(ctx.store))
    months = public_months_of(ctx)
    first, last = (months[0], months[-1]) if months else (None, None)
    return replace(whole, first_month=first, last_month=last, months=months)


def data_coverage(ctx: AppContext, audience: Audience) -> Coverage:
    """Which sources have data for which months, and what each can report (geo.store._coverage).

    For the public, of the categories it may see only: a restricted category's records are
    published as one table per block, so no month of theirs may show through the months
    "with data" (an attack read a modern-slavery-only source's months in the panel's list
    and, with the table's "fewer than k", pinned the count)."""
    if audience is Audience.RESTRICTED:
        return ctx.cached("coverage", lambda: read_coverage(ctx.store))
    hidden = hidden_categories(ctx)
    return ctx.cached("coverage-public", lambda: read_coverage(ctx.store, without=hidden))


def hidden_categories(ctx: AppContext) -> frozenset[str]:
    """The categories the public never sees apart (restricted: one table per block)."""
    return frozenset(DisclosurePolicy.from_settings(ctx.settings).restricted_categories(ctx.themes))


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
