"""Rates, smoothed rates and relative risks for the public (Part 1) view, from published
figures only (docs/security.md, "Rates and deprivation"; docs/rates.md).

A rate is a count divided by a published population, so a rate printed beside a withheld
count gives the count back (``count = rate x residents / 1,000``, rounded). The rules:

* **A rate, smoothed rate or relative risk is published only where its count is** (shown, or
  0). Beside "fewer than 5", "suppressed" or "not shown separately" the rate reads the same.
* **Everything is computed from the published figures.** The intervals and relative risks of
  a shown area depend on its own published count and the county's. The empirical-Bayes prior
  (the overall rate and the spread of rates every area is pulled towards) depends on every
  area's count, the withheld ones too: from exact counts, one shown area's smoothed rate and
  count give the prior's variance, and that is a sum of squares of the withheld counts, which
  with the published totals they add up to gives them away (``tests/test_rates_attacks.py``
  runs that solve). So the prior is computed from the published map read as numbers, as the
  public hot spot classes are (``dashboard.views.public_stats``): a shown count is itself,
  "fewer than k" the midpoint of 1 to k-1 (2.5 for k = 5), "suppressed" k, and the areas "not
  shown separately" inside a withheld area share its stand-in by residents.
* **Significance** is adjusted (Benjamini-Hochberg) over the areas whose rate is published:
  an adjustment over every area would let a withheld count move the words printed beside a
  shown one.

Everything here is a function of the suppressed tree (which holds no withheld value) and of
published populations, so nothing it returns can say more than the map does about any count;
``tests/test_rates_attacks.py`` checks that two stores with the same published map give the
same public rates.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from geo.disclosure import COUNTY, DISTRICT, DIVISION, Count, SuppressedTree
from geo.stats import (
    PER,
    empirical_bayes,
    garwood_interval,
    poisson_p,
    significance_words,
    upper_tail_smaller,
)

LEVELS = (DISTRICT, DIVISION)
PUBLISHED = ("shown", "zero")
PUBLIC_COLUMNS = (
    "code", "name", "count", "count_text", "status", "population", "rate", "rate_low",
    "rate_high", "rr", "rr_low", "rr_high", "significance",
)  # fmt: skip


def fewer_than_standin(k: int) -> float:
    """What "fewer than k" stands for in a public statistic: the midpoint of 1 to k-1 (as
    ``dashboard.views.public_stats.fewer_than_standin``)."""
    return k / 2


def suppressed_standin(k: int) -> float:
    """What "suppressed" (k or more) stands for: k."""
    return float(k)


def published_values(
    tree: SuppressedTree, level: str, populations: Mapping[str, float], parents: Mapping[str, str]
) -> tuple[pd.Series, pd.Series]:
    """Each area's published count (stand-ins for withheld ones) and its status, by code.

    ``parents`` maps a division to its district (for areas "not shown separately": they share
    the stand-in of the withheld area holding them, in proportion to residents)."""
    if level not in LEVELS:
        raise ValueError(f"level {level!r}: the public tree has {', '.join(LEVELS)}")
    k = tree.k
    counts = {code: tree.area(level, code) for code in populations}
    values: dict[str, float] = {}
    shares: dict[tuple[str, str | None], list[str]] = {}
    for code, c in counts.items():
        if c.status in PUBLISHED:
            values[code] = float(c.value or 0)
        elif c.status == "primary":
            values[code] = fewer_than_standin(k)
        elif c.status == "secondary":
            values[code] = suppressed_standin(k)
        else:  # merged: part of the withheld area holding it
            shares.setdefault(_container(tree, level, code, parents), []).append(code)
    for (container_level, container), members in shares.items():
        held = tree.area(container_level, container)
        standin = fewer_than_standin(k) if held.status == "primary" else suppressed_standin(k)
        total = sum(populations[m] for m in members)
        for m in members:
            values[m] = standin * populations[m] / total
    status = pd.Series({code: c.status for code, c in counts.items()})
    return pd.Series(values).reindex(status.index), status


def _container(
    tree: SuppressedTree, level: str, code: str, parents: Mapping[str, str]
) -> tuple[str, str | None]:
    """The withheld area (not merged) that a merged area's count is part of."""
    if level == DIVISION:
        district = parents[code]
        if tree.area(DISTRICT, district).status != "merged":
            return DISTRICT, district
    return COUNTY, None


def public_rates(
    tree: SuppressedTree,
    level: str,
    populations: Mapping[str, float],
    *,
    parents: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    reference_population: float,
    smooth: bool = False,
    district: str | None = None,
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The public rate table of ``level`` (district or division): :data:`PUBLIC_COLUMNS`
    (plus ``eb_rate`` when ``smooth``, with the prior's mean per 1,000 in
    ``attrs["eb_prior_mean"]``), one row per area of ``populations``. Numbers are None where
    the count is withheld; ``count_text`` is what the map prints for the count.

    ``reference_population``: the county's residents (Kent and Medway, the sum of the
    districts); the county's count is the tree's total, and without a published total there
    are no relative risks. ``district``: return only that district's row (level district) or
    its divisions' rows (``parents`` needed); the statistics are the county's either way."""
    parents = parents or {}
    values, status = published_values(tree, level, populations, parents)
    pop = pd.Series(populations, dtype=float).reindex(values.index)
    counts = {code: tree.area(level, code) for code in values.index}
    shown = status.isin(PUBLISHED).to_numpy()
    o = np.array([counts[c].value or 0 for c in values.index], dtype=float)
    n = pop.to_numpy()
    frame = pd.DataFrame(
        {
            "code": values.index.to_numpy(dtype=object),
            "name": [(names or {}).get(c, "") for c in values.index],
            "count": [counts[c].value for c in values.index],
            "count_text": [counts[c].text for c in values.index],
            "status": status.to_numpy(),
            "population": n,
        }
    )
    low, high = garwood_interval(o, confidence=confidence)
    frame["rate"] = np.where(shown, PER * o / n, np.nan)
    frame["rate_low"] = np.where(shown, PER * low / n, np.nan)
    frame["rate_high"] = np.where(shown, PER * high / n, np.nan)
    total: Count = tree.total
    frame["rr"] = frame["rr_low"] = frame["rr_high"] = np.nan
    frame["significance"] = None
    if total.value and shown.any():
        expected = n * total.value / reference_population
        rows = np.flatnonzero(shown)
        p = poisson_p(o[rows], expected[rows])
        q = stats.false_discovery_control(p, method="bh")
        above = upper_tail_smaller(o[rows], expected[rows])
        rr_low, rr_high = low[rows] / expected[rows], high[rows] / expected[rows]
        frame.loc[rows, "rr"] = o[rows] / expected[rows]
        frame.loc[rows, "rr_low"] = rr_low
        frame.loc[rows, "rr_high"] = rr_high
        excludes = (rr_low > 1) | (rr_high < 1)
        frame.loc[rows, "significance"] = significance_words(q, above, excludes, alpha=alpha)
    if smooth:
        eb = empirical_bayes(values.to_numpy(dtype=float), n)
        frame["eb_rate"] = np.where(shown, PER * eb.rates, np.nan)
        frame.attrs["eb_prior_mean"] = PER * eb.prior_mean
    if district is not None:  # after the county-wide statistics (BH family, EB prior)
        keep = [c == district or parents.get(c) == district for c in frame["code"]]
        frame = frame[keep].reset_index(drop=True)
    out = frame.astype(object).where(frame.notna(), None)
    out.attrs.update(frame.attrs)
    return out
