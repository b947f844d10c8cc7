"""What context data is loaded: the sets with their sources and vintages, and the
attribution a map prints for the layers it draws."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from geo.context._model import ContextSet
from geo.context._sources import FOLDER_SET_NAMES, join_attribution
from geo.store import Store
from geo.store.queries import context as queries

# What a map names to ask for attribution: a basemap layer, or a kind of set.
USES = (
    "land",
    "water",
    "coastline",
    "railways",
    "labels",
    "roads",
    "rivers",
    "places",
    "postcodes",
    "lsoas",
    "population",
    "deprivation",
)


def context_sets(store: Store) -> list[ContextSet]:
    """Every loaded context set, in load order (basemap, places, postcodes, LSOAs, ...)."""
    if not store.exists():
        return []
    sets = [ContextSet(*r) for r in queries.context_sets(store)]
    return sorted(sets, key=_order)


def _order(s: ContextSet) -> tuple[int, str]:
    if s.name in FOLDER_SET_NAMES:
        return FOLDER_SET_NAMES.index(s.name), s.name
    return len(FOLDER_SET_NAMES), s.name


def _uses(s: ContextSet) -> str:
    if s.kind == "basemap":
        return s.name.split("/", 1)[1]
    if s.kind.startswith("postcode"):
        return "postcodes"
    if s.kind == "lsoa_best_fit":
        return "lsoas"
    return s.kind


def attribution(store: Store, uses: Iterable[str] | None = None) -> str:
    """The attribution to print for ``uses`` (basemap layers and kinds of data, see
    :data:`USES`), or for everything loaded: each licence's words once, in the order
    "Contains OS data ...; contains National Statistics data ...; contains Network Rail data
    ...; © OpenStreetMap contributors (ODbL)", then any others. Empty when none is loaded."""
    wanted = None if uses is None else set(uses)
    if wanted is not None and not wanted <= set(USES):
        raise ValueError(f"unknown uses {sorted(wanted - set(USES))}; expected some of {USES}")
    parts = [s.attribution for s in context_sets(store) if wanted is None or _uses(s) in wanted]
    return join_attribution(parts) if parts else ""


def context_summary(store: Store) -> list[dict[str, Any]]:
    """The sets loaded, for ``socmap summary``: name, title, vintage, licence, rows, used for."""
    return [
        {
            "set": s.name,
            "title": s.title,
            "vintage": s.vintage,
            "licence": s.licence,
            "rows": s.rows,
            "used_for": s.used_for,
            "note": s.note,
            "file": s.file,
            "loaded_at": s.loaded_at.isoformat(),
        }
        for s in context_sets(store)
    ]
