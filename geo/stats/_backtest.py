"""How good is a hotspot map at saying where next month's crime will be: a rolling backtest.

For every month ``t + 1`` that has ``train_months`` loaded months before it, each method scores
the study region's cells from the training months ``t - k + 1 .. t``; the ``a`` best-scoring
cells (the coverage, default 3% of the region, at least one cell) are the predicted hot spots;
then the test month's incidents say how well they did. Ties in a score are broken at random
(``seed``), so a method gets no credit from the order cells happen to be listed in.

Definitions, with ``A`` the number of cells in the study region (all cells at one resolution
have near enough the same area, so areas are counted in cells), ``N`` the test month's
incidents in the region and ``n`` those in the ``a`` selected cells:

- hit rate ``= n / N``: the share of next month's crime the map would have covered;
- PAI (Predictive Accuracy Index, Chainey, Tompson and Uhlig 2008) ``= (n / N) / (a / A)``:
  how many times more crime per unit area the hot spots hold than the region as a whole;
- PEI (Predictive Efficiency Index, Hunt 2016) ``= n / n*``, where ``n*`` is the most any ``a``
  cells held in the test month: the PAI achieved over the best PAI possible at that coverage;
- RRI (Recapture Rate Index, Levine 2008) ``= (n / n_train) / (N / N_train)``, with
  ``n_train`` and ``N_train`` the method's training incidents in the selected cells and in the
  region: above 1, the selected cells held on to their crime better than the region did.

Methods (each :mod:`geo.stats._backtest_methods` function):

- ``counts``: incidents per cell over the training months;
- ``gi_star``: the Gi* z-score of those counts (hot cells first, most significant first);
- ``kernel``: the counts smoothed over the grid with a quartic distance decay over
  ``bandwidth`` rings;
- ``last_month``: incidents in month ``t`` alone, the naive baseline ("last period's hot
  spots"); its RRI uses month ``t`` as its training period.

On sparse data two measures collapse into the hit rate. When the ``a`` cells are at least as
many as the cells with any crime in the test month, the best ``a`` cells hold all of it
(``n* = N``), so PEI is ``n / N``; when the selected cells hold all the training crime
(``n_train = N_train``, certain for ``counts`` once ``a`` is at least the cells with any
training crime), RRI is ``n / N`` too. Each fold flags these (``pei_degenerate``,
``rri_degenerate``) and the result warns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.errors import ValidationError
from geo.filters import Filters, month_str
from geo.grid import cube_months, monthly_cube, study_region
from geo.stats import _backtest_methods as surfaces
from geo.store import Store
from geo.themes import ThemeMap

METHODS = ("counts", "gi_star", "kernel", "last_month")
METRICS = ("hit_rate", "pai", "pei", "rri")


@dataclass(frozen=True)
class BacktestResult:
    """``folds``: one row per test month and method with ``test_month`` (YYYY-MM),
    ``method``, ``cells`` (a), ``region_cells`` (A), ``n``, ``N``, ``n_best`` (n*),
    ``n_train``, ``N_train`` and :data:`METRICS`. ``summary``: one row per method with the
    mean of each metric over the folds and the number of folds. Metrics are NaN where they
    are undefined (no incidents in the test month, or none in training for RRI). Folds also
    have ``pei_degenerate`` and ``rri_degenerate`` (the measure equals the hit rate there);
    ``warnings`` (also in ``notes``) says where any fold has them."""

    folds: pd.DataFrame
    summary: pd.DataFrame
    res: int
    filters: Filters
    coverage: float
    train_months: int
    seed: int | None
    notes: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())

    def degenerate(self) -> dict[str, int]:
        """Folds where PEI, and where RRI, is nothing but the hit rate; and all folds."""
        return {
            "pei": int(self.folds["pei_degenerate"].sum()),
            "rri": int(self.folds["rri_degenerate"].sum()),
            "folds": len(self.folds),
        }


def backtest(
    store: Store,
    filters: Filters,
    res: int,
    themes: ThemeMap,
    *,
    train_months: int = 3,
    coverage: float = 0.03,
    bandwidth: int = 2,
    seed: int | None = 0,
) -> BacktestResult:
    """The rolling backtest of every method over the filters' area and period."""
    _check(coverage, train_months, bandwidth)
    region = study_region(store, *filters.area, res)
    months, notes = cube_months(store, filters)
    cube = monthly_cube(store, filters, res, themes, region=region, months=months)
    rows = _folds(
        cube,
        [month_str(m) for m in months],
        surfaces.scorers(region, bandwidth),
        train_months=train_months,
        coverage=coverage,
        rng=np.random.default_rng(seed),
    )
    if not rows:
        notes += (f"{len(months)} months loaded: a backtest needs at least {train_months + 1}",)
    folds = pd.DataFrame(rows, columns=_FOLD_COLUMNS)
    warnings = _degenerate_warnings(folds, coverage)
    return BacktestResult(
        folds=folds,
        summary=_summary(folds),
        res=res,
        filters=filters,
        coverage=coverage,
        train_months=train_months,
        seed=seed,
        notes=region.notes + notes + warnings,
        warnings=warnings,
    )


