"""The query layer on both store backends: DuckDB and ClickHouse (embedded chdb).

One set of contents (tests/_backends.py: boundaries, the demo, police.uk with a quarantined
row, incidents with quotes and backslashes in their text), loaded once and published, is
asked every question the query layer answers; each answer must be the same on both, down to
the column types of the Arrow tables the maps are drawn from. The statistics (Gi*, change,
emerging, the backtest) are run end to end on each backend and compared too.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from geo.filters import Filters
from geo.store import summarize
from geo.store.queries import _run, areas, batches, context, counts, coverage, incidents, ports
from geo.themes import load_themes
from tests.support import backends as _backends
from tests.support import boundaries as bh

THEMES = load_themes(None)
A_DIVISION = "E58000901"

FILTERS = {
    "everything": Filters(),
    "one category": Filters(categories=("Drugs",)),
    "awkward category": Filters(categories=(_backends.NASTY_CATEGORY,)),
    "a theme": Filters(themes=("knife_crime",)),
    "a source": Filters(sources=(_backends.NASTY_SOURCE,)),
    "a period": Filters(month_from=date(2026, 3, 1), month_to=date(2026, 6, 1)),
    "a district": Filters(district=bh.DISTRICT_A, month_from=date(2026, 1, 1)),
    "a division": Filters(division=A_DIVISION),
    "excluding": Filters(exclude_categories=("Drugs", "modern_slavery")),
    "nothing": Filters(categories=("no such category",)),
}


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture(scope="module")
def pair(chdb_dir, tmp_path_factory):
    """(DuckDB store, ClickHouse store) holding the same rows."""
    folder = tmp_path_factory.mktemp("backends")
    ch = _backends.clickhouse_store(chdb_dir, folder)
    _backends.build_contents(ch, folder)
    assert ch.data_version() == ch.staging.data_version()
    yield ch.staging, ch
    ch.close()


@pytest.fixture(params=["duckdb", "chdb"])
def backend(request, pair):
    return pair[0] if request.param == "duckdb" else pair[1]


# -- comparing answers ----------------------------------------------------------------------


def _plain(value):
    """Answers in one comparable form: tables as sorted rows (and their column types),
    instants in UTC, sequences as lists, floats to 9 decimals (a mean summed in another
    order differs in the last bits)."""
    if isinstance(value, pa.Table):
        types = [(f.name, str(f.type)) for f in value.schema]
        return types, sorted((_plain(r) for r in value.to_pylist()), key=repr)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, float):  # sums in another order: equal to 1e-9
        return "nan" if math.isnan(value) else round(value, 9)
    return value


def same(ask, *, ordered=False):
    """``ask(store)`` on both backends; equal answers (returned, for further checks). A list
    answer is compared as a set of rows unless ``ordered`` (the function promises an order)."""

    def check(pair):
        a, b = _plain(ask(pair[0])), _plain(ask(pair[1]))
        if isinstance(a, list) and not ordered:
            a, b = sorted(a, key=repr), sorted(b, key=repr)
        assert a == b
        return ask(pair[0])

    return check


# -- counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("res", range(5, 11))
@pytest.mark.parametrize("name", list(FILTERS))
def test_hex_counts(pair, name, res):
    found = same(lambda s: counts.hex_counts(s, FILTERS[name], res, THEMES))(pair)
    if name != "nothing":
        assert found.num_rows > 0
    assert found.column("cell").type == pa.uint64()
    assert found.column("count").type == pa.int64()


@pytest.mark.parametrize("name", ["everything", "a district", "awkward category", "nothing"])
def test_cell_month_counts(pair, name):
    duck, ch = pair
    a = counts.cell_month_counts(duck, FILTERS[name], 8, THEMES)
    b = counts.cell_month_counts(ch, FILTERS[name], 8, THEMES)
    assert a.to_pylist() == b.to_pylist()  # the same order too: by cell, then month
    assert _plain(a)[0] == _plain(b)[0]


@pytest.mark.parametrize("name", list(FILTERS))
def test_totals_pieces_and_areas(pair, name):
    f = FILTERS[name]
    same(lambda s: counts.filtered_total(s, f, THEMES))(pair)
    same(lambda s: counts.piece_counts(s, f, THEMES, 7))(pair)
    for depth in counts.DEPTHS:
        same(lambda s, d=depth: counts.located_counts(s, f, THEMES, res=8, depth=d))(pair)
    if not (f.district or f.division):
        same(lambda s: counts.outside_count(s, f, THEMES))(pair)
    for level in counts.AREA_LEVELS:
        same(lambda s, lv=level: counts.area_counts(s, f, THEMES, lv))(pair)
    same(lambda s: counts.breakdown(s, f, THEMES))(pair)


def test_counts_add_up_on_clickhouse(pair):
    """Not only equal: right. The county's hexagon counts sum to its located total, and the
    awkward category's count is a direct count of the rows inserted."""
    _, ch = pair
    f = FILTERS["awkward category"]
    table = counts.hex_counts(ch, f, 9, THEMES)
    assert sum(table.column("count").to_pylist()) == counts.filtered_total(ch, f, THEMES)
    rows = _backends.awkward_incidents(np.random.default_rng(5))
    placed = rows["district"].notna()
    want = int(((rows["category"] == _backends.NASTY_CATEGORY) & placed).sum())
    assert counts.filtered_total(ch, f, THEMES) == want


