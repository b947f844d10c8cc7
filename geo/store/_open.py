"""Opening the store the settings name: DuckDB (the default) or ClickHouse."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.store._file import Store

if TYPE_CHECKING:
    from geo.settings import Settings
    from geo.store._clickhouse import ClickHouseStore


def open_store(settings: Settings) -> Store | ClickHouseStore:
    """The store of ``settings``: the DuckDB file at ``db_path``, or with ``SOCMAP_STORE``
    naming a ClickHouse, that ClickHouse (``db_path`` then being the loads' staging copy)."""
    if settings.store.kind == "duckdb":
        return Store(settings.db_path)
    from geo.store._clickhouse import ClickHouseStore  # noqa: PLC0415 (DuckDB users never load it)

    return ClickHouseStore(settings.store, settings.db_path)