def _degenerate_warnings(folds: pd.DataFrame, coverage: float) -> tuple[str, ...]:
    out = []
    total = len(folds)
    pei, rri = int(folds["pei_degenerate"].sum()), int(folds["rri_degenerate"].sum())
    if pei:
        out.append(
            f"sparse data: in {pei} of {total} folds the {coverage:.0%} coverage is at least "
            "the number of hexagons with any crime in the test month, so the best possible "
            "map catches all of it and PEI there is just the hit rate"
        )
    if rri:
        out.append(
            f"sparse data: in {rri} of {total} folds the selected hexagons hold all the "
            "training crime, so RRI there is just the hit rate"
        )
    return tuple(out)


def _check(coverage: float, train_months: int, bandwidth: int) -> None:
    if not 0 < coverage < 1:
        raise ValidationError("coverage is a share of the area, between 0 and 1 (e.g. 0.03)")
    if train_months < 1:
        raise ValidationError("train_months must be at least 1")
    if bandwidth < 0:
        raise ValidationError("bandwidth is a number of rings, 0 or more")


def _folds(
    cube: np.ndarray,
    months: list[str],
    scorers: dict,
    *,
    train_months: int,
    coverage: float,
    rng: np.random.Generator,
) -> list[dict]:
    """One row per test month and method: train on the months before, test on the month."""
    rows = []
    for t in range(train_months, len(months)):
        window = cube[:, t - train_months : t]
        for method in METHODS:
            train = (window[:, -1:] if method == "last_month" else window).sum(axis=1)
            chosen = select_top(scorers[method](train), coverage, rng)
            row = hotspot_metrics(cube[:, t], train, chosen)
            rows.append({"test_month": months[t], "method": method, **row})
    return rows


_FOLD_COLUMNS = [
    "test_month",
    "method",
    "cells",
    "region_cells",
    "n",
    "N",
    "n_best",
    "n_train",
    "N_train",
    *METRICS,
    "pei_degenerate",
    "rri_degenerate",
]


def select_top(score: np.ndarray, coverage: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of the ``max(1, round(coverage * A))`` highest scores; ties broken at random."""
    score = np.nan_to_num(np.asarray(score, dtype=np.float64), nan=-np.inf)
    a = max(1, round(coverage * score.shape[0]))
    tiebreak = rng.permutation(score.shape[0])
    order = np.lexsort((tiebreak, -score))
    return order[:a]


def hotspot_metrics(test: np.ndarray, train: np.ndarray, chosen: np.ndarray) -> dict:
    """Hit rate, PAI, PEI and RRI of the cells ``chosen`` (indices), with their parts."""
    test = np.asarray(test, dtype=np.float64)
    train = np.asarray(train, dtype=np.float64)
    region_cells, a = test.shape[0], chosen.shape[0]
    n, big_n = test[chosen].sum(), test.sum()
    n_best = np.sort(test)[::-1][:a].sum()
    n_train, big_n_train = train[chosen].sum(), train.sum()
    hit = n / big_n if big_n > 0 else np.nan
    rri = np.nan
    if n_train > 0 and big_n > 0:
        rri = (n / n_train) / (big_n / big_n_train)
    return {
        "cells": a,
        "region_cells": region_cells,
        "n": int(n),
        "N": int(big_n),
        "n_best": int(n_best),
        "n_train": int(n_train),
        "N_train": int(big_n_train),
        "hit_rate": hit,
        "pai": hit / (a / region_cells) if big_n > 0 else np.nan,
        "pei": n / n_best if n_best > 0 else np.nan,
        "rri": rri,
        # The measure is defined but equals the hit rate: all crime fits in ``a`` cells.
        "pei_degenerate": bool(big_n > 0 and n_best == big_n),
        "rri_degenerate": bool(np.isfinite(rri) and n_train == big_n_train),
    }


def _summary(folds: pd.DataFrame) -> pd.DataFrame:
    if folds.empty:
        return pd.DataFrame(columns=["method", *METRICS, "folds"])
    grouped = folds.groupby("method", sort=False)
    summary = grouped[list(METRICS)].mean().reset_index()
    summary["folds"] = grouped.size().to_numpy()
    return summary
