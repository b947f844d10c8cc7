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
from tests.support.count_check import small_counts
from tests.support.harm_real import (  # noqa: F401 - fixtures
    STATE,
    THANET,
    ctx,
    settings,
    weapons,
    young,
)
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
def atoms(ctx):  # noqa: F811
    """The public filter's incidents by (district, division, cell, decile, own LSOA), as the
    disclosure code sees them, and the published map."""
    from geo import context
    from geo.areas import with_lsoas
    from geo.disclosure._public_deprivation import atom_table
    from geo.store.queries.rates import incident_points, lsoa_shapes

    c = ctx[Audience.PUBLIC]
    public = view_counts(c, ViewState.from_query(QUERY).filters(), Audience.PUBLIC, 8).public
    filters = replace(public.split.public, district=None, division=None)  # the whole tree
    points = with_lsoas(c.store, incident_points(c.store, filters, c.themes, res=8))
    shapes = lsoa_shapes(c.store)
    districts = dict(zip(shapes["lsoa_code"], shapes["district_code"], strict=True))
    return public.map, atom_table(points, context.imd_deciles(c.store), districts)


def _attack(tree, atoms, panels, hidden=None) -> dict[tuple, tuple[float, float]]:
    """The least and greatest value of every withheld district and division count given the
    published map (every area's count with its label) and ``panels`` (area code, None for the
    county: {decile: published count}), and of every decile count withheld in them
    (``hidden``: {area: [decile, ...]}). A worst-case attacker: it knows which (division,
    decile, own-district LSOA) groups hold incidents at all (more than the public data
    says) and the map's hexagon pieces, only not how many; a district's decile 0 is "in no
    LSOA of the district"."""
    from geo.disclosure import DISTRICT, DIVISION

    cols = ["district", "division", "decile", "own", "cell"]
    groups = atoms.groupby(cols, dropna=False)["n"].sum()
    keys = [
        (d, v if isinstance(v, str) else None, int(k), bool(o), int(c))
        for d, v, k, o, c in groups.index
    ]
    eq, rhs, ub, upper = [], [], [], []

    def row(where) -> np.ndarray:
        return np.array([1.0 if where(key) else 0.0 for key in keys])

    def constrain(r, count) -> None:
        if count.value is not None:
            eq.append(r)
            rhs.append(float(count.value))
        elif count.status == "primary":
            ub.extend([-r, r])
            upper.extend([-1.0, float(tree.k - 1)])
        else:
            ub.append(-r)
            upper.append(-float(tree.k))

    withheld = []
    for division in sorted({k[1] for k in keys if k[1]}):
        r = row(lambda key, v=division: key[1] == v)
        count = tree.area(DIVISION, division)
        constrain(r, count)
        if count.value is None:
            withheld.append(((next(k[0] for k in keys if k[1] == division), division), r))
    for district in sorted({k[0] for k in keys if k[0]}):
        r = row(lambda key, d=district: key[0] == d)
        count = tree.area(DISTRICT, district)
        constrain(r, count)
        if count.value is None:
            withheld.append(((district, None), r))
    eq.append(row(lambda key: True))
    rhs.append(float(tree.area("county").value))
    # The map's hexagon pieces: each leaf's published count in each cell.
    for leaf, cell in sorted({(k[1] or k[0], k[4]) for k in keys}):
        piece = tree.piece(leaf, np.uint64(cell))
        if piece.status == "merged":
            continue  # inside a withheld area: no figure of its own
        r = row(lambda key, a=leaf, c=cell: (key[1] or key[0]) == a and key[4] == c)
        constrain(r, piece)
        if piece.value is None:  # a withheld hexagon piece is a target too
            withheld.append(((leaf, f"hexagon {cell:x}"), r))

    def part(area, k) -> np.ndarray:
        if area is None:
            return row(lambda key: key[2] == k)
        if k == 0:
            return row(lambda key: key[0] == area and (key[2] == 0 or not key[3]))
        return row(lambda key: key[0] == area and key[2] == k and key[3])

    for area, parts in panels.items():
        for k, n in parts.items():
            r = part(area, k)
            if r.any() or n:
                eq.append(r)
                rhs.append(float(n))
    for area, deciles in (hidden or {}).items():
        # A decile with no incident group is 0 by the attacker's own (worst-case) knowledge
        # of which groups hold incidents: not something the publication gave away.
        withheld += [((area, f"decile {k}"), part(area, k)) for k in deciles if part(area, k).any()]
    out = {}
    for name, objective in withheld:
        ends = []
        for sign in (1.0, -1.0):
            fit = linprog(sign * objective, A_ub=np.array(ub), b_ub=upper, A_eq=np.array(eq),
                          b_eq=rhs, bounds=[(0, None)] * len(keys), method="highs")  # fmt: skip
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
    """The panel's published decile counts; a decile with no row is a published 0 (the area
    has no LSOA of it and no incident in it)."""
    out = {}
    for d in page.deciles:
        n = _shown(d.incidents)
        if n is not None:
            out[0 if not d.label.isdigit() else int(d.label)] = n
    for k in range(1, 11):
        if not any(d.label == str(k) for d in page.deciles):
            out.setdefault(k, 0)
    if not any(not d.label.isdigit() for d in page.deciles):
        out.setdefault(0, 0)
    return out


