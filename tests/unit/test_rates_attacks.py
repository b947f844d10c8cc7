"""Attack (a) on public rates: solve a withheld count from a published rate or smoothed rate
and the public populations. Each attack finds the withheld counts with the protection off
and nothing with it on (geo.public_rates), on a synthetic tree and, with SOCMAP_SHARED_DATA,
on the real knife-crime quarter.

* Rates beside withheld counts: ``count = rate x residents / 1,000`` rounds to the count.
* Smoothed rates published only beside published counts, but with the empirical-Bayes prior
  from exact counts: the shown areas' smoothed rates give the prior (its mean and variance);
  the variance is a sum of squares of every count, so with the totals the withheld counts add
  up to (published) it leaves one equation the withheld counts must meet, and their labels'
  ranges leave one solution.
"""

from __future__ import annotations

import itertools

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import least_squares

from geo.disclosure import DISTRICT, DIVISION, build_count_tree, suppress
from geo.disclosure._public_rates import public_rates
from geo.stats import empirical_bayes, rate_table

K = 5
D1, D2 = "E07000901", "E07000902"
DIVISIONS = {  # code: (district, residents)
    "E58000901": (D1, 9000), "E58000902": (D1, 8000), "E58000903": (D1, 3000),
    "E58000904": (D1, 5000), "E58000905": (D1, 11000), "E58000906": (D1, 6000),
    "E58000907": (D2, 7000), "E58000908": (D2, 10000), "E58000909": (D2, 4000),
}  # fmt: skip
TRUE = [30, 25, 2, 8, 40, 15, 20, 35, 12]
OTHER = [30, 25, 3, 7, 40, 15, 20, 35, 12]  # the same published map: 3 and 7 are withheld too


def _tree(counts):
    leaves = [
        (district, code, h3i.latlng_to_cell(51.0 + 0.02 * i, 0.5, 8), n)
        for i, ((code, (district, _)), n) in enumerate(zip(DIVISIONS.items(), counts, strict=True))
    ]
    areas = {D1: None, D2: None, **{c: d for c, (d, _) in DIVISIONS.items()}}
    return suppress(build_count_tree(leaves, max_res=8, areas=areas), K)


PEOPLE = {c: float(p) for c, (_, p) in DIVISIONS.items()}
PARENTS = {c: d for c, (d, _) in DIVISIONS.items()}


def _published(tree):
    """What the public map shows of each division: its status and value."""
    return {c: tree.area(DIVISION, c) for c in DIVISIONS}


HIDDEN = {"E58000903": 2, "E58000904": 8, "E58000906": 15}


def test_the_premise_three_divisions_withheld():
    """ "Fewer than 5" for the 2, and two more withheld to protect it (secondary suppression
    picks them: the smallest division beside it, and another whose single hexagon piece would
    otherwise give the first away)."""
    shown = _published(_tree(TRUE))
    assert {k: c.status for k, c in shown.items() if c.value is None} == {
        "E58000903": "primary", "E58000904": "secondary", "E58000906": "secondary",
    }  # fmt: skip
    again = _published(_tree(OTHER))
    assert {k: (c.status, c.value) for k, c in shown.items()} == {
        k: (c.status, c.value) for k, c in again.items()
    }


# -- the attacker --------------------------------------------------------------------------


def solve_from_rates(rates: dict[str, float | None], people: dict[str, float]) -> dict[str, int]:
    """Every count whose rate is printed: rate x residents / 1,000, rounded."""
    return {c: round(r * people[c] / 1000) for c, r in rates.items() if r is not None}


