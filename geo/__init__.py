"""socmap's core: the incident store, ingest, H3 aggregation and hotspot statistics.

Nothing here imports a user interface; the dashboard and the command line are built on it.
"""

from geo.accounts import Accounts, Role
from geo.disclosure import Audience, DisclosurePolicy, public_counts
from geo.errors import InputError, SocmapError, StoreError, ValidationError
from geo.ingest import BatchReport, ingest_police_uk
from geo.settings import Settings
from geo.store import Store
from geo.themes import ThemeMap, load_themes

__all__ = [
    "Accounts",
    "Audience",
    "BatchReport",
    "DisclosurePolicy",
    "InputError",
    "Role",
    "Settings",
    "SocmapError",
    "Store",
    "StoreError",
    "ThemeMap",
    "ValidationError",
    "ingest_police_uk",
    "load_themes",
    "public_counts",
]
