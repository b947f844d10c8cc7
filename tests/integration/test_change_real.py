"""Change per day on the real police.uk months: November 2018 (30 days) against October
(31 days), checked against scipy.stats.binomtest directly in every place change is shown:
``socmap change``, the dashboard's change map and side panel, the exports' area rows and the
briefing pack, for Part 2 (exact) and for Part 1 with one-month public blocks.

November and December are thin months (with three months loaded, under three quarters of
October's records), so the product shows no test across them
(tests/integration/test_thin_months_real.py); here the thin rule is switched off, to check
the arithmetic of the test wherever it is made on the real months."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

import pytest
from scipy import stats

from dashboard.export._briefing import briefing_model
from dashboard.export._rows import area_rows
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from dashboard.views.measures import p_text
from dashboard.views.panel_view import panel_model
from geo.disclosure import Audience
from geo.store import Store, _coverage
from socmap.cli import main

pytestmark = pytest.mark.shared_data


@pytest.fixture(autouse=True, scope="module")
def _no_thin_months():
    """No month is thin here: the test is made, and its arithmetic checked."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_coverage, "THIN_SHARE", 0.0)
        yield


NOW, BEFORE = date(2018, 11, 1), date(2018, 10, 1)
P0 = 30 / 61  # November's share of the 61 days under no change in the rate per day
WEAPONS = "Possession of weapons"


@pytest.fixture(scope="module")
def kent(kent_stores, tmp_path_factory):
    return kent_stores.copy(
        tmp_path_factory.mktemp("kentchange"), cookie_secure=False, public_period_months=1
    )


# The county is every district together: incidents placed in no district (police.uk snaps
# some to points at sea or over the county edge) are in no area, the county included.
IN_COUNTY = "district IS NOT NULL"


def _count(store: Store, month: date, where: str = IN_COUNTY, params=()) -> int:
    """A direct count from the incidents table (no socmap query code)."""
    sql = f"SELECT count(*) FROM incidents WHERE month = ? AND {where}"
    return int(store.fetch_rows(sql, [month, *params])[0][0])


def _expected_label(a: int, b: int, p: float) -> str:
    ratio = (a / 30) / (b / 31)
    direction = "up" if ratio > 1 else "down"
    verdict = "significant" if p < 0.05 else "not significant"
    return f"{direction} {round(100 * abs(ratio - 1))}% per day, {verdict}"


def test_cli_change_is_per_day_and_equals_scipy(kent, capsys):
    store = Store(kent.db_path)
    code = main(
        ["--db", str(kent.db_path), "change", "--res", "7", "--from", "2018-11", "--to",
         "2018-11", "--format", "json"]
    )  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["days"], out["previous_days"]) == (30, 31)
    assert out["untested"] is None
    rows = {(r["level"], r["code"]): r for r in out["rows"]}
    county = rows[("county", "county")]
    a, b = _count(store, NOW), _count(store, BEFORE)
    assert (county["current"], county["previous"]) == (a, b)
    assert county["p"] == pytest.approx(stats.binomtest(a, a + b, P0).pvalue, rel=1e-9)
    districts = [r for (level, _), r in rows.items() if level == "district"]
    assert len(districts) == 13
    for r in districts:
        a = _count(store, NOW, "district = ?", [r["code"]])
        b = _count(store, BEFORE, "district = ?", [r["code"]])
        assert (r["current"], r["previous"]) == (a, b)
        assert r["p"] == pytest.approx(stats.binomtest(a, a + b, P0).pvalue, rel=1e-9)
        assert "per day" in r["label"]
        ci = stats.binomtest(a, a + b, 0.5).proportion_ci(0.95, method="exact")
        assert r["ci_low"] == pytest.approx(ci.low / (1 - ci.low) * 31 / 30, rel=1e-9)
    store.close()


@pytest.fixture(scope="module")
def ctx(kent):
    c = AppContext.create(Store(kent.db_path), kent, Audience.RESTRICTED)
    yield c
    c.store.close()


@pytest.fixture(scope="module")
def coarse_ctx(kent):
    """A deployment whose one public hexagon size is resolution 6 (SOCMAP_PUBLIC_MAX_RES=6):
    at the default 8, one month of drugs leaves no public piece published in both months."""
    settings = replace(kent, public_max_res=6)
    c = AppContext.create(Store(settings.db_path), settings, Audience.RESTRICTED)
    yield c
    c.store.close()


