"""One export reads one data version.

An export (above all a briefing pack of a dozen maps) asks the view cache thousands of times;
each ask would otherwise read the store's version again. The export's context pins the version
read at its start and shares the dashboard's cache, so what the dashboard computed is reused
and what the export computes is kept for the dashboard.
"""

from __future__ import annotations

from typing import Any

from dashboard.views.context import AppContext
from geo.store import Store


class _PinnedStore:
    """The store, with its data version read once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._version = store.data_version()

    def data_version(self) -> str:
        return self._version

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def pinned(ctx: AppContext) -> AppContext:
    """A context for one export: the same store, settings, themes and cache."""
    if isinstance(ctx.store, _PinnedStore):
        return ctx
    return AppContext(
        store=_PinnedStore(ctx.store),
        settings=ctx.settings,  # type: ignore[arg-type]
        themes=ctx.themes,
        audience=ctx.audience,
        _scope=ctx._scope,
        _shapes=ctx._shapes,
    )