def test_attack_panel_plus_map_pins_no_withheld_count(ctx, atoms):  # noqa: F811
    c = ctx[Audience.PUBLIC]
    tree, table = atoms
    codes = [None, *(a.code for a in options(c).districts)]
    panels = {
        code: _panel_parts(_panel(c, Audience.PUBLIC, f"&d={code}" if code else ""))
        for code in codes
    }
    hidden = {
        code: [0 if not d.label.isdigit() else int(d.label)
               for d in _panel(c, Audience.PUBLIC, f"&d={code}" if code else "").deciles
               if _shown(d.incidents) is None]
        for code in codes
    }  # fmt: skip
    ranges = _attack(tree, table, panels, hidden)
    assert ranges, "the premise: some counts are withheld"
    assert _pinned(ranges) == {}
    # The attacker is sound: every true count lies in its range.
    exact = view_counts(ctx[Audience.RESTRICTED], ViewState.from_query(QUERY).filters(),
                        Audience.RESTRICTED, 8)  # fmt: skip
    for (district, division), (lo, hi) in ranges.items():
        if division and division.startswith(("decile", "hexagon")):
            continue  # checked through the division and district counts
        level, code = ("division", division) if division else ("district", district)
        assert lo - 1e-6 <= exact.area(level, code).value <= hi + 1e-6


def test_attack_with_the_map_check_off_pins_withheld_counts(ctx, atoms):  # noqa: F811
    """The same attacker against the breakdowns suppressed as side tables only (what the
    panel would show with public_deprivation's check off): it pins withheld counts, so the
    test above can fail. The panel shows the checked breakdowns (next test)."""
    from geo.disclosure import COUNTY, DISTRICT, Node
    from geo.disclosure._public_deprivation import public_deprivation

    c = ctx[Audience.PUBLIC]
    tree, table = atoms
    codes = sorted(a.code for a in options(c).districts)
    off = public_deprivation(tree, table, codes, check=False).breakdowns
    panels = {
        None if node == Node(COUNTY) else node.area: {
            k: n.value for k, n in parts.parts.items() if n.value is not None
        }
        for node, parts in off.items()
        if node.level in (COUNTY, DISTRICT)
    }
    hidden = {
        None if node == Node(COUNTY) else node.area: [
            k for k, n in parts.parts.items() if n.value is None
        ]
        for node, parts in off.items()
        if node.level in (COUNTY, DISTRICT)
    }
    pinned = _pinned(_attack(tree, table, panels, hidden))
    print("pinned with the check off:", pinned)  # read with -s
    assert pinned


