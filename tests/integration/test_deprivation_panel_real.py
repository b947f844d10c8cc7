"""The panel's "By deprivation" section on the real Kent data (knife crime, October to
December 2018, per 1,000 residents aged 10-24): Part 2 every figure against a direct count
over the raw police.uk rows and the ONS and MHCLG CSVs; Part 1 exactly the briefing pack's
Part 1 figures, and an attacker holding the panel of the county and of every district with
the published map pins no withheld count (and does, with the map check off)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from plotly.utils import PlotlyJSONEncoder
from scipy.optimize import linprog

from dashboard.features._deprivation_panel import section
from dashboard.state import ViewState
from dashboard.views.context import options
from dashboard.views.counts import view_counts
from dashboard.views.harm import harm_page
from dashboard.views.harm_panel import panel_deprivation
from geo.disclosure import Audience
from tests.integration.test_harm_real import (  # noqa: F401 - fixtures
    STATE,
    THANET,
    ctx,
    settings,
    weapons,
    young,
)
from tests.support.count_check import small_counts
from tests.support.rates_raw import raw  # noqa: F401 - a fixture

pytestmark = pytest.mark.shared_data
QUERY = "?from=2018-10&to=2018-12&theme=knife_crime"


def _panel(c, audience, extra=""):
    return panel_deprivation(c, ViewState.from_query(QUERY + extra), audience)


def _kakwani(incidents: list[float], residents: list[float]) -> float:
    """Kakwani, Wagstaff and van Doorslaer's grouped formula over cumulative shares, groups
    ordered most deprived first."""
    x = np.concatenate([[0.0], np.cumsum(residents) / np.sum(residents)])
    y = np.concatenate([[0.0], np.cumsum(incidents) / np.sum(incidents)])
    return float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


@pytest.mark.parametrize("district", [None, THANET])
def test_part2_every_figure_against_a_direct_count(ctx, weapons, young, district):  # noqa: F811
    c = ctx[Audience.RESTRICTED]
    page = _panel(c, Audience.RESTRICTED, f"&d={district}" if district else "")
    rows = weapons if district is None else weapons[weapons["district"] == district]
    people = young if district is None else young[young["lad_code"] == district]
    decile = people.set_index("LSOA11CD")["imd_decile"]
    direct = rows["lsoa"].map(decile).value_counts()
    residents = people.groupby("imd_decile")["people"].sum()
    got = {d.label: d for d in page.deciles}
    assert {k for k in got if k.isdigit()} == {str(k) for k in residents.index}
    for k in residents.index:
        d, n = got[str(k)], int(direct.get(k, 0))
        assert d.incidents == f"{n:,}"
        assert d.incident_share == f"{100 * n / len(rows):.1f}%"
        assert d.resident_share == f"{100 * residents[k] / residents.sum():.1f}%"
        assert d.rate == f"{1000 * n / residents[k]:.2f}"
    unplaced = len(rows) - int(direct.sum())
    if unplaced:
        assert got["in no LSOA of the area"].incidents == f"{unplaced:,}"
    for label, top in (("10%", 1), ("20%", 2)):
        inc = sum(direct.get(k, 0) for k in range(1, top + 1)) / len(rows)
        res = sum(residents.get(k, 0) for k in range(1, top + 1)) / residents.sum()
        assert (
            f"In England's most deprived {label} of neighbourhoods: {100 * inc:.1f}% of "
            f"incidents, {100 * res:.1f}% of residents."
        ) in page.shares
    ks = list(residents.index)
    index = _kakwani([direct.get(k, 0) for k in ks], [residents[k] for k in ks])
    assert f"Concentration index over the ten deciles: {index:+.3f}" in page.index
    # The section draws these figures and no others.
    cells = _cells(section(page))
    for d in page.deciles:
        label = f"Decile {d.label}" if d.label.isdigit() else d.label.capitalize()
        row = next(c for c in cells if c[0].startswith(label) and c[0][len(label) :][:1] in "( ")
        assert row[1:] == [d.incidents, d.incident_share, d.resident_share, d.rate]


def _cells(children) -> list[list[str]]:
    table = next(x for x in children if type(x).__name__ == "Table")
    body = table.children[1]
    return [[td.children for td in tr.children] for tr in body.children]


def test_part1_is_the_briefing_page_for_the_county_and_every_district(ctx):  # noqa: F811
    """Public: the panel shows what the briefing's Part 1 page shows, no more, for the
    county and every district; a division's view shows its district's breakdown."""
    c = ctx[Audience.PUBLIC]
    areas = [None, *(a.code for a in options(c).districts)]
    for code in areas:
        page = harm_page(c, STATE, Audience.PUBLIC, code)
        panel = _panel(c, Audience.PUBLIC, f"&d={code}" if code else "")
        assert (panel.deciles, panel.shares, panel.index) == (
            page.deciles,
            page.shares,
            page.index,
        ), code
        # What the page renders holds no count from 1 to k-1 (the HTTP check's reader).
        rendered = json.loads(json.dumps(section(panel), cls=PlotlyJSONEncoder))
        assert not small_counts({"panel": {"children": rendered}}, 5), code
    division = next(a for a in options(c).divisions if a.parent == THANET)
    shown = _panel(c, Audience.PUBLIC, f"&v={division.code}")
    assert shown.deciles == harm_page(c, STATE, Audience.PUBLIC, THANET).deciles
    assert shown.notes[0].startswith("The breakdown is Thanet's")


def _shown(text: str) -> int | None:
    t = text.replace(",", "")
    return int(t) if t.isdigit() else None


@pytest.fixture(scope="module")
def touches(shared_data) -> dict[str, set[int]]:
    """The public geography an attacker has: the IMD deciles of the LSOAs meeting each
    division (within 200 m: police.uk's own LSOA code can name a neighbour's), and of each
    district without divisions (Medway); decile 0 (in no LSOA) anywhere."""
    import geopandas as gpd
    import pandas as pd

    b = shared_data / "boundaries"
    imd = pd.read_csv(shared_data / "context" / "deprivation" / "kent_medway_lsoa11_iod2019.csv")
    lsoas = gpd.read_file(b / "kent_medway_lsoa11.geojson")[["LSOA11CD", "geometry"]]
    lsoas = lsoas.merge(imd[["LSOA11CD", "lad_code", "imd_decile"]]).to_crs(27700)
    ced = gpd.read_file(b / "kent_ced_2017_oa_dissolved.geojson")[["ced_code", "geometry"]]
    ced = ced.to_crs(27700)
    ced["geometry"] = ced.buffer(200)
    hits = gpd.sjoin(ced, lsoas, predicate="intersects")
    out = {c: {0, *map(int, g)} for c, g in hits.groupby("ced_code")["imd_decile"]}
    for lad, g in lsoas.groupby("lad_code")["imd_decile"]:
        out[lad] = {0, *map(int, g)}
    return out


def _attack(c, panels, touches) -> dict[tuple[str, str], tuple[float, float]]:
    """The least and greatest value of every withheld district and division count given
    the published map (every area's count with its label) and ``panels`` (area code or None
    for the county: {decile: published count}), over variables (leaf, decile) for the
    deciles each leaf's LSOAs have (``touches``)."""
    from geo.disclosure import DISTRICT, DIVISION

    public = view_counts(c, ViewState.from_query(QUERY).filters(), Audience.PUBLIC, 8).public
    tree = public.map
    opts = options(c)
    parents = {a.code: a.parent for a in opts.divisions}
    with_divisions = set(parents.values())
    leaves = [(parents[d], d) for d in parents] + [
        (a.code, None) for a in opts.districts if a.code not in with_divisions
    ]
    var = {(leaf, k): 0 for leaf in leaves for k in sorted(touches[leaf[1] or leaf[0]])}
    var = {key: i for i, key in enumerate(var)}
    eq, rhs, ub, upper = [], [], [], []

    def terms_row(keys):
        row = np.zeros(len(var))
        for key in keys:
            row[var[key]] = 1.0
        return row

    def constrain(keys, count):
        row = terms_row(keys)
        if count.value is not None:
            eq.append(row)
            rhs.append(float(count.value))
        elif count.status == "primary":
            ub.extend([-row, row])
            upper.extend([-1.0, float(tree.k - 1)])
        else:
            ub.append(-row)
            upper.append(-float(tree.k))

    withheld = []
    for district, division in leaves:
        keys = [key for key in var if key[0] == (district, division)]
        if division is not None:
            count = tree.area(DIVISION, division)
            constrain(keys, count)
            if count.value is None:
                withheld.append(((district, division), keys))
    for a in opts.districts:
        keys = [key for key in var if key[0][0] == a.code]
        count = tree.area(DISTRICT, a.code)
        constrain(keys, count)
        if count.value is None:
            withheld.append(((a.code, None), keys))
    total = tree.area("county")
    eq.append(terms_row(list(var)))
    rhs.append(float(total.value))
    for area, parts in panels.items():
        for k, n in parts.items():
            keys = [key for key in var if key[1] == k and (area is None or key[0][0] == area)]
            if keys or n:
                eq.append(terms_row(keys))
                rhs.append(float(n))
    out = {}
    for name, keys in withheld:
        objective = terms_row(keys)
        ends = []
        for sign in (1.0, -1.0):
            fit = linprog(sign * objective, A_ub=np.array(ub), b_ub=upper, A_eq=np.array(eq),
                          b_eq=rhs, bounds=[(0, None)] * len(var), method="highs")  # fmt: skip
            assert fit.status == 0, fit.message
            ends.append(sign * fit.fun)
        out[name] = (ends[0], ends[1])
    return out


