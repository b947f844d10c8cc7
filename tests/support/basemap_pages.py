"""A served dashboard with the shared context data loaded, and a browser page on it: the
fixtures of the basemap and accessibility browser tests."""

from __future__ import annotations

import pytest

from geo.accounts import Accounts
from geo.settings import Settings
from tests.support.browser import require_chromium
from tests.support.browser import served as serve

PERIOD = "from=2025-11&to=2026-10"
WAIT = 30_000


@pytest.fixture(scope="module")
def context_store(dashboard_with_context, tmp_path_factory) -> Settings:
    """A copy of the dashboard store with the shared context data loaded."""
    settings = dashboard_with_context(tmp_path_factory.mktemp("with-context"), cookie_secure=False)
    Accounts.from_settings(settings).add_user(
        "ana", "analyst", "ana-password-123", by="test", client="test"
    )
    return settings


@pytest.fixture(scope="module")
def server(context_store):
    require_chromium()
    with serve(context_store.db_path) as base:
        yield base