# -- incidents ------------------------------------------------------------------------------


def _busy_cells(store, res, k=6):
    table = counts.hex_counts(store, Filters(), res, THEMES).sort_by(
        [("count", "descending"), ("cell", "ascending")]
    )
    return table.column("cell").to_pylist()[:k]


@pytest.mark.parametrize("res", [7, 9, 10])
def test_incident_records(pair, res):
    for cell in _busy_cells(pair[0], res):
        for f in (Filters(), FILTERS["a period"], FILTERS["awkward category"]):
            for limit in (1, 3, 100):
                a = incidents.incident_records(pair[0], f, THEMES, cell=cell, limit=limit)
                b = incidents.incident_records(pair[1], f, THEMES, cell=cell, limit=limit)
                assert a == b  # in order: the newest first, ties by the store's own key


def test_incident_lists_and_places(pair):
    for res in (6, 8, 10):
        same(lambda s, r=res: incidents.cells_by_leaf(s, r))(pair)
    same(lambda s: incidents.county_line_links(s, Filters(), THEMES), ordered=True)(pair)
    cells = np.array([*_busy_cells(pair[0], 8, k=20), 612934495869337599], dtype=np.uint64)
    same(lambda s: incidents.cell_places(s, cells, 8))(pair)
    centres = pa.table(
        {
            "cell": pa.array([1, 2, 3], pa.uint64()),
            "lat": [51.27, 51.1, 50.0],
            "lon": [0.52, 0.6, 0.0],
        }
    )
    found = same(lambda s: incidents.nearest_places(s, centres))(pair)
    assert sorted(found.column("cell").to_pylist()) == [1, 2]  # nothing near the third


# -- areas, coverage, accounts, ports, context -----------------------------------------------


def test_areas(pair):
    duck, ch = pair
    a, b = areas.area_shapes(duck), areas.area_shapes(ch)
    assert [(x.level, x.code, x.name, x.parent, x.geometry.wkb) for x in a] == [
        (x.level, x.code, x.name, x.parent, x.geometry.wkb) for x in b
    ]
    same(lambda s: areas.area_shapes(s, "division", parent=bh.DISTRICT_A))(pair)
    same(areas.areas, ordered=True)(pair)
    same(areas.boundary_sets)(pair)
    same(areas.boundary_checksums, ordered=True)(pair)
    # Opaque versions: each engine's own hash and timestamp text; the parts that are data
    # agree.
    assert areas.district_digest(duck)[0] == areas.district_digest(ch)[0] == 3
    assert [v[:2] for v in areas.boundaries_version(duck)] == [
        v[:2] for v in areas.boundaries_version(ch)
    ]


def test_coverage(pair):
    same(coverage.months_loaded, ordered=True)(pair)
    same(coverage.source_category_months)(pair)
    same(coverage.month_range)(pair)
    same(coverage.sources_by_volume, ordered=True)(pair)
    same(coverage.categories, ordered=True)(pair)
    for column in ("category", "source"):
        same(lambda s, c=column: coverage.distinct_values(s, c))(pair)
    assert _backends.NASTY_CATEGORY in coverage.categories(pair[1])


