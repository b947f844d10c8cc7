"""A change across a thin month is not tested.

The exact change test assumes each period's records are complete. A month still filling up
(police.uk's newest month, first published with a fraction of its records) breaks that: under
no change at all, the test calls the fall into it significant nearly every time (simulated
below). So where either period holds a thin month (geo/store/_coverage.py) every surface that
tests a change (the map's change measure, the panel's theme table, the export's area rows,
``socmap change``) shows the change's size and direction with no p-value, no interval and no
verdict, and says why. Each surface is checked here with the rule switched off too, where the
same view reads "Down, significant" (so the checks can fail).
"""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.export import _briefing, _rows
from dashboard.export._rows import area_rows
from dashboard.state import ViewState
from dashboard.views import measures, panel_view
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from dashboard.views.panel_view import panel_model
from geo.disclosure import Audience
from geo.filters import Filters
from geo.settings import Settings
from geo.stats import change_table, compare_periods
from geo.store import Coverage, PeriodCoverage, Store, untested_reason
from geo.themes import load_themes
from socmap.cli import main
from tests.support.synthetic import MAIDSTONE, disk_polygon, insert_area, insert_incidents

pytestmark = pytest.mark.unit

THEMES = load_themes()
OCT, NOV, DEC = (date(2017, m, 1) for m in (10, 11, 12))
JAN, FEB, MAR = (date(2018, m, 1) for m in (1, 2, 3))
# October to February hold 600 records each, March (first published) 300: under three
# quarters of the typical month, so thin. Two whole quarters, so the public sees a change
# (January to March against October to December) too.
VOLUMES = {OCT: 600, NOV: 600, DEC: 600, JAN: 600, FEB: 600, MAR: 300}


# -- the failure the rule prevents, simulated under the null ---------------------------------


def test_a_month_still_filling_up_reads_as_a_significant_fall_unless_untested():
    """No change in the rate: 13 districts with about 1,000 records in March and in May;
    May's are published at 60% so far (police.uk's December 2018 in Kent: 61% of a typical
    month). The county's test calls a significant fall in every run, and nearly every
    district's does. Untested: no call, no p-value or interval."""
    rng = np.random.default_rng(7)
    county_calls, district_calls = 0, []
    for _ in range(200):
        march = rng.poisson(1000, 13)
        may = rng.binomial(rng.poisson(1000, 13), 0.6)
        county = change_table([may.sum()], [march.sum()], days=(31, 31))
        county_calls += bool(county.loc[0, "significant"]) and county.loc[0, "rate_ratio"] < 1
        districts = change_table(may, march, days=(31, 31))
        district_calls.append(int((districts["significant"] & (districts["change"] < 0)).sum()))
        untested = change_table(may, march, days=(31, 31), untested="a thin month")
        assert not untested["significant"].any()
        assert untested[["p", "q", "ci_low", "ci_high"]].isna().all().all()
    assert county_calls == 200  # "down, significant": a fall that is the data, not crime
    assert np.mean(district_calls) >= 12.5


def test_with_complete_months_the_test_holds_its_level():
    """The other side: with complete months and no change the county's test calls a change
    at most about alpha of the time (so untesting is kept to thin months)."""
    rng = np.random.default_rng(8)
    a, b = rng.poisson(620, 4000), rng.poisson(620, 4000)
    calls = change_table(a, b, days=(31, 31))  # adjusted across the 4000: use p directly
    assert np.mean(calls["p"] < 0.05) <= 0.06


def test_an_untested_table_keeps_counts_days_and_ratio_and_says_why():
    table = change_table([300, 0, 5], [600, 0, 0], days=(30, 31), untested="a thin month")
    assert table["current"].tolist() == [300, 0, 5] and table["days"].tolist() == [30] * 3
    assert table.loc[0, "rate_ratio"] == pytest.approx(300 / 30 / (600 / 31))
    assert table["label"].tolist() == [
        "down 48% per day, not tested (a thin month)",
        "no change",
        "new: 5 from none, not tested (a thin month)",
    ]


def test_the_reason_and_the_periods_it_looks_at():
    cov = Coverage({"p": tuple(VOLUMES)}, {"p": frozenset({"x"})}, {"p": VOLUMES})

    def period(first, last):
        return PeriodCoverage(first, last, ("p",), {"p": (first,)}, {})

    assert untested_reason(cov.thin_in([period(FEB, FEB), period(JAN, JAN)])) == ""
    (thin,) = cov.thin_in([period(MAR, MAR), period(FEB, FEB)])
    assert (thin.month, thin.records) == (MAR, 300)
    assert untested_reason((thin,)) == "a thin month"
    assert cov.thin_in([period(FEB, MAR), period(DEC, JAN)]) == (thin,)  # March inside
    assert cov.thin_in([period(JAN, JAN), PeriodCoverage(None, None, (), {}, {})]) == ()