def _pinned(ranges) -> dict:
    return {
        k: round(lo)
        for k, (lo, hi) in ranges.items()
        if math.floor(hi + 1e-7) - math.ceil(lo - 1e-7) < 1
    }


def _panel_parts(page) -> dict[int, int]:
    out = {}
    for d in page.deciles:
        k = 0 if not d.label.isdigit() else int(d.label)
        n = _shown(d.incidents)
        if n is not None:
            out[k] = n
    # A decile with no row: the area has no LSOA of it and no incident in it (published 0).
    for k in range(1, 11):
        if not any(d.label == str(k) for d in page.deciles):
            out.setdefault(k, 0)
    if not any(not d.label.isdigit() for d in page.deciles):
        out.setdefault(0, 0)
    return out


def test_attack_panel_plus_map_pins_no_withheld_count(ctx, touches):  # noqa: F811
    c = ctx[Audience.PUBLIC]
    codes = [None, *(a.code for a in options(c).districts)]
    panels = {
        code: _panel_parts(_panel(c, Audience.PUBLIC, f"&d={code}" if code else ""))
        for code in codes
    }
    ranges = _attack(c, panels, touches)
    assert ranges, "the premise: some counts are withheld"
    assert _pinned(ranges) == {}
    # The attacker is sound: every true count lies in its range.
    exact = view_counts(ctx[Audience.RESTRICTED], ViewState.from_query(QUERY).filters(),
                        Audience.RESTRICTED, 8)  # fmt: skip
    for (district, division), (lo, hi) in ranges.items():
        level, code = ("division", division) if division else ("district", district)
        assert lo - 1e-6 <= exact.area(level, code).value <= hi + 1e-6


