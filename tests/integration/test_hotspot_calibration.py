"""The hot spot classes keep their stated false discovery rate: simulations under the null, and a
sparse real month checked against an independent exact test.

Under the complete null (no clustering anywhere) every marked hexagon is a false alarm, so the
false discovery rate is the chance that a map marks anything at all: at level alpha, the share
of simulated maps with any hot or cold hexagon at that level must stay at or below alpha (within
Monte Carlo error). The default classes (exact conditional randomisation + Benjamini-Hochberg)
do; the old ones (z's normal p-value + Benjamini-Hochberg, still there as ``test="normal"``)
fail the same check, by far on sparse counts.
"""

from __future__ import annotations

from collections import Counter
from math import comb

import h3.api.basic_int as h3i
import numpy as np
import pytest
from scipy.stats import false_discovery_control

from geo import Store
from geo.filters import Filters, parse_month
from geo.grid import region_from_cells, study_region
from geo.stats import LEVELS, TESTS, classify, find_hotspots, gi_star_frame
from geo.themes import load_themes

CENTRE = h3i.latlng_to_cell(51.27, 0.52, 8)
ALPHAS = tuple(alpha for _, alpha in LEVELS)
SIMULATIONS = 500


def _any_marked(y: np.ndarray, region, test: str) -> np.ndarray:
    """For each level, whether the map's classes (the default ones, or the old ones: the
    normal test) mark any hexagon, hot or cold, at that level or a stricter one."""
    classes = gi_star_frame(y, region, test=test)["class"]
    strength = classes.str.extract(r"_(\d+)$")[0].astype(float)
    return np.array([bool((strength >= level).any()) for level, _ in LEVELS])