def test_panel_withholds_what_the_map_check_withholds(ctx, atoms):  # noqa: F811
    """The panel's decile counts are the checked breakdowns, never the side tables alone."""
    from geo.disclosure import COUNTY, DISTRICT, Node
    from geo.disclosure._public_deprivation import public_deprivation

    c = ctx[Audience.PUBLIC]
    tree, table = atoms
    codes = sorted(a.code for a in options(c).districts)
    on = public_deprivation(tree, table, codes)
    assert on.linked, "the premise: the check withholds beyond the side-table rule here"
    for node, parts in on.breakdowns.items():
        if node.level not in (COUNTY, DISTRICT):
            continue
        code = None if node == Node(COUNTY) else node.area
        panel = _panel(c, Audience.PUBLIC, f"&d={code}" if code else "")
        shown = {(0 if not d.label.isdigit() else int(d.label)): d.incidents for d in panel.deciles}
        for k, count in parts.parts.items():
            if k in shown:
                assert shown[k] == count.text, (code, k)
            else:
                assert count.value == 0, (code, k)  # no row: a published 0


def test_a_check_too_long_for_the_panel_shows_nothing_until_it_is_finished(
    kent_stores, tmp_path, monkeypatch
):
    """The panel may not hold a reader (and a worker's core) for the whole joint check: past
    its time it shows a sentence and no figure, keeps nothing, and shows the breakdown once
    the check has been run to the end (as the publisher does after the views are ready)."""
    from dashboard.publisher import prepare_deprivation
    from dashboard.views import harm_panel
    from dashboard.views.context import AppContext
    from geo import Store
    from geo.disclosure._public_deprivation import public_deprivation
    from geo.errors import CheckTooLong

    copy = kent_stores.copy(tmp_path, context=True)
    # No publisher: the panel tries for CHECK_SECONDS (here none) and says so.
    monkeypatch.setattr(harm_panel, "CHECK_SECONDS", 0.0001)
    alone = replace(copy, prepare_public=False)
    c = AppContext.create(Store(copy.db_path), alone, Audience.PUBLIC)
    assert _panel(c, Audience.PUBLIC).reason.startswith("Not shown here: checking")
    # With the publisher (the default), the panel reads only what it has prepared.
    c = AppContext.create(Store(copy.db_path), copy, Audience.PUBLIC)
    cut = _panel(c, Audience.PUBLIC)
    assert cut.reason.startswith("Not shown yet") and not cut.deciles and not cut.shares
    rendered = json.loads(json.dumps(section(cut), cls=PlotlyJSONEncoder))
    assert not small_counts({"panel": {"children": rendered}}, 5)
    assert _panel(c, Audience.PUBLIC).reason == cut.reason  # tried again, not kept
    # The publisher finishes the check for every public pair; the panel then shows it.
    assert prepare_deprivation(c) >= 1
    shown = _panel(c, Audience.PUBLIC)
    assert not shown.reason and shown.deciles == harm_page(c, STATE, Audience.PUBLIC).deciles
    # The geo function itself gives up with nothing rather than return a half-checked table.
    public = view_counts(c, STATE.filters(), Audience.PUBLIC, 8).public
    with pytest.raises(CheckTooLong):
        public_deprivation(public.map, _atoms_of(c, public), ["E07000114"], deadline=0.0)


def _atoms_of(c, public):
    from geo import context
    from geo.areas import with_lsoas
    from geo.disclosure._public_deprivation import atom_table
    from geo.store.queries.rates import incident_points, lsoa_shapes

    filters = replace(public.split.public, district=None, division=None)
    points = with_lsoas(c.store, incident_points(c.store, filters, c.themes, res=8))
    shapes = lsoa_shapes(c.store)
    districts = dict(zip(shapes["lsoa_code"], shapes["district_code"], strict=True))
    return atom_table(points, context.imd_deciles(c.store), districts)
