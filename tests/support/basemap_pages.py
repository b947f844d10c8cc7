"""A served dashboard with the shared context data loaded, and a browser page on it: the
fixtures of the basemap and accessibility browser tests."""

from __future__ import annotations

import shutil

import pytest

from geo.accounts import Accounts
from geo.context import load_context
from geo.settings import Settings
from geo.store import Store
from tests.support.browser import require_chromium
from tests.support.browser import served as serve

PERIOD = "from=2025-11&to=2026-10"
WAIT = 30_000


@pytest.fixture(scope="module")
def context_store(dashboard_store, shared_data, tmp_path_factory) -> Settings:
    """A copy of the dashboard store with the shared context data loaded."""
    folder = tmp_path_factory.mktemp("with-context")
    db = folder / "socmap.duckdb"
    shutil.copyfile(dashboard_store.db_path, db)
    settings = Settings(db_path=db, cookie_secure=False)
    store = Store(db)
    load_context(store, shared_data / "context", boundaries_dir=shared_data / "boundaries")
    store.close()
    Accounts.from_settings(settings).add_user(
        "ana", "analyst", "ana-password-123", by="test", client="test"
    )
    return settings


@pytest.fixture(scope="module")
def server(context_store):
    require_chromium()
    with serve(context_store.db_path) as base:
        yield base