def solve_from_smoothing(
    published: dict[str, object],
    smoothed: dict[str, float | None],
    people: dict[str, float],
    groups: dict[str, tuple[list[str], int]],
    k: int = K,
) -> dict[str, int]:
    """Withheld counts from the shown areas' smoothed rates (per 1,000), assuming the prior
    was fitted to every area's exact count (Marshall's estimator). ``groups``: for each parent
    whose withheld parts are solved together, their codes and the sum they add up to (the
    parent's total less its shown parts). Returns the counts the equations pin, if any."""
    shown = [c for c, n in published.items() if n is not None and smoothed.get(c) is not None]
    o = np.array([published[c] for c in shown], dtype=float)
    n = np.array([people[c] for c in shown])
    s = np.array([smoothed[c] for c in shown]) / 1000
    raw = o / n

    def residual(v):
        a, b = np.exp(v)  # both positive
        w = a / (a + b / n)
        return (b + w * (raw - b) - s) / s.mean()

    fit = least_squares(residual, np.log([np.var(raw) + 1e-9, o.sum() / n.sum()]), xtol=1e-15,
                        ftol=1e-15, gtol=1e-15)  # fmt: skip
    a, b = np.exp(fit.x)
    total_n = sum(people.values())
    nbar = total_n / len(people)
    s2 = a + b / nbar
    total_o = b * total_n
    q_all = s2 * total_n + 2 * b * total_o - b * b * total_n  # sum of o^2 / n over every area
    q_withheld = q_all - float(np.sum(o * o / n))
    found: dict[str, int] = {}
    candidates = []
    for codes, total in groups.values():
        ranges = [range(1, k) if published[c] == "primary" else range(k, total + 1) for c in codes]
        candidates.append([v for v in itertools.product(*ranges) if sum(v) == total])
    solutions = []
    for choice in itertools.product(*candidates):
        values = dict(zip([c for codes, _ in groups.values() for c in codes],
                          [v for part in choice for v in part], strict=True))  # fmt: skip
        q = sum(v * v / people[c] for c, v in values.items())
        if abs(q - q_withheld) <= 1e-7 * max(abs(q_withheld), 1e-12):
            solutions.append(values)
    if len(solutions) == 1:
        found = solutions[0]
    return found


def _labels(tree):
    """Shown counts as numbers, withheld ones by their label (what the attacker sees)."""
    return {c: (n.value if n.value is not None else n.status) for c, n in _published(tree).items()}


def _groups(tree, labels):
    """The withheld divisions of each district and the sum the district total leaves them."""
    out = {}
    for district in (D1, D2):
        codes = [c for c, (d, _) in DIVISIONS.items() if d == district]
        hidden = [c for c in codes if not isinstance(labels[c], int)]
        if hidden:
            total = tree.area(DISTRICT, district).value
            out[district] = (hidden, total - sum(labels[c] for c in codes if c not in hidden))
    return out


# -- rates beside withheld counts --------------------------------------------------------------


def test_rates_beside_withheld_counts_give_them_away():
    tree = _tree(TRUE)
    people = pd.Series(PEOPLE)
    # Protection off: the exact rate of every area, as an analyst's table has it.
    off = rate_table(pd.Series(dict(zip(DIVISIONS, TRUE, strict=True))), people,
                     reference_count=sum(TRUE), reference_population=people.sum())  # fmt: skip
    claims = solve_from_rates(dict(zip(off["code"], off["rate"], strict=True)), PEOPLE)
    truth = dict(zip(DIVISIONS, TRUE, strict=True))
    assert {c: claims[c] for c in HIDDEN} == HIDDEN  # every withheld count
    assert claims == truth
    # As built: no rate beside a withheld count.
    on = public_rates(tree, DIVISION, PEOPLE, parents=PARENTS,
                      reference_population=people.sum())  # fmt: skip
    rates = dict(zip(on["code"], on["rate"], strict=True))
    assert all(rates[c] is None for c in HIDDEN)
    recovered = solve_from_rates(rates, PEOPLE)
    labels = _labels(tree)
    assert all(labels[c] == v for c, v in recovered.items())  # only what the map shows


def test_smoothed_rates_with_a_prior_from_exact_counts_give_them_away():
    tree = _tree(TRUE)
    labels = _labels(tree)
    groups = _groups(tree, labels)
    # Protection off: EB fitted to exact counts, printed only beside published counts.
    eb = empirical_bayes(np.array(TRUE, dtype=float), np.array(list(PEOPLE.values())))
    off = {c: (1000 * r if isinstance(labels[c], int) else None)
           for c, r in zip(DIVISIONS, eb.rates, strict=True)}  # fmt: skip
    claims = solve_from_smoothing(labels, off, PEOPLE, groups)
    assert claims == HIDDEN
    # As built: the prior comes from the published figures (stand-ins for withheld ones).
    on = public_rates(tree, DIVISION, PEOPLE, parents=PARENTS, smooth=True,
                      reference_population=sum(PEOPLE.values()))  # fmt: skip
    smoothed = dict(zip(on["code"], on["eb_rate"], strict=True))
    assert all(smoothed[c] is None for c in HIDDEN)
    assert solve_from_smoothing(labels, smoothed, PEOPLE, groups) == {}


