"""The pre-aggregated hexagon counts (geo/store/_counts.py) answer every count query exactly
as counting the incidents does: over random filters (hypothesis) on a store built by the
real loaders, after a month is replaced by a new edition and after a load that fails; at each
resolution, with the point's own cell (never a parent of the fine cell).

The reference is the same query functions run on a copy of the store whose count tables are
replaced by views over the incidents (one row per incident, n = 1), so every filter and
grouping is compared; hex counts are also checked against pandas over the raw rows.
``socmap store check`` finds counts that differ from the incidents (a tampered row, a month
not counted again), and a failed load leaves the counts byte for byte as they were.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import h3
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import Settings, Store, ingest_police_uk
from geo.areas.boundaries import load_boundaries
from geo.demo import load_demo
from geo.filters import Filters
from geo.grid import CELL_COLUMNS, RESOLUTIONS
from geo.store import _counts as counts_module
from geo.store import check_store_file
from geo.store._counts import COUNT_TABLES, counts_table
from geo.store.queries import counts as q
from geo.themes import load_themes
from tests.support import boundaries as bh
from tests.support.cell_counts import every_answer, reference_copy
from tests.support.police_uk import row, write_csv

THEMES = load_themes()
CATEGORIES = ("Drugs", "Possession of weapons", "Burglary", "Robbery", "Shoplifting")
AREAS = [None, *((("district", c)) for c in bh.DISTRICTS),
         *((("division", c)) for c in bh.DIVISIONS)]  # fmt: skip
MONTHS = [date(2025, 11, 1), date(2025, 12, 1), *(date(2026, m, 1) for m in range(1, 11))]


def test_the_count_tables_use_geo_grids_resolutions_and_columns():
    assert counts_module.RESOLUTIONS == RESOLUTIONS
    assert counts_module.CELL_COLUMNS == CELL_COLUMNS


def _month_file(folder: Path, month: str, n: int, seed: int) -> Path:
    """A police.uk month: points over the made-up districts and a little beyond (placed in
    no district), a few unmapped, a few rows quarantined."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        lon, lat = rng.uniform(0.45, 0.95), rng.uniform(50.97, 51.33)
        where = ("", "") if rng.random() < 0.05 else (f"{lon:.6f}", f"{lat:.6f}")
        if rng.random() < 0.02:
            where = ("x", "51.1")  # quarantined
        rows.append(row(f"{month}-{seed}-{i}", month, where, str(rng.choice(CATEGORIES))))
    return write_csv(folder / f"{month}-{seed}-kent-street.csv", rows)


def _counts_rows(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in COUNT_TABLES}
    finally:
        con.close()


class _BoomError(RuntimeError):
    pass


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    """{stage: (store, reference)}: loaded; a month replaced; a load failed after that."""
    folder = tmp_path_factory.mktemp("counts")
    config = Settings(db_path=folder / "socmap.duckdb")
    store = Store(config.db_path)
    paths = bh.write_set(folder / "boundaries")
    load_boundaries(store, paths["district"], "district")
    load_boundaries(store, paths["division"], "division")
    load_demo(store, config, seed=5, months=12, end="2026-10")
    for i, month in enumerate(("2026-08", "2026-09", "2026-10")):
        ingest_police_uk(store, _month_file(folder, month, 400, i), config, progress=False)
    found = {}
    snap = folder / "loaded.duckdb"
    shutil.copyfile(config.db_path, snap)
    found["loaded"] = snap
    # A new edition of September: other points, more rows.
    ingest_police_uk(store, _month_file(folder, "2026-09", 450, 9), config, progress=False)
    snap = folder / "replaced.duckdb"
    shutil.copyfile(config.db_path, snap)
    found["replaced"] = snap
    before = _counts_rows(config.db_path), store.data_version()
    # A load that fails after it has replaced October and inserted its rows.
    import geo.ingest._load as load

    real = load._record_batch

    def boom(*args, **kwargs):
        real(*args, **kwargs)
        raise _BoomError("the disk went away")

    load._record_batch = boom
    try:
        with pytest.raises(_BoomError):
            ingest_police_uk(store, _month_file(folder, "2026-10", 500, 10), config, progress=False)
    finally:
        load._record_batch = real
    store.close()
    assert (_counts_rows(config.db_path), Store(config.db_path).data_version()) == before
    snap = folder / "failed.duckdb"
    shutil.copyfile(config.db_path, snap)
    found["failed"] = snap
    return {name: (path, reference_copy(path, folder)) for name, path in found.items()}


def test_each_stage_passes_the_whole_store_check(stages):
    for name, (path, _) in stages.items():
        report = check_store_file(path)
        assert report.ok, (name, report.problems)


def test_the_replaced_month_is_counted_once_with_its_new_edition(stages):
    """September's police.uk counts, at every resolution, are the first edition's rows before
    the new edition and the new edition's after it (never both)."""
    sql = (
        "SELECT coalesce(sum(n), 0) FROM {table} WHERE source = 'police-uk' "
        "AND month = DATE '2026-09-01'"
    )
    editions = "SELECT file, loaded + unmapped FROM batches WHERE file LIKE '%/2026-09-%'"
    for stage, seed in (("loaded", 1), ("replaced", 9)):
        store = Store(stages[stage][0])
        found = {Path(f).name: n for f, n in store.fetch_rows(editions)}
        stored = found[f"2026-09-{seed}-kent-street.csv"]
        assert stored > 200
        for res in RESOLUTIONS:
            assert store.fetch_rows(sql.format(table=counts_table(res)))[0][0] == stored
        store.close()