# -- every surface, on a store ----------------------------------------------------------------


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    s = Settings(db_path=tmp_path_factory.mktemp("thin-change") / "socmap.duckdb")
    store = Store(s.db_path)
    insert_area(store, "district", "E07000110", "Maidstone", disk_polygon(MAIDSTONE, 6))
    insert_area(
        store,
        "division",
        "E58000720",
        "Maidstone Central",
        disk_polygon(MAIDSTONE, 6),
        parent="E07000110",
    )
    rng = np.random.default_rng(3)
    rows = [(m, "E58000720") for m, n in VOLUMES.items() for _ in range(n)]
    frame = pd.DataFrame(rows, columns=["month", "division"]).assign(category="Drugs")
    frame["latitude"] = MAIDSTONE[0] + rng.normal(0, 0.006, len(frame))
    frame["longitude"] = MAIDSTONE[1] + rng.normal(0, 0.009, len(frame))
    insert_incidents(store, frame)
    store.close()
    return s


def _ctx(settings, audience=Audience.RESTRICTED) -> AppContext:
    return AppContext.create(Store(settings.db_path), settings, audience)


@pytest.fixture
def rule_off(monkeypatch):
    """The protection switched off: every surface's reason reads '' (tested as before)."""

    def switch_off():
        for module in (measures, panel_view, _rows, _briefing):
            monkeypatch.setattr(module, "untested_reason", lambda thin: "")

    return switch_off


MARCH_CHANGE = "?from=2018-03&to=2018-03&m=change"
FEBRUARY_CHANGE = "?from=2018-02&to=2018-02&m=change"


def _classes(model) -> set[str]:
    return {f.klass for f in model.features}


def test_the_maps_change_measure_shows_direction_only_across_the_thin_month(settings, rule_off):
    ctx = _ctx(settings)
    model = map_model(ctx, ViewState.from_query(MARCH_CHANGE), Audience.RESTRICTED)
    assert _classes(model) <= {"up_untested", "down_untested", "same", "no_data"}
    assert "down_untested" in _classes(model)
    labels = [c.label for c in model.legend]
    assert "Down (not tested: thin month)" in labels and not any("significant" in t for t in labels)
    assert any(
        "Not tested for significance: March 2018 is a thin month" in n.text for n in model.notes
    )
    hovers = [f.label for f in model.features if f.klass == "down_untested"]
    assert hovers and not any("exact test" in h or "95% CI" in h for h in hovers)
    # February against January: complete months, tested as before.
    february = map_model(ctx, ViewState.from_query(FEBRUARY_CHANGE), Audience.RESTRICTED)
    assert not _classes(february) & {"up_untested", "down_untested"}
    rule_off()
    off = map_model(_ctx(settings), ViewState.from_query(MARCH_CHANGE), Audience.RESTRICTED)
    assert "down_sig" in _classes(off)  # the claim the rule withholds


@pytest.mark.parametrize("audience", [Audience.RESTRICTED, Audience.PUBLIC])
def test_the_panels_theme_table_says_not_tested(settings, audience, rule_off):
    query = MARCH_CHANGE if audience is Audience.RESTRICTED else ""

    def changes():
        ctx = _ctx(settings, audience)
        panel = panel_model(ctx, ViewState.from_query(query), audience)
        return [r for r in panel.themes if r.change.startswith(("up", "down"))]

    rows = changes()
    assert rows and all("not tested (a thin month)" in r.change for r in rows)
    assert not any(r.significant for r in rows)
    rule_off()
    assert any(r.significant for r in changes())


def test_the_exports_area_rows_carry_no_p_value(settings, rule_off):
    rows = area_rows(_ctx(settings), ViewState.from_query(MARCH_CHANGE), Audience.RESTRICTED)
    changes = [r.change for r in rows if r.change is not None]
    assert changes and all(c.p is None and c.q is None and c.significant is None for c in changes)
    assert all("not tested (a thin month)" in c.label for c in changes if c.pct is not None)
    rule_off()
    rows = area_rows(_ctx(settings), ViewState.from_query(MARCH_CHANGE), Audience.RESTRICTED)
    assert any(r.change.significant for r in rows if r.change is not None)


def test_compare_periods_names_the_thin_month(settings):
    store = Store(settings.db_path)
    result = compare_periods(store, Filters(month_from=MAR, month_to=MAR), 8, THEMES)
    assert [(t.month, t.records) for t in result.thin] == [(MAR, 300)]
    for frame in (result.cells, result.areas):
        assert frame["p"].isna().all() and not frame["significant"].any()
    county = result.areas.set_index("level").loc["county"]
    assert county["label"] == "down 55% per day, not tested (a thin month)"  # 300/31 on 600/28
    assert any("March 2018 (police.uk: 300 records, 50% of its typical" in n for n in result.notes)
    tested = compare_periods(store, Filters(month_from=FEB, month_to=FEB), 8, THEMES)
    assert tested.thin == () and tested.areas["p"].notna().all()
    # Two months against two: March is inside, so nothing is tested.
    both = compare_periods(store, Filters(month_from=FEB, month_to=MAR), 8, THEMES)
    assert both.areas["p"].isna().all()
    store.close()


def test_socmap_change_says_untested_in_its_json(settings, capsys):
    argv = [
        "--db",
        str(settings.db_path),
        "change",
        "--res",
        "8",
        "--from",
        "2018-03",
        "--to",
        "2018-03",
    ]
    code = main([*argv, "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out)
    assert out["untested"] == "a thin month"
    county = next(r for r in out["rows"] if r["level"] == "county")
    assert county["p"] is None or math.isnan(county["p"])
    assert county["significant"] is None and "not tested" in county["label"]