def test_accounts(pair):
    same(batches.totals)(pair)
    for key in batches.KEYS:
        same(lambda s, k=key: batches.totals_by(s, k), ordered=True)(pair)
    for level in ("district", "division"):
        same(lambda s, lv=level: batches.loaded_by_area(s, lv), ordered=True)(pair)
        same(lambda s, lv=level: batches.area_count(s, lv))(pair)
    same(batches.located_outside)(pair)
    same(batches.batches, ordered=True)(pair)
    rejected = same(batches.quarantined_rows, ordered=True)(pair)
    assert len(rejected) == 1  # the police.uk row at 9E 40N
    same(lambda s: batches.quarantined_rows(s, file=rejected[0]["file"], limit=1))(pair)


def test_ports_and_context(pair):
    same(ports.port_rows, ordered=True)(pair)
    same(lambda s: ports.port_event_counts(s, Filters(), THEMES), ordered=True)(pair)
    same(context.context_sets)(pair)
    same(lambda s: context.set_names(s, "postcodes"))(pair)


def test_summary(pair):
    duck, ch = pair
    a, b = summarize(duck, THEMES), summarize(ch, THEMES)
    assert a.pop("store") != b.pop("store")
    assert _plain(a) == _plain(b)
    assert a["quarantined"] == 1 and a["loaded"] > 0


# -- statistics on the counts ---------------------------------------------------------------


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_statistics(pair):
    from geo.stats import backtest, compare_periods, emerging_hotspots, find_hotspots

    f = Filters(month_from=date(2026, 4, 1), month_to=date(2026, 9, 1))
    hot = [find_hotspots(s, f, 8, THEMES) for s in pair]
    _frames_equal(hot[0].cells, hot[1].cells)
    change = [compare_periods(s, f, 8, THEMES) for s in pair]
    _frames_equal(change[0].cells, change[1].cells)
    _frames_equal(change[0].areas, change[1].areas)
    emerging = [emerging_hotspots(s, Filters(), 7, THEMES) for s in pair]
    _frames_equal(emerging[0].cells, emerging[1].cells)
    tests = [backtest(s, Filters(), 7, THEMES) for s in pair]
    _frames_equal(tests[0].folds, tests[1].folds)
    assert hot[0].cells["count"].sum() > 0


# -- bound values ---------------------------------------------------------------------------

AWKWARD_VALUES = [
    "O'Brien",
    "back\\slash",
    'a "quoted" word',
    "tab\there",
    "line\nbreak",
    "\\N",
    "NULL",
    "",
    "{p0:String}",
    "?",
    "$name",
    "x' OR 1=1 --",
    "ünïcödé ✓",
]


def test_values_round_trip(backend):
    """Every value comes back as it was bound: never read as SQL, an escape or a NULL."""
    for value in AWKWARD_VALUES:
        assert _run.rows(backend, "SELECT ?", [value]) == [(value,)]
    assert _run.rows(backend, "SELECT ? IS NULL", [None]) == [(True,)]
    assert _run.rows(backend, "SELECT '?' AS q, ?", ["x"]) == [("?", "x")]
    found = _run.rows(backend, "SELECT $a, $b, $a", {"a": "it's", "b": date(2024, 2, 29)})
    assert found == [("it's", date(2024, 2, 29), "it's")]


def test_awkward_values_filter_exactly(backend):
    """A filter on a value with quotes and backslashes matches exactly its rows, and one
    that only looks like SQL matches none."""
    f = Filters(categories=(_backends.NASTY_CATEGORY,))
    n = counts.filtered_total(backend, f, THEMES)
    assert n > 0
    for value in AWKWARD_VALUES:
        assert counts.filtered_total(backend, Filters(categories=(value,)), THEMES) == 0
    cell = _busy_cells(backend, 10, k=1)[0]
    assert (
        incidents.incident_records(backend, Filters(sources=("x' OR 1=1 --",)), THEMES, cell=cell)
        == []
    )
