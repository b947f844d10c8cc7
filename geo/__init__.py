"""socmap's core: the incident store, ingest, H3 aggregation and hotspot statistics.

Nothing here imports a user interface; the dashboard and the command line are built on it.
"""

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
    "BatchReport",
    "BoundaryReport",
    "DisclosurePolicy",
    "InputError",
    "Role",
    "Settings",
    "SocmapError",
    "Store",
    "StoreError",
    "ThemeMap",
    "ValidationError",
    "boundary_note",
    "fetch_boundaries",
    "ingest_incidents",
    "ingest_police_uk",
    "load_boundaries",
    "load_themes",
    "public_counts",
]

# Boundaries read files with geopandas (about 0.3 s to import): loaded on first use, so
# commands that never touch boundaries do not pay for it.
_BOUNDARIES = {"BoundaryReport", "boundary_note", "fetch_boundaries", "load_boundaries"}


def __getattr__(name: str) -> object:
    if name in _BOUNDARIES:
        import geo.boundaries  # noqa: PLC0415 - deferred on purpose, see above

        return getattr(geo.boundaries, name)
    raise AttributeError(f"module 'geo' has no attribute {name!r}")
