"""Open context data for Kent and Medway: a light basemap, place search, population and
deprivation (docs/context.md).

Load a folder laid out as ``../shared/data/context`` (plus the LSOA shapes and best-fit
lookup from a boundaries folder), and roads or rivers a user supplies, with
:func:`load_context`; every file's source, licence, vintage and checksum is recorded, and a
load is one store transaction. The functions below are the only code that reads these
tables:

* :func:`basemap`: layers for a box at a level of detail, with their attribution;
* :func:`search_places`: towns, villages and postcodes, with the district and division
  holding them;
* :func:`population`, :func:`populations`, :func:`age_bands`, :func:`lsoa_populations`,
  :func:`lsoa_division_shares`: residents by LSOA, district, county and (apportioned by the
  documented postcode rule) division;
* :func:`imd_deciles`, :func:`lsoa_deprivation`, :func:`lsoa_table`: the Indices of
  Deprivation 2019 by LSOA;
* :func:`context_sets`, :func:`attribution`, :func:`context_summary`: what is loaded, its
  vintages, and the words a map must print;
* :func:`load_register`, :func:`remove_register`: registers of vulnerable places (DfE GIAS
  schools, CQC care locations), with the accounting incidents have (docs/rates.md).

Reading files needs geopandas and the deprivation tables pandas (slow to import): names are
imported on first use (geo._lazy), so a page or an export that draws a basemap loads neither.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from geo._lazy import exports

if TYPE_CHECKING:
    from geo.context._model import ContextReport, UserLayer
    from geo.store import Store

__all__ = [
    "DOMAINS",
    "LAYERS",
    "LEVELS",
    "LEVELS_OF_DETAIL",
    "REGISTERS",
    "RULES",
    "USES",
    "AreaPopulation",
    "Basemap",
    "ContextReport",
    "ContextSet",
    "PlaceMatch",
    "RegisterReport",
    "UserLayer",
    "age_bands",
    "attribution",
    "basemap",
    "context_sets",
    "context_summary",
    "imd_deciles",
    "load_context",
    "load_register",
    "lsoa_deprivation",
    "lsoa_division_shares",
    "lsoa_populations",
    "lsoa_table",
    "population",
    "population_years",
    "populations",
    "remove_context",
    "remove_register",
    "search_places",
]

__getattr__, __dir__ = exports(
    __name__,
    {
        "._basemap": ("LAYERS", "LEVELS_OF_DETAIL", "basemap"),
        "._deprivation": ("imd_deciles", "lsoa_deprivation", "lsoa_table"),
        "._model": (
            "AreaPopulation",
            "Basemap",
            "ContextReport",
            "ContextSet",
            "PlaceMatch",
            "UserLayer",
        ),
        "._population": (
            "LEVELS",
            "RULES",
            "age_bands",
            "lsoa_division_shares",
            "lsoa_populations",
            "population",
            "population_years",
            "populations",
        ),
        "._register_formats": ("REGISTERS",),
        "._registers": ("RegisterReport", "load_register", "remove_register"),
        "._search": ("search_places",),
        "._sources": ("DOMAINS",),
        "._stored": ("USES", "attribution", "context_sets", "context_summary"),
    },
)


def load_context(
    store: Store,
    from_dir: str | os.PathLike[str] | None = None,
    *,
    boundaries_dir: str | os.PathLike[str] | None = None,
    roads: UserLayer | None = None,
    rivers: UserLayer | None = None,
    force: bool = False,
) -> ContextReport:
    """Load the context folder and/or user roads and rivers in one transaction (see
    :func:`geo.context._load.load_context`); the same files again change nothing."""
    from geo.context._load import load_context as load  # noqa: PLC0415 - see the docstring

    return load(
        store, from_dir, boundaries_dir=boundaries_dir, roads=roads, rivers=rivers, force=force
    )


def remove_context(store: Store, names: list[str] | None = None) -> ContextReport:
    """Remove the named sets (or prefixes: ``basemap``), or all of them."""
    from geo.context._load import remove_context as remove  # noqa: PLC0415

    return remove(store, names)