def _rates(
    region, draw, simulations: int, seed: int, tests=("exact", "normal")
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    marked = {test: np.zeros(len(ALPHAS)) for test in tests}
    for _ in range(simulations):
        y = draw(rng)
        for test in marked:
            marked[test] += _any_marked(y, region, test)
    return {test: m / simulations for test, m in marked.items()}


def _bound(alpha: float, simulations: int) -> float:
    """alpha plus three Monte Carlo standard errors of a proportion."""
    return alpha + 3 * np.sqrt(alpha * (1 - alpha) / simulations)


def _check(rates: dict[str, np.ndarray], simulations: int, old_fails_at: tuple[float, ...]):
    for i, alpha in enumerate(ALPHAS):
        for test in set(rates) - {"normal"}:
            assert rates[test][i] <= _bound(alpha, simulations), (test, alpha, rates)
        if alpha in old_fails_at:
            assert rates["normal"][i] > _bound(alpha, simulations), (alpha, rates)


@pytest.fixture(scope="module")
def disk():
    """1,261 resolution-8 hexagons: a district-sized region."""
    return region_from_cells(np.array(h3i.grid_disk(CENTRE, 20), dtype=np.uint64), 8)


@pytest.mark.parametrize(
    ("mean", "old_fails_at"),
    [(0.05, ALPHAS), (0.3, ALPHAS), (2.0, (0.10,))],
)
def test_poisson_with_a_constant_rate(disk, mean, old_fails_at):
    rates = _rates(
        disk, lambda rng: rng.poisson(mean, disk.n).astype(float), SIMULATIONS, seed=int(mean * 100)
    )
    _check(rates, SIMULATIONS, old_fails_at)


def test_skewed_counts_permuted_over_the_region(disk):
    """Counts like a sparse crime map (most hexagons empty, a few snap points holding many),
    arranged at random over the region; the conditional version holds its rate too."""
    base = np.zeros(disk.n)
    base[:60] = 1
    base[60:75] = 2
    base[75:80] = [3, 4, 6, 9, 14]
    rates = _rates(disk, lambda rng: rng.permutation(base), SIMULATIONS, seed=5, tests=TESTS)
    _check(rates, SIMULATIONS, ALPHAS)


# --- a real sparse month ----------------------------------------------------------------------

WEAPONS = "Possession of weapons"


@pytest.fixture(scope="module")
def kent(kent_stores, tmp_path_factory):
    store = Store(kent_stores.copy(tmp_path_factory.mktemp("calibration")).db_path)
    yield store
    store.close()


def _month(month: str) -> Filters:
    return Filters(
        categories=(WEAPONS,), month_from=parse_month(month), month_to=parse_month(month)
    )


@pytest.mark.shared_data
def test_real_month_permuted_keeps_the_rate_and_the_old_classes_do_not(kent):
    """November 2018's weapons counts over the county's 6,000 hexagons, shuffled."""
    result = find_hotspots(kent, _month("2018-11"), 8, load_themes())
    region = study_region(kent, "county", None, 8)
    y = result.cells.set_index("cell").loc[region.cells, "count"].to_numpy(float)
    simulations = 300
    rates = _rates(region, lambda rng: rng.permutation(y), simulations, seed=11)
    _check(rates, simulations, ALPHAS)
    assert rates["normal"].min() > 0.9  # the old classes mark something on almost every map


def _exact_tails(others: Counter, k: int, s: int) -> tuple[float, float]:
    """P(sum <= s) and P(sum >= s) for k values drawn without replacement from the multiset
    ``others``, by enumerating how many come from each distinct value (a multivariate
    hypergeometric distribution) in Python integers: independent of the product's
    generating-function arithmetic."""
    values = sorted(others)
    below = above = 0

    def walk(i: int, left: int, total: int, ways: int) -> None:
        nonlocal below, above
        if left == 0 or i == len(values):
            if left == 0:
                below += ways if total <= s else 0
                above += ways if total >= s else 0
            return
        v, c = values[i], others[values[i]]
        for j in range(min(c, left) + 1):
            walk(i + 1, left - j, total + j * v, ways * comb(c, j))

    walk(0, k, 0, 1)
    size = comb(sum(others.values()), k)
    return below / size, above / size


def _monte_carlo_p(y: np.ndarray, region, i: int, draws: int, rng, conditional: bool) -> float:
    """Brute force: draw the cell's neighbourhood at random many times (k distinct cells of
    the region, or of the others when the cell keeps its count; a draw with a repeat is
    drawn again)."""
    k = int(region.cardinality[i])
    observed = (region.weights @ y)[i]
    others = y
    if conditional:
        others, k, observed = np.delete(y, i), k - 1, observed - y[i]
    picks = rng.integers(0, others.size, size=(draws, k))
    while True:
        ordered = np.sort(picks, axis=1)
        bad = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not bad.any():
            break
        picks[bad] = rng.integers(0, others.size, size=(int(bad.sum()), k))
    sums = others[picks].sum(axis=1)
    return min(1.0, 2 * min((sums <= observed).mean(), (sums >= observed).mean()))


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("month", "test"),
    [("2018-10", "exact"), ("2018-11", "exact"), ("2018-12", "exact"), ("2018-11", "conditional")],
)
def test_real_month_classes_agree_with_an_independent_exact_test(kent, month, test):
    """Every hexagon's p-value, and so every class, equals an exact enumeration in integers;
    the hot hexagons' p-values also equal brute-force Monte Carlo. The old classes mark
    tens of times as many hexagons."""
    conditional = test == "conditional"
    result = find_hotspots(kent, _month(month), 8, load_themes(), test=test)
    region = study_region(kent, "county", None, 8)
    cells = result.cells.set_index("cell").loc[region.cells]
    y = cells["count"].to_numpy(float)
    lag = region.weights @ y
    population = Counter(y.astype(int).tolist())
    expected_p = np.empty(region.n)
    direction = np.empty(region.n)
    memo: dict[tuple[int, int, int], tuple[float, float]] = {}
    for i in range(region.n):
        own = int(y[i]) if conditional else -1
        drawn = int(region.cardinality[i]) - (1 if conditional else 0)
        key = (own, drawn, round(lag[i] - (y[i] if conditional else 0)))
        if key not in memo:
            others = population.copy()
            if conditional:
                others[own] -= 1
            memo[key] = _exact_tails(+others, key[1], key[2])
        lower, upper = memo[key]
        expected_p[i] = min(1.0, 2 * min(lower, upper))
        direction[i] = np.sign(lower - upper) if abs(lower - upper) > 1e-12 else 0.0
    np.testing.assert_allclose(cells["gi_p"], np.maximum(expected_p, 1e-12), rtol=1e-9, atol=1e-14)
    expected_class = classify(direction, false_discovery_control(expected_p))
    np.testing.assert_array_equal(cells["class"].to_numpy(), expected_class)

    rng = np.random.default_rng(3)
    draws = 400_000
    for i in np.flatnonzero(cells["class"].to_numpy() != "not_significant"):
        p = cells["gi_p"].iloc[i]
        estimate = _monte_carlo_p(y, region, int(i), draws, rng, conditional)
        # Four standard errors of twice a Monte Carlo proportion of p / 2.
        assert abs(estimate - p) <= 4 * 2 * np.sqrt(p / 2 / draws) + 2 / draws, (i, p, estimate)

    old = find_hotspots(kent, _month(month), 8, load_themes(), test="normal")
    new_hot, old_hot = len(result.hot()), len(old.hot())
    assert old_hot >= 20 and old_hot >= 5 * max(new_hot, 1), (new_hot, old_hot)