NOVEMBER = ViewState(themes=("knife_crime",), month_from=NOW, month_to=NOW, measure="change")


@pytest.mark.parametrize("audience", [Audience.RESTRICTED, Audience.PUBLIC])
def test_dashboard_change_map_is_per_day_and_equals_scipy(ctx, coarse_ctx, audience):
    # Drugs, and in public larger hexagons (a deployment's one public size set to 6):
    # enough incidents a month for public pieces to be published in both months (k = 5).
    res = 6 if audience is Audience.PUBLIC else 7
    view = coarse_ctx if audience is Audience.PUBLIC else ctx
    model = map_model(view, replace(NOVEMBER, themes=("county_lines",), res=res), audience)
    assert model.resolution == res
    assert model.legend_title == "Change per day on the previous period"
    checked = 0
    for f in model.features:
        found = re.search(r"This period: (\d+) in 30 days; previous: (\d+) in 31 days", f.hover)
        if not found:
            assert f.klass == "withheld", f.hover
            continue
        a, b = int(found.group(1)), int(found.group(2))
        if a + b == 0:
            continue
        test = stats.binomtest(a, a + b, P0)
        assert f"p {p_text(test.pvalue)}" in f.hover
        if a and b:  # the rate ratio per day and its exact interval, carried over
            ci = test.proportion_ci(0.95, method="exact")
            low, high = (x / (1 - x) * 31 / 30 for x in (ci.low, ci.high))
            ratio = (a / 30) / (b / 31)
            assert f"Rate per day x{ratio:.2f} (95% CI {low:.2f} to {high:.2f})" in f.hover
        checked += 1
    # Public one-month pieces are mostly withheld (suppression across the tree): only a
    # couple are published in both months; every one that is is checked.
    assert checked >= (10 if audience is Audience.RESTRICTED else 2)
    assert any("rates per day (30 days with data against 31)" in n.text for n in model.notes)


def test_panel_change_per_day_equals_scipy(ctx):
    store = ctx.store
    a = _count(store, NOW, f"category = ? AND cell IS NOT NULL AND {IN_COUNTY}", [WEAPONS])
    b = _count(store, BEFORE, f"category = ? AND cell IS NOT NULL AND {IN_COUNTY}", [WEAPONS])
    p = stats.binomtest(a, a + b, P0).pvalue
    rows = {r.label: r for r in panel_model(ctx, NOVEMBER, Audience.RESTRICTED).themes}
    assert (rows["Knife crime"].current, rows["Knife crime"].previous) == (f"{a:,}", f"{b:,}")
    assert rows["Knife crime"].change == _expected_label(a, b, p)
    # Part 1, one-month blocks: the published county figures, compared per day.
    public = {r.label: r for r in panel_model(ctx, NOVEMBER, Audience.PUBLIC).themes}
    assert public["Knife crime"].change == _expected_label(a, b, p)
    # No loaded source can report port events: no data, not 0 and not "no change".
    assert (public["Port-of-entry events"].current, public["Port-of-entry events"].change) == (
        "no data",
        "no data loaded",
    )


@pytest.mark.parametrize("audience", [Audience.RESTRICTED, Audience.PUBLIC])
def test_export_area_rows_are_per_day_and_equal_scipy(ctx, audience):
    rows = area_rows(ctx, replace(NOVEMBER, measure="count"), audience)
    county = rows[0]
    assert county.level == "county" and county.change.days == (30, 31)
    a, b = county.count.value, county.change.previous.value
    assert county.change.p == pytest.approx(stats.binomtest(a, a + b, P0).pvalue, rel=1e-9)
    assert county.change.label == _expected_label(a, b, county.change.p)
    for r in rows:
        if r.change and r.change.p is not None and r.count.value + r.change.previous.value:
            a, b = r.count.value, r.change.previous.value
            assert r.change.p == pytest.approx(stats.binomtest(a, a + b, P0).pvalue, rel=1e-9)
            assert "per day" in r.change.label or b == 0


def test_briefing_compares_per_day(ctx):
    brief = briefing_model(ctx, replace(NOVEMBER, measure="count"), Audience.RESTRICTED)
    assert brief.previous_period == (
        "October 2018; changes are per day (30 days with data against 31)"
    )
    county = brief.areas[0]
    a, b = county.count.value, county.change.previous.value
    assert county.change.p == pytest.approx(stats.binomtest(a, a + b, P0).pvalue, rel=1e-9)
