"""What the data let a statistic say is said: hot spots note what the exact test cannot find
on the map (neighbourhoods no busier than its busiest hexagon), the normal test warns that its
approximation is poor on sparse counts, and the backtest warns where PEI and RRI collapse into
the hit rate. The statistics themselves are unchanged."""

from __future__ import annotations

import json
from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest

from geo.filters import Filters
from geo.grid import study_region
from geo.stats import SPARSE_NEIGHBOURHOOD, backtest, find_hotspots, hotspot_metrics
from geo.stats import _gistar as gistar
from geo.store import Store
from geo.themes import load_themes
from socmap.cli import main
from tests.support.synthetic import (
    MAIDSTONE,
    disk_polygon,
    insert_area,
    insert_incidents,
    points_in_cell,
)

THEMES = load_themes()
CENTRE = h3i.latlng_to_cell(*MAIDSTONE, 8)
DISTRICT = "E07000110"


def _store(path, rate_near: float, rate_far: float, seed: int = 4) -> Store:
    """Six months over a round district: Poisson counts per res-8 cell, higher near the
    centre."""
    store = Store(path)
    insert_area(store, "district", DISTRICT, "Maidstone", disk_polygon(MAIDSTONE, 5))
    rng = np.random.default_rng(seed)
    rows = []
    for m in range(1, 7):
        for cell in h3i.grid_disk(CENTRE, 6):
            k = rng.poisson(rate_near if h3i.grid_distance(cell, CENTRE) <= 1 else rate_far)
            lat, lon = points_in_cell(h3i.int_to_str(cell), k, rng) if k else ([], [])
            rows += [(date(2018, m, 1), a, b) for a, b in zip(lat, lon, strict=True)]
    frame = pd.DataFrame(rows, columns=["month", "latitude", "longitude"])
    insert_incidents(store, frame.assign(category="Burglary", district=DISTRICT))
    return store


@pytest.fixture(scope="module")
def sparse(tmp_path_factory):
    return _store(tmp_path_factory.mktemp("sparse") / "s.duckdb", 0.3, 0.005)


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    return _store(tmp_path_factory.mktemp("dense") / "d.duckdb", 8.0, 1.5)


