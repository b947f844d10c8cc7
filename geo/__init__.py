"""socmap's core: the incident store, ingest, the H3 grid, areas and hotspot statistics.

Nothing here imports a user interface; the dashboard and the command line are built on it.
The rooms (docs/architecture.md):

* :mod:`geo.store`: the DuckDB file, and :mod:`geo.store.queries`, every read the product runs;
* :mod:`geo.ingest`: loading police.uk and partner files;
* :mod:`geo.grid`: H3 cells, an area's cells, study regions, outlines;
* :mod:`geo.areas`: boundaries, placement, gazetteer, ports, hexagon names;
* :mod:`geo.stats`: Gi*, hot spots, emerging hot spots, change, the backtest;
* :mod:`geo.disclosure`: what the public (Part 1) view may publish;
* :mod:`geo.accounts`, :mod:`geo.context`, :mod:`geo.demo`;
* the shared vocabulary: :mod:`geo.settings`, :mod:`geo.errors`, :mod:`geo.themes`,
  :mod:`geo.filters`.

The names below are the common entry points, imported on first use (the statistics need scipy
and pandas, the boundaries geopandas: about a second between them that a command which never
touches them does not pay).
"""

from geo._lazy import exports

__all__ = [
    "Accounts",
    "Audience",
    "BacktestResult",
    "BatchReport",
    "BoundaryReport",
    "ChangeResult",
    "DisclosurePolicy",
    "EmergingResult",
    "HotspotResult",
    "InputError",
    "Role",
    "Settings",
    "SocmapError",
    "Store",
    "StoreError",
    "StudyRegion",
    "ThemeMap",
    "ValidationError",
    "backtest",
    "boundary_note",
    "cell_month_counts",
    "cells_to_places",
    "compare_periods",
    "emerging_hotspots",
    "fetch_boundaries",
    "find_hotspots",
    "hex_counts",
    "ingest_incidents",
    "ingest_police_uk",
    "load_boundaries",
    "load_themes",
    "public_counts",
    "study_region",
]

__getattr__, __dir__ = exports(
    __name__,
    {
        ".accounts": ("Accounts", "Role"),
        ".disclosure": ("Audience", "DisclosurePolicy", "public_counts"),
        ".errors": ("InputError", "SocmapError", "StoreError", "ValidationError"),
        ".ingest": ("BatchReport", "ingest_incidents", "ingest_police_uk"),
        ".settings": ("Settings",),
        ".store": ("Store",),
        ".store.queries.counts": ("cell_month_counts", "hex_counts"),
        ".themes": ("ThemeMap", "load_themes"),
        ".areas": ("cells_to_places",),
        ".areas.boundaries": (
            "BoundaryReport",
            "boundary_note",
            "fetch_boundaries",
            "load_boundaries",
        ),
        ".grid": ("StudyRegion", "study_region"),
        ".stats": (
            "BacktestResult",
            "ChangeResult",
            "EmergingResult",
            "HotspotResult",
            "backtest",
            "compare_periods",
            "emerging_hotspots",
            "find_hotspots",
        ),
    },
)
