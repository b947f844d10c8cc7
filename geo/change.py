"""Change: a period against the period of the same length just before it, per cell and area.

The test: with ``a`` incidents in the period and ``b`` in the previous one, both Poisson, the
question "did the rate change?" is answered exactly by conditioning on the total ``n = a + b``:
if the rate did not change, ``a`` is Binomial(n, 1/2) (the periods have the same number of
months). The two-sided p-value is scipy's exact binomial test of that; the rate ratio
``a / b`` gets the exact (Clopper-Pearson) confidence interval carried over from the binomial
proportion, ``ratio = pi / (1 - pi)`` (Przyborowski and Wilenski 1940; Clopper and Pearson 1934).

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

from geo.cells import cells_to_str
from geo.filters import Filters, add_months, month_str, months_between
from geo.gistar import benjamini_hochberg, check_alpha
from geo.hexes import hex_counts, months_loaded
from geo.store import Store
from geo.themes import ThemeMap

_COUNTY_NAME = "Kent and Medway"
STAT_COLUMNS = (
    "current",
    "previous",
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


@dataclass(frozen=True)
class ChangeResult:
    """Counts in ``period`` against ``previous_period``, with the test of each change.

    ``cells`` has ``cell`` (uint64), ``cell_hex`` and :data:`STAT_COLUMNS`; ``areas`` has
    ``level`` (county, district, division), ``code``, ``name`` and the same columns. The
    statistics columns:

    - ``current``, ``previous``: incidents in each period; ``change`` = current - previous;
    - ``pct_change``: 100 x change / previous (NaN when previous is 0);
    - ``rate_ratio`` = current / previous, and ``ci_low``, ``ci_high``: its exact
      ``1 - alpha`` confidence interval (``inf`` where previous is 0);
    - ``p``: exact two-sided conditional binomial p-value (1 when both are 0);
    - ``q``: Benjamini-Hochberg adjusted ``p`` (see the module's documentation);
    - ``significant``: ``q < alpha``;
    - ``label``: e.g. "up 40%, significant", "down 12%, not significant", "no change".
    """

    cells: pd.DataFrame
    areas: pd.DataFrame
    period: tuple[date, date]
    previous_period: tuple[date, date]
    res: int
    alpha: float
    notes: tuple[str, ...] = field(default=())


def compare_periods(
    store: Store, filters: Filters, res: int, themes: ThemeMap, *, alpha: float = 0.05
) -> ChangeResult:
    """The filters' period against the previous one of the same length, per cell at ``res``
    and per area (the county, and every district and division inside the filters' area)."""
    check_alpha(alpha)
    before = filters.previous_period()
    now = _cell_counts(store, filters, res, themes)
    then = _cell_counts(store, before, res, themes)
    cell_ids = np.union1d(now.index, then.index).astype(np.uint64)
    cell_stats = change_table(
        now.reindex(cell_ids, fill_value=0), then.reindex(cell_ids, fill_value=0), alpha=alpha
    )
    cells = pd.concat(
        [pd.DataFrame({"cell": cell_ids, "cell_hex": cells_to_str(cell_ids)}), cell_stats], axis=1
    )
    cells = cells.sort_values(["p", "cell"], ignore_index=True)
    areas = _areas(store, filters, before, themes, alpha)
    return ChangeResult(
        cells=cells,
        areas=areas,
        period=(filters.month_from, filters.month_to),
        previous_period=(before.month_from, before.month_to),
        res=res,
        alpha=alpha,
        notes=_coverage_notes(store, filters, before),
    )


def _cell_counts(store: Store, filters: Filters, res: int, themes: ThemeMap) -> pd.Series:
    table = hex_counts(store, filters, res, themes)
    cells = table["cell"].to_numpy().astype(np.uint64)
    return pd.Series(table["count"].to_numpy(), index=cells, dtype=np.int64)


def change_table(current, previous, *, alpha: float = 0.05) -> pd.DataFrame:
    """:data:`STAT_COLUMNS` for paired counts, BH-adjusted over pairs with any incident."""
    a = np.asarray(current, dtype=np.int64)
    b = np.asarray(previous, dtype=np.int64)
    p = rate_change_p(a, b)
    tested = (a + b) > 0
    q = np.ones(a.shape)
    q[tested] = benjamini_hochberg(p[tested])
    low, high = rate_ratio_ci(a, b, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(b > 0, a / np.maximum(b, 1), np.where(a > 0, np.inf, np.nan))
        pct = np.where(b > 0, 100.0 * (a - b) / np.maximum(b, 1), np.nan)
    significant = q < alpha
    return pd.DataFrame(
        {
            "current": a,
            "previous": b,
            "change": a - b,
            "pct_change": pct,
            "rate_ratio": ratio,
            "ci_low": low,
            "ci_high": high,
            "p": p,
            "q": q,
            "significant": significant,
            "label": [_label(x, y, s) for x, y, s in zip(a, b, significant, strict=True)],
        }
    )


def rate_change_p(current: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Exact two-sided p-value that two Poisson counts over equal periods share one rate.

    ``a`` given ``a + b`` is Binomial(a + b, 1/2) under no change. That distribution is
    symmetric, so scipy's two-sided ``binomtest`` (outcomes no more likely than the one seen)
    is ``min(1, 2 * P(X <= min(a, b)))``, computed here for all pairs at once.
    """
    a = np.asarray(current, dtype=np.int64)
    b = np.asarray(previous, dtype=np.int64)
    n = a + b
    p = 2.0 * stats.binom.cdf(np.minimum(a, b), n, 0.5)
    return np.where(a == b, 1.0, np.minimum(p, 1.0))


def rate_ratio_ci(
    current: np.ndarray, previous: np.ndarray, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Exact confidence interval of current/previous (Clopper-Pearson on a / (a + b))."""
    a = np.asarray(current, dtype=np.float64)
    b = np.asarray(previous, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        low_pi = np.where(a > 0, stats.beta.ppf(alpha / 2, a, b + 1), 0.0)
        high_pi = np.where(b > 0, stats.beta.ppf(1 - alpha / 2, a + 1, b), 1.0)
        low = low_pi / (1 - low_pi)
        high = np.where(high_pi < 1, high_pi / (1 - high_pi), np.inf)
    empty = (a + b) == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def _label(current: int, previous: int, significant: bool) -> str:
    if current == previous:
        return "no change"
    verdict = "significant" if significant else "not significant"
    if previous == 0:
        return f"new: {current} from none, {verdict}"
    pct = round(100 * abs(current - previous) / previous)
    direction = "up" if current > previous else "down"
    return f"{direction} {pct}%, {verdict}"


def _areas(
    store: Store, now: Filters, before: Filters, themes: ThemeMap, alpha: float
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
        )
        labels = [names.get(level, {}).get(code, code) for code in codes]
        frames.append(pd.DataFrame({"level": level, "code": codes, "name": labels}).join(stats_))
    return pd.concat(frames, ignore_index=True)[["level", "code", "name", *STAT_COLUMNS]]


def _area_names(store: Store, filters: Filters) -> dict[str, dict[str, str]]:
    """Loaded areas inside the filters' area, by level: {level: {code: name}}."""
    level, code = filters.area
    rows = store.fetch_rows("SELECT level, code, name, parent_code FROM areas")
    names: dict[str, dict[str, str]] = {"county": {"county": _COUNTY_NAME}}
    for lv, c, name, parent in rows:
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

    The county counts every incident matching the filters, unmapped ones included."""
    where, params = filters.where(themes)
    if level == "county":
        sql = f"SELECT 'county' AS code, count(*) AS n FROM incidents WHERE {where}"
    else:
        # level is "district" or "division", chosen by _levels, never user input.
        sql = f"""
            SELECT {level} AS code, count(*) AS n FROM incidents
            WHERE {where} AND {level} IS NOT NULL GROUP BY 1
        """
    rows = store.fetch_rows(sql, params)
    return pd.Series({code: int(n) for code, n in rows}, dtype=np.int64)


def _coverage_notes(store: Store, now: Filters, before: Filters) -> tuple[str, ...]:
    loaded = set(months_loaded(store))
    notes = []
    for name, f in (("this period", now), ("the previous period", before)):
        n = months_between(f.month_from, f.month_to)
        missing = [add_months(f.month_from, i) for i in range(n)]
        missing = [month_str(m) for m in missing if m not in loaded]
        if missing:
            notes.append(
                f"no data is loaded for {', '.join(missing)} ({name}): the comparison "
                "reads those months as having no incidents"
            )
    return tuple(notes)
