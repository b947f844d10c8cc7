"""A selected hexagon's card shows its series: every month of the view (Part 2) or every
published block (Part 1), under the map's rules.

Every plotted value is checked against an independent count: pandas over the store's
incidents (month, category, district, division and the cell at the hexagon's resolution),
never the dashboard's own queries. Months without data loaded are gaps, not zeros; partial
ones are marked. Part 1 never shows a figure from 1 to k-1 for a hexagon, including where
the exact count is one (the test finds such points and checks they are withheld gaps).
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import h3
import pandas as pd
import pytest

from dashboard.state import ViewState
from dashboard.views.cell_trend import cell_trend
from dashboard.views.context import AppContext, options
from dashboard.views.panel_view import cell_detail, top_cells
from dashboard.views.public import block_of, publication, resolve_view
from geo.disclosure import Audience, DisclosurePolicy
from geo.grid import cell_column
from geo.store import Store

pytestmark = pytest.mark.shared_data

PERIOD = "from=2024-11&to=2026-10"
THANET = "E07000114"
MEDWAY = "E06000035"


@pytest.fixture(scope="module")
def incidents(dashboard_store) -> pd.DataFrame:
    cols = ", ".join(cell_column(r) for r in (7, 8, 9))
    with duckdb.connect(str(dashboard_store.db_path), read_only=True) as con:
        return con.execute(
            f"SELECT month, category, district, division, {cols} FROM incidents"
        ).df()


@pytest.fixture(scope="module")
def contexts(dashboard_store):
    store = Store(dashboard_store.db_path)
    return {a: AppContext.create(store, dashboard_store, a) for a in Audience}


def _expected(incidents, ctx, state, cell, months, categories=None) -> list[int]:
    res = h3.get_resolution(cell)
    themes = state.themes or ()
    cats = categories or {c for t in themes for c in ctx.themes.categories_for(t)}
    df = incidents[incidents["category"].isin(cats)]
    df = df[df[cell_column(res)] == h3.str_to_int(cell)]
    if state.division:
        df = df[df["division"] == state.division]
    elif state.district:
        df = df[df["district"] == state.district]
    else:
        df = df[df["district"].notna()]
    by = df.groupby(pd.to_datetime(df["month"]).dt.date).size()
    return [int(by.get(m, 0)) for m in months]


def _divisions(ctx, district):
    return [a.code for a in options(ctx).divisions_of(district)][:2]


@pytest.mark.parametrize("area", ["thanet", "medway"])
def test_analyst_hexagon_series_equals_an_independent_count(contexts, incidents, area):
    ctx = contexts[Audience.RESTRICTED]
    if area == "medway":
        queries = [f"?d={MEDWAY}&{PERIOD}"]
    else:
        queries = [f"?d={THANET}&v={v}&{PERIOD}" for v in _divisions(ctx, THANET)]
    checked = 0
    for query in queries:
        state = resolve_view(ctx, ViewState.from_query(query), Audience.RESTRICTED)
        for hex_id, _, _ in top_cells(ctx, state, Audience.RESTRICTED, 9)[:3]:
            chosen = replace(state, cell=hex_id, res=9)
            t = cell_trend(ctx, chosen, Audience.RESTRICTED, h3.str_to_int(hex_id))
            want = _expected(incidents, ctx, chosen, hex_id, t.x)
            got = [0 if v is None else v for v in t.values]
            assert got == want, (query, hex_id)
            # The whole period's series adds up to the card's total for the hexagon.
            total = cell_detail(ctx, chosen, Audience.RESTRICTED)["count"]
            assert f"{sum(want):,}" == total
            checked += 1
    assert checked >= 3


def test_months_without_data_are_gaps_and_partial_months_marked(contexts, incidents):
    # October 2018 to March 2025: police.uk's three months, nothing loaded from January
    # 2019 to October 2024, then the demo (police.uk does not cover the demo months).
    ctx = contexts[Audience.RESTRICTED]
    query = f"?d={MEDWAY}&theme=knife_crime&from=2018-10&to=2025-03"
    state = resolve_view(ctx, ViewState.from_query(query), Audience.RESTRICTED)
    hex_id = top_cells(ctx, state, Audience.RESTRICTED, 9)[0][0]
    chosen = replace(state, cell=hex_id, res=9)
    t = cell_trend(ctx, chosen, Audience.RESTRICTED, h3.str_to_int(hex_id))
    by_month = dict(zip(t.x, zip(t.values, t.status, strict=True), strict=True))
    gap = [m for m in t.x if m.year in (2019, 2020, 2021, 2022, 2023)]
    assert gap and all(by_month[m] == (None, "empty") for m in gap)
    assert "no data loaded (not a 0)" in t.note
    want = _expected(incidents, ctx, chosen, hex_id, t.x)
    for m, (v, s) in by_month.items():
        if s != "empty":
            assert v == want[t.x.index(m)], m
    # police.uk's months lack the demo, the demo's lack police.uk: each is partial.
    marks = {m: s for m, (_, s) in by_month.items()}
    assert {marks[m] for m in t.x if m.year == 2018} == {"partial"}, marks


def _public_violations(contexts, incidents) -> tuple[list, int, int]:
    """Every public hexagon point that is not the published figure: a count from 1 to k-1
    shown, or a shown value other than the exact count. Returns (violations, points shown,
    points whose exact count is from 1 to k-1)."""
    ctx = contexts[Audience.PUBLIC]
    exact_ctx = contexts[Audience.RESTRICTED]
    k = DisclosurePolicy.from_settings(ctx.settings).k
    pub = publication(ctx)
    bad, shown, small = [], 0, 0
    for district in (THANET, MEDWAY):
        for theme in ("knife_crime", "county_lines"):
            query = f"?d={district}&theme={theme}&from=2026-07&to=2026-09"
            state = resolve_view(ctx, ViewState.from_query(query), Audience.PUBLIC)
            restricted = resolve_view(exact_ctx, ViewState.from_query(query), Audience.RESTRICTED)
            cats = set(ctx.themes.categories_for(theme)) - set(
                pub.policy.restricted_categories(ctx.themes)
            )
            blocks = [block_of(ctx, state)]
            while len(blocks) < 8:
                blocks.insert(0, blocks[0].previous())
            cells = [h for h, _, _ in top_cells(exact_ctx, restricted, Audience.RESTRICTED, 8)]
            for hex_id in cells[:6]:
                chosen = replace(state, cell=hex_id)
                t = cell_trend(ctx, chosen, Audience.PUBLIC, h3.str_to_int(hex_id))
                assert len(t.x) == len(t.values) == len(t.status) == len(blocks)
                for b, v, s in zip(blocks, t.values, t.status, strict=True):
                    months = pd.date_range(b.first, b.last, freq="MS").date.tolist()
                    exact = sum(_expected(incidents, ctx, state, hex_id, months, cats))
                    small += 0 < exact < k
                    if v is None:
                        assert s in ("withheld", "empty")
                        continue
                    shown += 1
                    if 0 < v < k or v != exact or (0 < exact < k):
                        bad.append((hex_id, b.label, v, exact))
    return bad, shown, small


def test_public_hexagon_series_is_published_figures_only(contexts, incidents):
    """Each block's point is the hexagon's figure on that block's published map: the exact
    count where it is at least k (or 0), never one from 1 to k-1, which is a gap."""
    bad, shown, small = _public_violations(contexts, incidents)
    assert bad == []
    assert shown >= 5 and small >= 1, (shown, small)


def test_the_public_check_fails_with_the_protection_off(contexts, incidents, monkeypatch):
    """The attack: the same series drawn from exact counts (the disclosure control off)
    shows small counts, and the check above finds them."""
    import dashboard.views.cell_trend as ct

    real = ct.view_counts
    monkeypatch.setattr(
        ct,
        "view_counts",
        lambda c, f, a, r: real(contexts[Audience.RESTRICTED], f, Audience.RESTRICTED, r),
    )
    bad, _, _ = _public_violations(contexts, incidents)
    assert any(0 < v < 5 for _, _, v, _ in bad), bad[:5]