def _run(store, *args, capsys) -> tuple[int, str, str]:
    code = main(["--db", str(store.path), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sparse_hotspots_say_what_the_test_cannot_find_and_keep_their_classes(sparse):
    result = find_hotspots(sparse, Filters(), 8, THEMES)
    region = study_region(sparse, "county", None, 8)
    mean = result.total / region.n
    assert result.mean_count == pytest.approx(mean)
    assert result.expected_neighbourhood == pytest.approx(mean * region.cardinality.mean())
    assert result.expected_neighbourhood < SPARSE_NEIGHBOURHOOD and result.sparse
    # The exact test is calibrated however sparse: no warning, but a note of what it can find.
    assert result.warnings == ()
    cells = result.cells.set_index("cell").loc[region.cells]
    y = cells["count"].to_numpy(float)
    busiest = int(y.max())
    (note,) = [n for n in result.notes if n.startswith("the busiest hexagon holds")]
    # The figure it quotes: the busiest hexagon among the seven of a neighbourhood drawn from
    # n, two-sided: every neighbourhood holding no more than it has at least that p.
    assert f"holds {busiest} incidents" in note and f"p = {14 / region.n:.4f} at best" in note
    lag = region.weights @ y
    assert (cells["gi_p"].to_numpy()[(lag <= busiest) & (lag > 0)] >= 14 / region.n - 1e-12).all()
    marked = cells["class"].to_numpy() != "not_significant"
    assert (lag[marked] > busiest).all()  # what the note says of this map
    # The classes are still those of the documented rule (exact p, q), not changed by it.
    _, direction = gistar.gi_star_exact(y, region)
    np.testing.assert_array_equal(cells["class"], gistar.classify(direction, cells["gi_q"]))
    normal = find_hotspots(sparse, Filters(), 8, THEMES, test="normal")
    assert len(normal.warnings) == 1 and "normal approximation" in normal.warnings[0]


def test_dense_hotspots_do_not_warn(dense):
    for test in ("exact", "normal"):
        result = find_hotspots(dense, Filters(), 8, THEMES, test=test)
        assert not result.sparse and result.warnings == ()
        assert result.expected_neighbourhood >= SPARSE_NEIGHBOURHOOD


def test_hotspots_cli_warns_on_stderr_and_flags_json(sparse, dense, capsys):
    code, out, err = _run(sparse, "hotspots", "--res", "8", "--format", "json", capsys=capsys)
    assert code == 0
    assert err.startswith("socmap: note: the busiest hexagon holds ") and len(err.splitlines()) == 1
    payload = json.loads(out)
    assert payload["sparse"] is True and payload["warnings"] == []
    assert payload["notes"] == [err.split(": ", 2)[2].strip()]
    assert 0 < payload["expected_neighbourhood"] < SPARSE_NEIGHBOURHOOD
    code, out, err = _run(
        sparse, "hotspots", "--res", "8", "--test", "normal", "--format", "json", capsys=capsys
    )
    assert err.startswith("socmap: warning: sparse data: ") and len(err.splitlines()) == 1
    assert json.loads(out)["warnings"] == [err.split(": ", 2)[2].strip()]
    code, out, err = _run(dense, "hotspots", "--res", "8", "--format", "json", capsys=capsys)
    assert "warning" not in err and json.loads(out)["sparse"] is False


def test_metrics_flag_pei_and_rri_that_are_only_the_hit_rate():
    # Two cells chosen; the test month's crime is in two cells, so the best two hold all of
    # it (n* = N): PEI = n / N. The chosen cells hold all the training crime: RRI = n / N.
    test, train = np.array([3, 0, 1, 0, 0]), np.array([4, 0, 0, 0, 0])
    m = hotspot_metrics(test, train, np.array([0, 1]))
    assert m["pei_degenerate"] and m["pei"] == pytest.approx(m["hit_rate"])
    assert m["rri_degenerate"] and m["rri"] == pytest.approx(m["hit_rate"])
    # Crime in three cells and training crime outside the chosen cells: neither.
    m = hotspot_metrics(np.array([3, 0, 1, 1, 0]), np.array([4, 0, 0, 2, 0]), np.array([0, 1]))
    assert not m["pei_degenerate"] and not m["rri_degenerate"]


def test_backtest_warns_where_coverage_exceeds_the_cells_with_crime(sparse, dense):
    result = backtest(sparse, Filters(), 8, THEMES, train_months=2)
    folds = result.folds
    a = folds["cells"].iloc[0]
    # Independently: how many cells held crime in each test month.
    region = study_region(sparse, "county", None, 8)
    assert a == max(1, round(0.03 * region.n))
    assert (folds["pei_degenerate"] == (a >= _cells_with_crime(sparse, folds))).all()
    counts = result.degenerate()
    assert counts["folds"] == len(folds) and counts["pei"] == len(folds)
    assert any("PEI there is just the hit rate" in w for w in result.warnings)
    assert set(result.warnings) <= set(result.notes)
    steady = backtest(dense, Filters(), 8, THEMES, train_months=2)
    assert steady.degenerate()["pei"] == 0 and steady.warnings == ()


def _cells_with_crime(store, folds) -> np.ndarray:
    """Distinct res-8 cells holding crime in each fold's test month, from the raw rows."""
    rows = store.fetch_rows("SELECT strftime(month, '%Y-%m'), cell FROM incidents")
    by_month: dict[str, set[int]] = {}
    for month, cell in rows:
        by_month.setdefault(month, set()).add(h3i.cell_to_parent(int(cell), 8))
    return folds["test_month"].map(lambda m: len(by_month.get(m, ()))).to_numpy()


def test_evaluate_cli_warns_on_stderr_and_flags_json(sparse, capsys):
    args = ("evaluate", "--res", "8", "--train-months", "2", "--format", "json")
    code, out, err = _run(sparse, *args, capsys=capsys)
    assert code == 0
    assert "socmap: warning: sparse data: in " in err
    payload = json.loads(out)
    assert payload["degenerate"]["pei"] == payload["degenerate"]["folds"] > 0
    assert payload["warnings"] and all(f["pei_degenerate"] for f in payload["folds"])
