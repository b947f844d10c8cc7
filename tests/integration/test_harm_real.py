"""The briefing pack's "Harm and deprivation" pages (dashboard.views.harm) on the real Kent
data, every number against an independent computation: pandas and geopandas over the raw
police.uk CSVs, the ONS population and MHCLG deprivation CSVs, scipy for the exact intervals
and tests, esda (or Marshall's formula) for the smoothing, Benjamini-Hochberg by hand.
Knife crime, October to December 2018: police.uk's "Possession of weapons", per 1,000
residents aged 10-24 (mid-2019, the only year with ages)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from esda.smoothing import Empirical_Bayes
from scipy import stats

from dashboard.views.harm import harm_page
from geo.disclosure import Audience
from tests.support.harm_real import (  # noqa: F401 - fixtures
    STATE,
    THANET,
    WEAPONS,
    ctx,
    settings,
    weapons,
    young,
)

pytestmark = pytest.mark.shared_data


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, by hand."""
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(q)
    out[order] = np.minimum(q, 1)
    return out


def _expected_rows(counts: pd.Series, people: pd.Series, county_n: int, county_p: float):
    """Every text of the rate table from first principles."""
    o, n = counts.to_numpy(float), people.to_numpy(float)
    e = n * county_n / county_p
    low = np.where(o > 0, stats.chi2.ppf(0.025, 2 * o) / 2, 0)
    high = stats.chi2.ppf(0.975, 2 * o + 2) / 2
    p = np.minimum(1, 2 * np.minimum(stats.poisson.cdf(o, e), stats.poisson.sf(o - 1, e)))
    q = _bh(p)
    out = {}
    for i, code in enumerate(counts.index):
        rr_low, rr_high = low[i] / e[i], high[i] / e[i]
        if q[i] < 0.05:
            words = "significantly above" if o[i] > e[i] else "significantly below"
        elif rr_low > 1 or rr_high < 1:
            words = "not significant once every area tested is allowed for"
        else:
            words = "not significant"
        out[code] = {
            "residents": f"{n[i]:,.0f}",
            "rate": f"{1000 * o[i] / n[i]:.2f} ({1000 * low[i] / n[i]:.2f} to "
            f"{1000 * high[i] / n[i]:.2f})",
            "rr": f"{o[i] / e[i]:.2f} ({rr_low:.2f} to {rr_high:.2f})",
            "words": words,
        }
    return out


