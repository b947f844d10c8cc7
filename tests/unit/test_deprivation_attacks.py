"""Attack (b) on public deprivation breakdowns: solve withheld division counts from the map
and the decile breakdowns together, knowing only the public geography (which IMD deciles the
LSOAs of each division have).

A district whose decile-1 LSOAs all lie in one division: the district's "decile 1" count is
that division's count. Each breakdown, suppressed on its own against the district's total
(``check=False``, a side table), passes every rule (every part is 5 or more) and still pins
the "suppressed" divisions, and then the "fewer than 5" beside them. The attacker here is a
linear programme of its own (not :mod:`geo.disclosure._public_deprivation`'s), over
division-by-decile counts restricted to the deciles each division touches; it finds every
withheld count with the protection off and none with it on.
"""

from __future__ import annotations

import math

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
from scipy.optimize import linprog

from geo.disclosure import COUNTY, DISTRICT, DIVISION, Node, build_count_tree, suppress
from geo.disclosure._public_deprivation import atom_table, public_deprivation, published_shares

K = 5
D1, D2 = "E07000901", "E07000902"
# division: (district, {IMD decile: incidents}); 903 (2) is "fewer than 5", 904 and 906 are
# withheld to protect it, and 904 is the only division of D1 with decile-1 LSOAs, 906 the
# only one with decile-2 LSOAs.
DIVISIONS = {
    "E58000901": (D1, {3: 20, 4: 10}),
    "E58000902": (D1, {4: 25}),
    "E58000903": (D1, {3: 2}),
    "E58000904": (D1, {1: 8}),
    "E58000905": (D1, {5: 40}),
    "E58000906": (D1, {2: 15}),
    "E58000907": (D2, {6: 20}),
    "E58000908": (D2, {7: 35}),
    "E58000909": (D2, {8: 12}),
}
TRUTH = {c: sum(parts.values()) for c, (_, parts) in DIVISIONS.items()}
HIDDEN = {"E58000903": 2, "E58000904": 8, "E58000906": 15}


def _cell(i: int) -> int:
    return h3i.latlng_to_cell(51.0 + 0.02 * i, 0.5, 8)


def _tree():
    leaves = [(d, c, _cell(i), TRUTH[c]) for i, (c, (d, _)) in enumerate(DIVISIONS.items())]
    areas = {D1: None, D2: None, **{c: d for c, (d, _) in DIVISIONS.items()}}
    return suppress(build_count_tree(leaves, max_res=8, areas=areas), K)


def _atoms():
    """One LSOA per (division, decile): the incidents of each, as geo.incident_lsoas gives."""
    rows, deciles, districts = [], {}, {}
    for i, (code, (district, parts)) in enumerate(DIVISIONS.items()):
        for decile, n in parts.items():
            lsoa = f"L{code[-3:]}{decile:02d}"
            deciles[lsoa], districts[lsoa] = decile, district
            rows += [(district, code, _cell(i), lsoa)] * n
    points = pd.DataFrame(rows, columns=["district", "division", "cell", "lsoa"])
    return atom_table(points, deciles, districts)


# The public geography: which deciles each division's LSOAs have (IMD and LSOA boundaries are
# published), not how many incidents each holds.
TOUCHES = {c: sorted(parts) for c, (_, parts) in DIVISIONS.items()}


def attack(tree, breakdowns) -> dict[str, tuple[float, float]]:
    """The least and greatest value of every withheld division consistent with the published
    map (district and division counts with their labels) and the published decile counts."""
    var = {(c, d): i for i, (c, d) in enumerate((c, d) for c in DIVISIONS for d in TOUCHES[c])}
    rows, rhs = [], []
    bounds = [(0.0, None)] * len(var)

    def equation(terms, value):
        row = np.zeros(len(var))
        for key in terms:
            row[var[key]] = 1.0
        rows.append(row)
        rhs.append(float(value))

    inequalities, upper = [], []

    def at_least(terms, value, sign=1.0):
        row = np.zeros(len(var))
        for key in terms:
            row[var[key]] = -sign
        inequalities.append(row)
        upper.append(-sign * float(value))

    for code in DIVISIONS:
        terms = [(code, d) for d in TOUCHES[code]]
        count = tree.area(DIVISION, code)
        if count.value is not None:
            equation(terms, count.value)
        elif count.status == "primary":
            at_least(terms, 1)
            at_least(terms, K - 1, sign=-1.0)
        else:
            at_least(terms, K)
    for district in (D1, D2):
        count = tree.area(DISTRICT, district)
        inside = [(c, d) for c in DIVISIONS if DIVISIONS[c][0] == district for d in TOUCHES[c]]
        if count.value is not None:
            equation(inside, count.value)
    for area, table in breakdowns.items():
        for decile, count in table.parts.items():
            if count.value is None or decile == 0:
                continue
            terms = [
                (c, decile)
                for c in DIVISIONS
                if decile in TOUCHES[c] and (area.level == COUNTY or DIVISIONS[c][0] == area.area)
            ]
            if terms:
                equation(terms, count.value)
            elif count.value:
                raise AssertionError(f"{area} decile {decile}: incidents where no LSOA has it")
    a_eq = np.array(rows) if rows else None
    a_ub = np.array(inequalities) if inequalities else None
    out = {}
    for code in HIDDEN:
        c = np.zeros(len(var))
        for d in TOUCHES[code]:
            c[var[(code, d)]] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            fit = linprog(sign * c, A_ub=a_ub, b_ub=upper or None, A_eq=a_eq,
                          b_eq=rhs or None, bounds=bounds, method="highs")  # fmt: skip
            assert fit.status in (0, 3), fit.message
            ends.append(math.inf if fit.status == 3 else sign * fit.fun)
        out[code] = (ends[0], ends[1])
    return out


def recovered(ranges) -> dict[str, int]:
    """The withheld counts pinned to one whole number."""
    return {
        c: round(lo)
        for c, (lo, hi) in ranges.items()
        if math.floor(hi + 1e-7) - math.ceil(lo - 1e-7) < 1
    }


def test_the_premise_the_map_alone_pins_nothing():
    tree = _tree()
    assert {c: tree.area(DIVISION, c).status for c in HIDDEN} == {
        "E58000903": "primary", "E58000904": "secondary", "E58000906": "secondary",
    }  # fmt: skip
    assert recovered(attack(tree, {})) == {}


def test_side_tables_alone_give_the_withheld_divisions_away():
    tree = _tree()
    off = public_deprivation(tree, _atoms(), [D1, D2], check=False)
    d1 = off.breakdowns[Node(DISTRICT, D1)]
    # Every part passes the side table's own rule: nothing withheld in it.
    assert all(c.status in ("shown", "zero") for c in d1.parts.values())
    assert d1.parts[1].value == 8
    assert recovered(attack(tree, off.breakdowns)) == HIDDEN


def test_checked_with_the_map_nothing_is_recovered():
    tree = _tree()
    on = public_deprivation(tree, _atoms(), [D1, D2])
    assert on.linked >= 1  # the check withheld something beyond the side-table rule
    ranges = attack(tree, on.breakdowns)
    assert recovered(ranges) == {}
    for code, (lo, hi) in ranges.items():
        assert lo <= HIDDEN[code] <= hi  # the attacker's ranges are honest
    # Here every division's incidents lie in one decile, so every breakdown linked to D1
    # goes: D2's deciles with the county's would give D1's back.
    assert all(c.withheld for c in on.breakdowns[Node(DISTRICT, D1)].parts.values())
    assert published_shares(on.breakdowns[Node(COUNTY)]) == {"10%": None, "20%": None}
