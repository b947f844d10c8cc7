"""Shared fixtures, and the lanes. No network and no I/O at import: everything happens in
fixtures.

Each test module sits in the folder of its lane, and the folder gives it the lane's marker:
``unit/`` (in-process, synthetic data, no browser; ``scripts/test --fast``), ``integration/``
(the real Kent data, served processes, Chromium exports, faults, the install) and ``browser/``
(the dashboard in Chromium). Helpers shared by tests and benchmarks are in ``support/``.

Tests that need the real Kent data find it through ``SOCMAP_SHARED_DATA`` (``.ci/run`` sets it
to ``../shared/data``) and skip with a clear reason where it is unset.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from geo.settings import Settings
from geo.store import Store

LANES = ("unit", "integration", "browser")
TESTS = Path(__file__).resolve().parent


# Modules that time a server, a publisher at idle priority, a signal or a kill against the
# clock, or build and install the wheel: ``scripts/test`` runs them alone after the rest has
# run on both cores, so a neighbour's load never decides whether they pass.
SERIAL = {
    "test_publisher.py",
    "test_load_while_ingesting.py",
    "test_faults_disk.py",
    "test_faults_kill.py",
    "test_faults_serve.py",
    "test_interrupt.py",
    "test_packaging.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        lane = Path(item.path).resolve().relative_to(TESTS).parts[0]
        if lane in LANES:
            item.add_marker(getattr(pytest.mark, lane))
        if Path(item.path).name in SERIAL:
            item.add_marker(pytest.mark.serial)


# Speed is measured in benchmarks, never asserted in tests: a property test on a busy CI
# machine must not fail because one example took longer than hypothesis' 200 ms default.
hypothesis_settings.register_profile("socmap", deadline=None)
hypothesis_settings.load_profile("socmap")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    raw = os.environ.get("SOCMAP_SHARED_DATA")
    if not raw:
        pytest.skip("SOCMAP_SHARED_DATA is not set: point it at the shared Kent data folder")
    path = Path(raw)
    if not (path / "police-uk").is_dir():
        pytest.skip(f"SOCMAP_SHARED_DATA={raw} has no police-uk/ folder")
    return path


@pytest.fixture(scope="session")
def kent_stores(shared_data: Path, police_uk_files: list[Path], tmp_path_factory):
    """Copies of one store of the real Kent boundaries and months (see ``support/kent.py``)."""
    from tests.support.kent import KentStores

    return KentStores(shared_data, police_uk_files, tmp_path_factory.mktemp("kent-stores"))


@pytest.fixture(scope="session")
def police_uk_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "police-uk").glob("*.csv"))
    assert len(files) == 3, files
    return files


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "socmap.duckdb")


@pytest.fixture
def store(settings: Settings) -> Store:
    s = Store(settings.db_path)
    yield s
    s.close()


@pytest.fixture(scope="session")
def dashboard_store(shared_data: Path, tmp_path_factory) -> Settings:
    """A store as a deployment has it: the shared boundaries, the synthetic demo (24 months)
    and the three real police.uk months. Built once per test session."""
    from geo.areas.boundaries import fetch_boundaries
    from geo.demo import load_demo
    from geo.ingest import ingest_police_uk

    settings = Settings(
        db_path=tmp_path_factory.mktemp("dash") / "socmap.duckdb", cookie_secure=False
    )
    store = Store(settings.db_path)
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    load_demo(store, settings, seed=2024, months=24, end="2026-10")
    for path in sorted((shared_data / "police-uk").glob("*.csv")):
        ingest_police_uk(store, path, settings, progress=False)
    store.close()
    return settings


@pytest.fixture(scope="session")
def dashboard_with_context(dashboard_store: Settings, shared_data: Path, tmp_path_factory):
    """Copies of the dashboard store with the shared context data loaded (basemap, places,
    postcodes, population, deprivation), loaded once per session: call it with a folder (and
    further :class:`Settings` fields) for a module's own copy."""
    import shutil

    from geo.context import load_context

    base = tmp_path_factory.mktemp("dash-context") / "socmap.duckdb"
    shutil.copyfile(dashboard_store.db_path, base)
    store = Store(base)
    load_context(store, shared_data / "context", boundaries_dir=shared_data / "boundaries")
    store.close()

    def copy(folder: Path, **options: object) -> Settings:
        db = folder / "socmap.duckdb"
        shutil.copyfile(base, db)
        return Settings(db_path=db, **options)  # type: ignore[arg-type]

    return copy