def _marshall(o: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Marshall's global EB, the textbook formula (prior variance clipped at 0)."""
    b = o.sum() / n.sum()
    s2 = (n * (o / n - b) ** 2).sum() / n.sum()
    a = max(s2 - b / n.mean(), 0.0)
    w = a / (a + b / n)
    return w * o / n + (1 - w) * b


def test_county_page_part2_against_pandas(ctx, weapons, young):  # noqa: F811
    page = harm_page(ctx[Audience.RESTRICTED], STATE, Audience.RESTRICTED)
    assert not page.reason
    assert page.population == "residents aged 10-24 (population mid-2019, ONS SAPE22DT2)"
    people = young.groupby("lad_code")["people"].sum()
    counts = weapons["district"].value_counts().reindex(people.index, fill_value=0)
    want = _expected_rows(counts, people, len(weapons), people.sum())
    got = {r.code: r for r in page.rates}
    assert set(got) == set(people.index)
    eb = Empirical_Bayes(counts.to_numpy(), people.to_numpy()).r.ravel()
    formula = _marshall(counts.to_numpy(float), people.to_numpy(float))
    for i, code in enumerate(people.index):
        r = got[code]
        assert r.count == f"{counts[code]:,}"
        assert {k: getattr(r, k) for k in want[code]} == want[code], code
        assert r.significant == want[code]["words"].startswith("significantly")
        assert r.smoothed == f"{1000 * formula[i]:.2f}"
        if np.all((eb >= 0) & np.isfinite(eb)):  # esda agrees where its prior variance is > 0
            assert r.smoothed == f"{1000 * eb[i]:.2f}"
    assert page.reference == f"Kent and Medway: {len(weapons):,} incidents, " + (
        f"{1000 * len(weapons) / people.sum():.2f} per 1,000"
    )
    # Deciles: a direct count of the rows' LSOAs' deciles
    decile = young.set_index("LSOA11CD")["imd_decile"]
    direct = weapons["lsoa"].map(decile).value_counts()
    residents = young.groupby("imd_decile")["people"].sum()
    rows = {d.label: d for d in page.deciles}
    for k in range(1, 11):
        d = rows[str(k)]
        assert d.incidents == f"{int(direct.get(k, 0)):,}"
        assert d.incident_share == f"{100 * direct.get(k, 0) / len(weapons):.1f}%"
        assert d.residents == f"{residents[k]:,.0f}"
        assert d.resident_share == f"{100 * residents[k] / residents.sum():.1f}%"
        assert d.rate == f"{1000 * direct.get(k, 0) / residents[k]:.2f}"
    top1 = direct.get(1, 0) / len(weapons)
    top2 = (direct.get(1, 0) + direct.get(2, 0)) / len(weapons)
    res1 = residents[1] / residents.sum()
    res2 = (residents[1] + residents[2]) / residents.sum()
    assert page.shares[0] == (
        f"In England's most deprived 10% of neighbourhoods: {100 * top1:.1f}% of incidents, "
        f"{100 * res1:.1f}% of residents."
    )
    assert page.shares[1].startswith(
        f"In England's most deprived 20% of neighbourhoods: {100 * top2:.1f}% of incidents, "
        f"{100 * res2:.1f}%"
    )


def test_district_page_part2_divisions_and_deciles(ctx, weapons, young):  # noqa: F811
    page = harm_page(ctx[Audience.RESTRICTED], STATE, Audience.RESTRICTED, THANET)
    assert page.name == "Thanet" and page.rows_level == "division"
    inside = weapons[weapons["district"] == THANET]
    by_division = inside["division"].value_counts()
    got = {r.code: r for r in page.rates}
    assert {c: int(r.count) for c, r in got.items()} == {c: int(by_division.get(c, 0)) for c in got}
    assert sum(int(r.count) for r in got.values()) == len(inside)
    lsoas = young[young["lad_code"] == THANET]
    decile = lsoas.set_index("LSOA11CD")["imd_decile"]
    direct = inside["lsoa"].map(decile).value_counts()
    rows = {d.label: d for d in page.deciles}
    for k, n in direct.items():
        assert rows[str(int(k))].incidents == f"{n:,}"
    # A decile Thanet has no LSOA in (9) has no row; every row's residents are Thanet's.
    assert "9" not in rows and 9 not in set(decile)
    for k, d in rows.items():
        if k.isdigit():
            assert d.residents == f"{lsoas.loc[lsoas['imd_decile'] == int(k), 'people'].sum():,.0f}"


def test_county_page_part1_only_where_published(ctx, weapons, young):  # noqa: F811
    """Part 1: a rate, smoothed rate and relative risk only beside a published count (equal
    to the raw count there), BH over the published districts, the EB prior from the
    published figures (stand-ins 2.5 and 5 for "fewer than 5" and "suppressed")."""
    page = harm_page(ctx[Audience.PUBLIC], STATE, Audience.PUBLIC)
    people = young.groupby("lad_code")["people"].sum()
    counts = weapons["district"].value_counts().reindex(people.index, fill_value=0)
    got = {r.code: r for r in page.rates}
    shown = [c for c in people.index if got[c].count.replace(",", "").isdigit()]
    withheld = [c for c in people.index if c not in shown]
    assert withheld, "the premise: some district counts are withheld"
    for c in withheld:
        r = got[c]
        assert (r.rate, r.smoothed, r.rr) == ("", "", "")
        assert r.words == "withheld with its count"
    for c in shown:
        assert int(got[c].count) == counts[c]
    want = _expected_rows(counts[shown], people[shown], len(weapons), people.sum())
    for c in shown:
        assert {k: getattr(got[c], k) for k in want[c]} == want[c], c
    stand = counts.astype(float).copy()
    for c in withheld:
        stand[c] = 2.5 if got[c].count == "fewer than 5" else 5.0
    eb = pd.Series(_marshall(stand.to_numpy(), people.to_numpy(float)), index=people.index)
    for c in shown:
        assert got[c].smoothed == f"{1000 * eb[c]:.2f}"
    # The decile counts it shows are the raw ones; the shares only when both are shown.
    decile = young.set_index("LSOA11CD")["imd_decile"]
    direct = weapons["lsoa"].map(decile).value_counts()
    for d in page.deciles:
        if d.incidents.replace(",", "").isdigit() and d.label.isdigit():
            assert int(d.incidents) == direct.get(int(d.label), 0)


def test_every_district_page_part1_hides_rates_of_withheld_counts(ctx):  # noqa: F811
    """The class, not one case: every district's page, every division row."""
    from dashboard.views.context import options

    c = ctx[Audience.PUBLIC]
    for area in options(c).districts:
        page = harm_page(c, STATE, Audience.PUBLIC, area.code)
        assert not page.reason, area.name
        for r in page.rates:
            published = r.count.replace(",", "").isdigit()
            assert bool(r.rate) == published and bool(r.rr) == published, (area.name, r)
        for d in page.deciles:
            if not d.incidents.replace(",", "").isdigit():
                assert d.rate == "" and d.incident_share == "", (area.name, d)


def test_panel_rate_beside_every_district_and_division_count(ctx, weapons, young, settings):  # noqa: F811
    """The panel's "rate per 1,000" for every district and division: Part 2 the raw count
    over the residents aged 10-24 (districts: the sum of their LSOAs from the CSV; divisions:
    the documented apportionment); Part 1 only beside a published count."""
    from dashboard.views.counts import view_counts
    from dashboard.views.harm import area_rate_text
    from dashboard.views.panel_view import panel_model
    from dashboard.views.public import resolve_view
    from geo.context import populations

    people = young.groupby("lad_code")["people"].sum()
    divisions = populations(ctx[Audience.RESTRICTED].store, "division", year=2019, ages=(10, 24))
    raw_counts = {
        "district": weapons["district"].value_counts(),
        "division": weapons["division"].value_counts(),
    }
    seen = {"withheld": 0, "shown": 0}
    for audience in Audience:
        c = ctx[audience]
        for level, residents in (("district", people.to_dict()), ("division", divisions)):
            for code, n in residents.items():
                state = resolve_view(c, STATE.go_to(level, code), audience)
                count = view_counts(c, state.filters(), audience, 8).area(level, code)
                text = area_rate_text(c, state, audience, count)
                if audience is Audience.PUBLIC and count.value is None:
                    assert text == "", (level, code, count.text)
                    seen["withheld"] += 1
                    continue
                seen["shown"] += audience is Audience.PUBLIC
                exact = int(raw_counts[level].get(code, 0))
                assert count.value == exact
                assert text == (
                    f"{1000 * exact / n:.2f} per 1,000 residents aged 10-24 over the period "
                    "(population mid-2019)"
                ), (level, code)
    assert seen["withheld"] and seen["shown"]
    # Wired into the panel; none for the county.
    thanet = panel_model(ctx[Audience.PUBLIC], STATE.go_to("district", THANET), Audience.PUBLIC)
    n = int((weapons["district"] == THANET).sum())  # 27, published
    assert thanet.total == str(n)
    assert thanet.rate.startswith(f"{1000 * n / people[THANET]:.2f} per 1,000")
    assert panel_model(ctx[Audience.PUBLIC], STATE, Audience.PUBLIC).rate == ""