def test_the_public_rates_are_a_function_of_the_published_map():
    """Two stores whose withheld counts differ (2 and 8, or 3 and 7) publish the same map,
    and get the same public rates, relative risks, words and smoothed rates."""
    county = sum(PEOPLE.values())
    a, b = (public_rates(_tree(c), DIVISION, PEOPLE, parents=PARENTS, smooth=True,
                         reference_population=county) for c in (TRUE, OTHER))  # fmt: skip
    pd.testing.assert_frame_equal(a, b)
    # With the protection off they differ: the smoothed rates of shown areas move.
    people = np.array(list(PEOPLE.values()))
    off = [empirical_bayes(np.array(c, dtype=float), people).rates[0] for c in (TRUE, OTHER)]
    assert off[0] != off[1]


# -- the real knife-crime quarter ------------------------------------------------------------


@pytest.mark.shared_data
def test_real_quarter_districts_smoothed_attack(real_public):
    """Knife crime, Q3 2018/19 (October to December 2018): three districts' counts are
    withheld ("suppressed") on the public map. From the other districts' smoothed rates with
    a prior fitted to exact counts, the attack recovers all three; from socmap's public
    smoothed rates, nothing."""
    tree, people, exact = real_public
    labels = {c: (tree.area(DISTRICT, c).value if tree.area(DISTRICT, c).value is not None
                  else tree.area(DISTRICT, c).status) for c in people}  # fmt: skip
    hidden = [c for c, v in labels.items() if not isinstance(v, int)]
    assert len(hidden) >= 2
    group = {
        "county": (hidden, tree.total.value - sum(v for v in labels.values() if isinstance(v, int)))
    }
    eb = empirical_bayes(np.array([exact[c] for c in people], dtype=float),
                         np.array(list(people.values())))  # fmt: skip
    off = {c: (1000 * r if isinstance(labels[c], int) else None)
           for c, r in zip(people, eb.rates, strict=True)}  # fmt: skip
    claims = solve_from_smoothing(labels, off, people, group)
    assert claims == {c: exact[c] for c in hidden}
    on = public_rates(tree, DISTRICT, people, smooth=True,
                      reference_population=sum(people.values()))  # fmt: skip
    smoothed = dict(zip(on["code"], on["eb_rate"], strict=True))
    assert solve_from_smoothing(labels, smoothed, people, group) == {}
    rates = dict(zip(on["code"], on["rate"], strict=True))
    assert all(rates[c] is None for c in hidden)


@pytest.fixture(scope="module")
def real_public(kent_stores, tmp_path_factory):
    from geo import Store
    from geo.context import populations
    from geo.disclosure import DisclosurePolicy, public_counts
    from geo.filters import Filters, parse_month
    from geo.store.queries.rates import area_counts
    from geo.themes import load_themes

    settings = kent_stores.copy(tmp_path_factory.mktemp("real"), context=True)
    store = Store(settings.db_path)
    themes = load_themes()
    f = Filters(themes=("knife_crime",), month_from=parse_month("2018-10"),
                month_to=parse_month("2018-12"))  # fmt: skip
    public = public_counts(store, f, themes, DisclosurePolicy.from_settings(settings))
    people = populations(store, "district", year=2018)
    exact = {
        c: area_counts(store, public.split.public, themes, "district").get(c, 0) for c in people
    }
    yield public.map, people, exact
    store.close()


def test_a_districts_public_rows_come_from_the_county_wide_statistics():
    """``district=``: that district's divisions only, each row as in the county's table (the
    EB prior and the BH family stay county-wide)."""
    tree = _tree(TRUE)
    kw = {"parents": PARENTS, "smooth": True, "reference_population": sum(PEOPLE.values())}
    county = public_rates(tree, DIVISION, PEOPLE, **kw)
    one = public_rates(tree, DIVISION, PEOPLE, district=D2, **kw)
    assert list(one["code"]) == [c for c, (d, _) in DIVISIONS.items() if d == D2]
    pd.testing.assert_frame_equal(
        one, county[county["code"].isin(one["code"])].reset_index(drop=True)
    )
