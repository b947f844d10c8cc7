"""Change: a period against the period of the same length just before it, per cell and area,
compared as rates per day.

The test: with ``a`` incidents over ``t_a`` days in the period and ``b`` over ``t_b`` days in
the previous one, both Poisson, the question "did the rate per day change?" is answered
exactly by conditioning on the total ``n = a + b``: if the rate did not change, ``a`` is
Binomial(n, p0) with ``p0 = t_a / (t_a + t_b)`` (Przyborowski and Wilenski 1940). A 28-day
February against a 31-day January has ``p0 = 28/59``, not 1/2: with 1/2 the shorter month
reads as a fall. The two-sided p-value is that of ``scipy.stats.binomtest(a, n, p0)``
(outcomes no more likely than the one seen), computed here for many pairs at once. The rate
ratio per day ``(a / t_a) / (b / t_b)`` gets the exact (Clopper-Pearson) interval of the
binomial proportion carried over: ``ratio = pi / (1 - pi) * t_b / t_a`` (Clopper and Pearson
1934).

The days are the days *with data* (:mod:`geo.store._coverage`): a period missing a month of data is
compared per day over the months it has, like with like, and the result says so.

A change is not tested across a *thin* month (:meth:`geo.store.Coverage.thin_months`: a month
holding far fewer records than its source's typical month, as police.uk's newest months often
do when first published): the test assumes each period's records are complete, and a month
still filling up reads as a significant fall. Such a change keeps its counts, days and ratio,
but no p-value, interval or verdict, and its label says "not tested (a thin month)".

Many cells are tested at once, so each cell's p-value is adjusted with Benjamini-Hochberg over
the cells that had any incident in either period, and a change is called significant when
``q < alpha`` (default 0.05). Areas are adjusted the same way within each level (the districts
together, the divisions together); the county is a single test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from geo.filters import Filters
from geo.grid import cells_to_str
from geo.stats._gistar import benjamini_hochberg, check_alpha
from geo.store import (
    Coverage,
    PeriodCoverage,
    Store,
    ThinMonth,
    read_coverage,
    untested_reason,
)
from geo.store.queries.areas import areas as loaded_areas
from geo.store.queries.counts import area_counts, hex_counts
from geo.themes import ThemeMap

_COUNTY_NAME = "Kent and Medway"
STAT_COLUMNS = (
    "current",
    "previous",
    "days",
    "previous_days",
    "change",
    "pct_change",
    "rate_ratio",
    "ci_low",
    "ci_high",
    "p",
    "q",
    "significant",
    "label",
)
# scipy's binomtest counts an outcome as "no more likely" within this relative tolerance.
_RERR = 1 + 1e-7


@dataclass(frozen=True)
class ChangeResult:
    """Counts in ``period`` against ``previous_period``, with the test of each change.

    ``cells`` has ``cell`` (uint64), ``cell_hex`` and :data:`STAT_COLUMNS`; ``areas`` has
    ``level`` (county, district, division), ``code``, ``name`` and the same columns. The
    statistics columns:

    - ``current``, ``previous``: incidents in each period; ``days``, ``previous_days``: the
      days with data in each (:mod:`geo.store._coverage`); ``change`` = current - previous (counts);
    - ``pct_change``: 100 x (rate ratio per day - 1) (NaN when previous is 0);
    - ``rate_ratio`` = (current / days) / (previous / previous_days), and ``ci_low``,
      ``ci_high``: its exact ``1 - alpha`` confidence interval (``inf`` where previous is 0);
    - ``p``: exact two-sided conditional binomial p-value with p0 = days / (days +
      previous_days) (1 when both counts are 0);
    - ``q``: Benjamini-Hochberg adjusted ``p`` (see the module's documentation);
    - ``significant``: ``q < alpha``;
    - ``label``: e.g. "up 40%, significant", "down 12% per day, not significant" (per day
      where the periods' lengths differ), "no change", "down 40% per day, not tested (a thin
      month)".

    ``coverage`` and ``previous_coverage`` say how far the data covers each period;
    ``thin``: the thin months of either period (then no change is tested: ``p``, ``q`` and
    the interval are NaN and ``significant`` is False).
    """

    cells: pd.DataFrame
    areas: pd.DataFrame
    period: tuple[date, date]
    previous_period: tuple[date, date]
    res: int
    alpha: float
    notes: tuple[str, ...] = field(default=())
    coverage: PeriodCoverage | None = None
    previous_coverage: PeriodCoverage | None = None
    thin: tuple[ThinMonth, ...] = field(default=())


def compare_periods(
    store: Store,
    filters: Filters,
    res: int,
    themes: ThemeMap,
    *,
    alpha: float = 0.05,
    coverage: Coverage | None = None,
) -> ChangeResult:
    """The filters' period against the previous one of the same length in months, per cell
    at ``res`` and per area (the county, and every district and division inside the filters'
    area), as rates per day over the days with data in each."""
    check_alpha(alpha)
    before = filters.previous_period()
    coverage = coverage or read_coverage(store)
    now_cov = coverage.period(filters, themes)
    then_cov = coverage.period(before, themes)
    days = (now_cov.days, then_cov.days)
    thin = coverage.thin_in((now_cov, then_cov))
    untested = untested_reason(thin)
    now = _cell_counts(store, filters, res, themes)
    then = _cell_counts(store, before, res, themes)
    cell_ids = np.union1d(now.index, then.index).astype(np.uint64)
    cell_stats = change_table(
        now.reindex(cell_ids, fill_value=0),
        then.reindex(cell_ids, fill_value=0),
        alpha=alpha,
        days=days,
        untested=untested,
    )
    cells = pd.concat(
        [pd.DataFrame({"cell": cell_ids, "cell_hex": cells_to_str(cell_ids)}), cell_stats], axis=1
    )
    cells = cells.sort_values(["p", "cell"], ignore_index=True)
    areas = _areas(store, filters, before, themes, alpha, days, untested)
    return ChangeResult(
        cells=cells,
        areas=areas,
        period=(filters.month_from, filters.month_to),
        previous_period=(before.month_from, before.month_to),
        res=res,
        alpha=alpha,
        notes=coverage_notes(now_cov, then_cov) + thin_notes(thin),
        coverage=now_cov,
        previous_coverage=then_cov,
        thin=thin,
    )


def thin_notes(thin: tuple[ThinMonth, ...]) -> tuple[str, ...]:
    """The note naming the thin months a change is not tested across (exact figures: for
    Part 2 and the command line)."""
    if not thin:
        return ()
    months = "; ".join(t.text for t in thin)
    verb = "is" if len(thin) == 1 else "are"
    return (
        f"changes are not tested: {months} {verb} far below its source's "
        f"{'largest' if any(t.largest for t in thin) else 'typical'} month, as months often "
        "are when first published, so a change across it may be the data rather than crime",
    )


def _cell_counts(store: Store, filters: Filters, res: int, themes: ThemeMap) -> pd.Series:
    table = hex_counts(store, filters, res, themes)
    cells = table["cell"].to_numpy().astype(np.uint64)
    return pd.Series(table["count"].to_numpy(), index=cells, dtype=np.int64)


def change_table(
    current,
    previous,
    *,
    alpha: float = 0.05,
    days: tuple[int, int] | None = None,
    untested: str = "",
) -> pd.DataFrame:
    """:data:`STAT_COLUMNS` for paired counts, BH-adjusted over pairs with any incident.

    ``days``: (days with data now, days with data before), the same for every pair. None
    means periods of equal length (the test's p0 is then 1/2 and the days columns are
    empty): only for counts known to be over equal periods. ``untested``: why no change is
    tested (:func:`geo.store.untested_reason`; '' tests them): ``p``, ``q`` and the interval
    are then NaN, nothing is significant, and each label says "not tested (...)"."""
    a = np.asarray(current, dtype=np.int64)
    b = np.asarray(previous, dtype=np.int64)
    t_a, t_b = days if days is not None else (1, 1)
    if t_a <= 0 or t_b <= 0:
        return _nothing_to_compare(a, b, t_a, t_b)
    p = rate_change_p(a, b, days=(t_a, t_b))
    tested = (a + b) > 0
    q = np.ones(a.shape)
    q[tested] = benjamini_hochberg(p[tested])
    low, high = rate_ratio_ci(a, b, alpha, days=(t_a, t_b))
    scale = t_b / t_a
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(b > 0, a * scale / np.maximum(b, 1), np.where(a > 0, np.inf, np.nan))
        pct = np.where(b > 0, 100.0 * (ratio - 1.0), np.nan)
    significant = q < alpha
    if untested:
        p, q, low, high = (np.full(a.shape, np.nan) for _ in range(4))
        significant = np.zeros(a.shape, dtype=bool)
    per_day = t_a != t_b
    return pd.DataFrame(
        {
            "current": a,
            "previous": b,
            "days": np.full(a.shape, t_a if days is not None else np.nan),
            "previous_days": np.full(a.shape, t_b if days is not None else np.nan),
            "change": a - b,
            "pct_change": pct,
            "rate_ratio": ratio,
            "ci_low": low,
            "ci_high": high,
            "p": p,
            "q": q,
            "significant": significant,
            "label": [
                change_label(x, y, s, r, per_day=per_day, untested=untested)
                for x, y, s, r in zip(a, b, significant, ratio, strict=True)
            ],
        }
    )


def _nothing_to_compare(a: np.ndarray, b: np.ndarray, t_a: int, t_b: int) -> pd.DataFrame:
    """Rows where a period has no data loaded: no test, no ratio, and a label that says why
    (never "new from none", which would read a gap as a rise from nothing)."""
    label = "no data loaded" if t_a <= 0 else "no earlier data loaded"
    nan = np.full(a.shape, np.nan)
    return pd.DataFrame(
        {
            "current": a,
            "previous": b,
            "days": np.full(a.shape, t_a),
            "previous_days": np.full(a.shape, t_b),
            "change": nan,
            "pct_change": nan,
            "rate_ratio": nan,
            "ci_low": nan,
            "ci_high": nan,
            "p": nan,
            "q": nan,
            "significant": np.zeros(a.shape, dtype=bool),
            "label": [label] * len(a),
        }
    )


def rate_change_p(
    current: np.ndarray, previous: np.ndarray, *, days: tuple[float, float] = (1, 1)
) -> np.ndarray:
    """Exact two-sided p-values that two Poisson counts share one rate per day.

    ``a`` given ``a + b`` is Binomial(a + b, p0), p0 = t_a / (t_a + t_b), under no change.
    The two-sided p-value is scipy's ``binomtest(a, a + b, p0)``: the probability of every
    outcome no more likely than ``a`` (see :func:`binom_two_sided`)."""
    a = np.asarray(current, dtype=np.int64)
    b = np.asarray(previous, dtype=np.int64)
    t_a, t_b = (float(d) for d in days)
    return binom_two_sided(a, a + b, t_a / (t_a + t_b))


def binom_two_sided(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """The two-sided exact binomial p-value of ``k`` successes in ``n`` (scipy's
    ``binomtest(k, n, p).pvalue``, "minlike"), for many ``(k, n)`` at once.

    The pmf is unimodal: its values fall away from the mean on each side. For ``k`` below
    the mean, the outcomes on the far side no more likely than ``k`` are those from some
    ``j*`` up to ``n``; ``j*`` is found by bisection (the pmf does not rise beyond the mean),
    and the p-value is ``P(X <= k) + P(X >= j*)``. Above the mean, symmetrically."""
    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    k, n = np.broadcast_arrays(k, n)
    out = np.ones(k.shape, dtype=np.float64)
    mean = n * p
    limit = stats.binom.pmf(k, n, p) * _RERR
    low = (k < mean) & (n > 0)
    high = (k > mean) & (n > 0)
    if low.any():
        kk, nn, lim = k[low], n[low], limit[low]
        # The first j at or above the mean whose pmf is no more than k's (n + 1: none).
        lo = np.ceil(mean[low]).astype(np.int64)
        hi = nn + 1
        while (active := lo < hi).any():
            mid = (lo + hi) // 2
            below = stats.binom.pmf(mid, nn, p) <= lim
            hi = np.where(active & below, mid, hi)
            lo = np.where(active & ~below, mid + 1, lo)
        out[low] = stats.binom.cdf(kk, nn, p) + stats.binom.sf(lo - 1, nn, p)
    if high.any():
        kk, nn, lim = k[high], n[high], limit[high]
        # The last j at or below the mean whose pmf is no more than k's (-1: none).
        lo = np.full(kk.shape, -1, dtype=np.int64)
        hi = np.floor(mean[high]).astype(np.int64)
        while (active := lo < hi).any():
            mid = (lo + hi + 1) // 2
            below = stats.binom.pmf(mid, nn, p) <= lim
            lo = np.where(active & below, mid, lo)
            hi = np.where(active & ~below, mid - 1, hi)
        out[high] = stats.binom.cdf(lo, nn, p) + stats.binom.sf(kk - 1, nn, p)
    return np.minimum(out, 1.0)


def rate_ratio_ci(
    current: np.ndarray,
    previous: np.ndarray,
    alpha: float = 0.05,
    *,
    days: tuple[float, float] = (1, 1),
) -> tuple[np.ndarray, np.ndarray]:
    """Exact confidence interval of the rate ratio per day, (a / t_a) / (b / t_b):
    Clopper-Pearson on a / (a + b), carried over by ``pi / (1 - pi) * t_b / t_a``."""
    a = np.asarray(current, dtype=np.float64)
    b = np.asarray(previous, dtype=np.float64)
    scale = float(days[1]) / float(days[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        low_pi = np.where(a > 0, stats.beta.ppf(alpha / 2, a, b + 1), 0.0)
        high_pi = np.where(b > 0, stats.beta.ppf(1 - alpha / 2, a + 1, b), 1.0)
        low = low_pi / (1 - low_pi) * scale
        high = np.where(high_pi < 1, high_pi / (1 - high_pi) * scale, np.inf)
    empty = (a + b) == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def change_label(
    current: int,
    previous: int,
    significant: bool,
    ratio: float,
    *,
    per_day: bool,
    untested: str = "",
) -> str:
    """ "up 40%, significant"; "down 8% per day, not significant" where the periods' lengths
    differ (the percentage is then of the rate per day, not of the counts); "down 40% per
    day, not tested (a thin month)" where ``untested`` says why no test was made."""
    verdict = "significant" if significant else "not significant"
    if untested:
        verdict = f"not tested ({untested})"
    if current == 0 and previous == 0:
        return "no change"
    if previous == 0:
        return f"new: {current} from none, {verdict}"
    if abs(ratio - 1) < 1e-12:
        return "no change"
    pct = round(100 * abs(ratio - 1))
    size = f"{pct}%" if pct else "less than 1%"
    unit = " per day" if per_day else ""
    direction = "up" if ratio > 1 else "down"
    return f"{direction} {size}{unit}, {verdict}"


def _areas(
    store: Store,
    now: Filters,
    before: Filters,
    themes: ThemeMap,
    alpha: float,
    days: tuple[int, int] | None,
    untested: str = "",
) -> pd.DataFrame:
    """Rows for the county and every district and division inside the filters' area, those
    with no incident in either period included (a committee table lists every area)."""
    names = _area_names(store, now)
    frames = []
    for level in _levels(now):
        counts = [_area_counts(store, f, themes, level) for f in (now, before)]
        codes = sorted(set(counts[0].index) | set(counts[1].index) | set(names.get(level, {})))
        stats_ = change_table(
            counts[0].reindex(codes, fill_value=0),
            counts[1].reindex(codes, fill_value=0),
            alpha=alpha,
            days=days,
            untested=untested,
        )
        labels = [names.get(level, {}).get(code, code) for code in codes]
        frames.append(pd.DataFrame({"level": level, "code": codes, "name": labels}).join(stats_))
    return pd.concat(frames, ignore_index=True)[["level", "code", "name", *STAT_COLUMNS]]


def _area_names(store: Store, filters: Filters) -> dict[str, dict[str, str]]:
    """Loaded areas inside the filters' area, by level: {level: {code: name}}."""
    level, code = filters.area
    names: dict[str, dict[str, str]] = {"county": {"county": _COUNTY_NAME}}
    for lv, c, name, parent in ((a.level, a.code, a.name, a.parent) for a in loaded_areas(store)):
        inside = (
            level == "county"
            or (level == "district" and (code in (c, parent)))
            or (level == "division" and c == code)
        )
        if inside and lv in ("district", "division"):
            names.setdefault(lv, {})[c] = name
    return names


def _levels(filters: Filters) -> tuple[str, ...]:
    level, _ = filters.area
    return {
        "county": ("county", "district", "division"),
        "district": ("district", "division"),
        "division": ("division",),
    }[level]


def _area_counts(store: Store, filters: Filters, themes: ThemeMap, level: str) -> pd.Series:
    """Incidents per area code, from where each incident was placed (never from hexagons).

    The county counts every incident matching the filters placed in a district (an
    unmapped incident is in no area: tests/integration/test_change_real.py counts them)."""
    return pd.Series(area_counts(store, filters, themes, level), dtype=np.int64)


def coverage_notes(now: PeriodCoverage, before: PeriodCoverage) -> tuple[str, ...]:
    """What a reader must know about the two periods' data: gaps, and per day."""
    notes = []
    for name, cov in (("this period", now), ("the previous period", before)):
        if cov.empty:
            notes.append(f"{cov.message()} ({name}): there is nothing to compare")
        elif cov.partial:
            notes.append(
                f"{name} is partial, so it is compared per day over its {cov.days} days with "
                f"data: {cov.gaps()}"
            )
    if now.days != before.days and not (now.empty or before.empty):
        notes.append(
            f"the periods have {now.days} and {before.days} days with data: changes are "
            "rates per day"
        )
    gained = [s for s in now.sources if now.loaded.get(s) and not before.loaded.get(s)]
    lost = [s for s in before.sources if before.loaded.get(s) and not now.loaded.get(s)]
    if gained or lost:
        notes.append(
            "the sources differ between the periods ("
            + "; ".join(
                [f"{s} only in this period" for s in gained]
                + [f"{s} only in the previous period" for s in lost]
            )
            + "): part of any change is the change of sources"
        )
    return tuple(notes)
