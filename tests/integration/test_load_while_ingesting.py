"""Users keep working while a month loads: the load test's machinery, small.

A few simulated users (tests/support/load.py: browser-like tabs sending the real callbacks)
work against ``socmap serve`` for a few seconds while ``socmap ingest police-uk`` loads the
real December 2018 Kent month, the month after the store's last. No request may fail, no lock
error may reach anyone, the server log must be clean, and the new month must appear in the
default view once the load commits, whole: every total seen is the old one or the new one.
The full-size run (20 users, 1M incidents) is ``python -m benchmarks.load_test``.
"""

from __future__ import annotations

import pytest

from geo.settings import Settings
from geo.store import Store
from tests.support.load import ingesting, phase_report, run_phase
from tests.support.serve import log_problems, served

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture
def store_before_december(shared_data, tmp_path):
    from geo.areas.boundaries import fetch_boundaries
    from geo.demo import load_demo

    settings = Settings(db_path=tmp_path / "socmap.duckdb")
    store = Store(settings.db_path)
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    load_demo(store, settings, months=24, end="2018-11")
    store.close()
    return settings.db_path


def test_users_see_no_error_and_the_new_month_once_it_commits(
    shared_data, store_before_december, tmp_path
):
    db, log = store_before_december, tmp_path / "server.log"
    december = shared_data / "police-uk" / "2018-12-kent-street.csv"
    with served(db, log, workers=2) as server:
        during = ingesting(server.base, db, december, "2018-12", start_after=1.5)
        phase = run_phase(server.base, "loading", 3, 8, (0.05, 0.2), during=during)
        report = phase_report(phase)
    assert report["requests"] > 50
    assert report["errors"] == 0, report["user_errors"]
    assert report["user_errors"] == []
    assert report["lock_errors"] == 0
    assert log_problems(log) == []
    verdict = report["loading"]
    assert verdict["ingest_returncode"] in (0, 3), verdict  # 3: some rows quarantined
    assert not verdict["shown_before_load_started"]
    assert verdict["shown_on_every_reload_after_commit"], verdict
    assert not verdict["went_back_after_shown"]
    assert verdict["atomic"], verdict
    assert verdict["totals_before"] != verdict["totals_after"]
    (loaded,) = Store(db).fetch_rows(
        "SELECT count(*) FROM incidents WHERE source = 'police-uk' AND month = '2018-12-01'"
    )[0]
    assert loaded > 8000
