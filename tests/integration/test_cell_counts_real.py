"""On the real Kent data (the shared boundaries, the demo and the three real police.uk months),
every count query read from the pre-aggregated hexagon counts equals counting the incidents:
for every district and division, every resolution, each source and each real month.
Skipped without ``SOCMAP_SHARED_DATA``."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

import geo.store.queries._run as run
from geo import Store
from geo.filters import Filters
from geo.grid import RESOLUTIONS
from geo.store import check_store_file
from geo.store.queries import counts as q
from geo.themes import load_themes
from tests.support.cell_counts import every_answer, reference_copy

THEMES = load_themes()


@pytest.fixture(scope="module")
def real(dashboard_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("real-counts")
    path = folder / "socmap.duckdb"
    shutil.copyfile(dashboard_store.db_path, path)
    return path, reference_copy(path, folder)


def test_the_real_store_passes_the_exact_count_check(real):
    report = check_store_file(real[0])
    assert report.ok, report.problems


def test_every_count_on_the_real_months_equals_counting_the_incidents(real):
    store, reference = Store(real[0]), Store(real[1])
    try:
        months = [
            m
            for (m,) in store.fetch_rows(
                "SELECT DISTINCT month FROM incidents WHERE source = 'police-uk' ORDER BY 1"
            )
        ]
        assert len(months) == 3
        areas = store.fetch_rows("SELECT level, code FROM areas WHERE level <> 'county'")
        assert len(areas) > 12
        cases = [Filters(month_from=m, month_to=m, sources=("police-uk",)) for m in months]
        cases += [Filters(themes=("knife_crime",)), Filters(month_from=date(2026, 1, 1))]
        for level, code in areas:
            cases.append(Filters(month_from=months[0], month_to=months[-1], **{level: code}))
        for f in cases:
            for res in RESOLUTIONS:
                assert every_answer(store, f, res) == every_answer(reference, f, res), (f, res)
        run.clear_cache()
        located = q.filtered_total(store, Filters(sources=("police-uk",)), THEMES)
        assert located > 10_000
    finally:
        store.close()
        reference.close()
