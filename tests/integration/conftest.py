"""Fixtures shared by integration tests of more than one module (pytest finds them here)."""

from tests.support.rates_raw import raw  # noqa: F401 - the real months' rows, a fixture
