"""Ports of entry and the port-of-entry events at them."""

from __future__ import annotations

from dataclasses import replace

from geo.filters import Filters
from geo.store._file import Store
from geo.store.queries._run import Source, rows
from geo.themes import ThemeMap

PORT_EVENT = "port_event"  # the partner category of a port-of-entry event
PORT_COLUMNS = (
    "port_id",
    "name",
    "unlocode",
    "kind",
    "latitude",
    "longitude",
    "precision_note",
    "source",
    "aliases",
)


def port_rows(source: Source) -> list[tuple]:
    """Every stored port as a row of :data:`PORT_COLUMNS`, by id. ``source``: the store, or
    a load's open connection (matching the ports an ingest names)."""
    return rows(source, f"SELECT {', '.join(PORT_COLUMNS)} FROM ports ORDER BY port_id")


def port_event_counts(
    store: Store, filters: Filters, themes: ThemeMap
) -> list[tuple[str, float, float, int]]:
    """(port name, longitude, latitude, events) for each port with port-of-entry events
    matching ``filters`` (its themes and categories are replaced by the port events), the
    busiest first."""
    events = replace(filters, categories=(PORT_EVENT,), themes=())
    where, params = events.where(themes, alias="i")
    return rows(
        store,
        f"""
        SELECT p.name, p.longitude, p.latitude, count(*)
        FROM incidents i JOIN ports p ON i.port = p.port_id
        WHERE {where} GROUP BY ALL ORDER BY 4 DESC
        """,
        params,
    )
