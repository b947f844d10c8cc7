"""socmap's core: the incident store, ingest, H3 aggregation and hotspot statistics.

Nothing here imports a user interface; the dashboard and the command line are built on it.
"""

import importlib

from geo.accounts import Accounts, Role
from geo.disclosure import Audience, DisclosurePolicy, public_counts
from geo.errors import InputError, SocmapError, StoreError, ValidationError
from geo.ingest import BatchReport, ingest_incidents, ingest_police_uk
from geo.settings import Settings
from geo.store import Store
from geo.themes import ThemeMap, load_themes

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

# Boundaries read files with geopandas (about 0.3 s to import): loaded on first use, so
# commands that never touch boundaries do not pay for it.
_BOUNDARIES = {"BoundaryReport", "boundary_note", "fetch_boundaries", "load_boundaries"}


# The statistics need scipy and pandas (about 0.7 s to import), so they load on first use too.
_STATISTICS = {
    "BacktestResult": "geo.stats",
    "backtest": "geo.stats",
    "ChangeResult": "geo.stats",
    "compare_periods": "geo.stats",
    "EmergingResult": "geo.stats",
    "emerging_hotspots": "geo.stats",
    "HotspotResult": "geo.stats",
    "find_hotspots": "geo.stats",
    "StudyRegion": "geo.grid",
    "study_region": "geo.grid",
    "cell_month_counts": "geo.store.queries.counts",
    "hex_counts": "geo.store.queries.counts",
    "cells_to_places": "geo.areas",
}


def __getattr__(name: str) -> object:
    if name in _BOUNDARIES:
        import geo.areas.boundaries  # noqa: PLC0415 - deferred on purpose, see above

        return getattr(geo.areas.boundaries, name)
    if name in _STATISTICS:
        return getattr(importlib.import_module(_STATISTICS[name]), name)
    raise AttributeError(f"module 'geo' has no attribute {name!r}")