def test_panel_withholds_what_the_map_check_withholds(ctx):  # noqa: F811
    """The panel's decile counts are the checked breakdowns (geo.disclosure's
    public_deprivation with the map), never the side tables alone: every decile count the
    check withholds beyond the side-table rule is withheld in the panel too. (On this
    quarter the check withholds nothing more, and the attacker above pins nothing even from
    the side tables alone: the attack failing with the protection off is shown on the
    synthetic registers of tests/unit/test_deprivation_attacks.py, over the same
    public_deprivation the panel reads.)"""
    from geo import context
    from geo.areas import with_lsoas
    from geo.disclosure import COUNTY, DISTRICT, Node
    from geo.disclosure._public_deprivation import atom_table, public_deprivation
    from geo.store.queries.rates import incident_points, lsoa_shapes

    c = ctx[Audience.PUBLIC]
    public = view_counts(c, ViewState.from_query(QUERY).filters(), Audience.PUBLIC, 8).public
    filters = replace(public.split.public, district=None, division=None)  # the whole tree
    points = with_lsoas(c.store, incident_points(c.store, filters, c.themes, res=8))
    shapes = lsoa_shapes(c.store)
    districts = dict(zip(shapes["lsoa_code"], shapes["district_code"], strict=True))
    atoms = atom_table(points, context.imd_deciles(c.store), districts)
    codes = sorted(a.code for a in options(c).districts)
    on = public_deprivation(public.map, atoms, codes)
    for node, table in on.breakdowns.items():
        if node.level not in (COUNTY, DISTRICT):
            continue
        code = None if node == Node(COUNTY) else node.area
        panel = _panel(c, Audience.PUBLIC, f"&d={code}" if code else "")
        shown = {(0 if not d.label.isdigit() else int(d.label)): d.incidents for d in panel.deciles}
        for k, count in table.parts.items():
            if k in shown:
                assert shown[k] == count.text, (code, k)
            else:
                assert count.value == 0, (code, k)  # no row: a published 0