@st.composite
def filters(draw):
    cats = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))
    themes = draw(
        st.lists(st.sampled_from([t.key for t in THEMES.themes]), max_size=2, unique=True)
    )
    exclude = draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True))
    sources = draw(st.lists(st.sampled_from(["police-uk", "synthetic-demo"]), max_size=2))
    first = draw(st.none() | st.sampled_from(MONTHS))
    last = draw(st.none() | st.sampled_from([m for m in MONTHS if not first or m >= first]))
    area = draw(st.sampled_from(AREAS))
    return Filters(
        categories=tuple(cats),
        themes=tuple(themes),
        sources=tuple(dict.fromkeys(sources)),
        month_from=first,
        month_to=last,
        district=area[1] if area and area[0] == "district" else None,
        division=area[1] if area and area[0] == "division" else None,
        exclude_categories=tuple(exclude),
    )


def _pandas_hex(store: Store, f: Filters, res: int) -> dict[int, int]:
    """The hex count in pandas over the raw rows, with h3-py's cell of each point."""
    frame = store.fetch(
        "SELECT category, source, month, district, division, latitude, longitude FROM incidents"
    ).to_pandas()
    keep = frame["latitude"].notna()
    if f.categories or f.themes:
        keep &= frame["category"].isin(f.category_set(THEMES))
    keep &= ~frame["category"].isin(f.exclude_categories)
    if f.sources:
        keep &= frame["source"].isin(f.sources)
    if f.month_from:
        keep &= frame["month"] >= f.month_from
    if f.month_to:
        keep &= frame["month"] <= f.month_to
    if f.district:
        keep &= frame["district"] == f.district
    elif f.division:
        keep &= frame["division"] == f.division
    else:
        keep &= frame["district"].notna()
    found: dict[int, int] = {}
    for lat, lon in zip(frame.loc[keep, "latitude"], frame.loc[keep, "longitude"], strict=True):
        cell = h3.str_to_int(h3.latlng_to_cell(lat, lon, res))
        found[cell] = found.get(cell, 0) + 1
    return found


@pytest.mark.parametrize("stage", ["loaded", "replaced", "failed"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(f=filters(), res=st.sampled_from(RESOLUTIONS))
def test_every_count_equals_counting_the_incidents(stages, stage, f, res):
    path, ref = stages[stage]
    store, reference = Store(path), Store(ref)
    try:
        got = every_answer(store, f, res)
        assert got == every_answer(reference, f, res)
        hexes = {r["cell"]: r["count"] for r in got["hex"]}
        assert hexes == _pandas_hex(store, f, res)
        assert sum(hexes.values()) == got["total"]
    finally:
        store.close()
        reference.close()


def test_the_check_finds_a_tampered_count_and_a_month_not_counted_again(stages, tmp_path):
    path = tmp_path / "tampered.duckdb"
    shutil.copyfile(stages["replaced"][0], path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE cell_counts_7 SET n = n + 1 WHERE rowid = 0")
    con.close()
    problems = check_store_file(path).problems
    assert problems == ["cell_counts_7: 1 counts differ from the incidents"]
    # A write that changed incidents behind the counts' back (no refresh): the digest check,
    # which every write runs, names the month.
    shutil.copyfile(stages["replaced"][0], path)
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM incidents WHERE uid = (SELECT max(uid) FROM incidents)")
    con.close()
    cheap = check_store_file(path, exact_counts=False).problems
    assert any("not made again for 1 changed months" in p for p in cheap), cheap


def test_counts_follow_incidents_placed_afresh_when_boundaries_are_loaded(tmp_path):
    """Not only loads change incidents: boundaries loaded after the incidents place them in
    districts and divisions, and the counts of every month follow in the same write."""
    config = Settings(db_path=tmp_path / "socmap.duckdb")
    store = Store(config.db_path)
    for i, month in enumerate(("2026-09", "2026-10")):
        ingest_police_uk(store, _month_file(tmp_path, month, 200, i), config, progress=False)
    county = Filters()
    assert q.area_counts(store, county, THEMES, "county") == {"county": 0}  # none placed yet
    paths = bh.write_set(tmp_path / "boundaries")
    load_boundaries(store, paths["district"], "district")
    load_boundaries(store, paths["division"], "division")
    store.close()
    assert check_store_file(config.db_path).ok
    reference = reference_copy(config.db_path, tmp_path)
    store, ref = Store(config.db_path), Store(reference)
    try:
        placed = q.area_counts(store, county, THEMES, "county")["county"]
        assert placed > 200
        for f in [county, *(Filters(district=d) for d in bh.DISTRICTS)]:
            for res in RESOLUTIONS:
                assert every_answer(store, f, res) == every_answer(ref, f, res)
    finally:
        store.close()
        ref.close()
