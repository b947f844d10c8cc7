"""Rates per 1,000 residents for districts, divisions and LSOAs, with exact intervals, relative
risk against the county, and (optionally) empirical-Bayes smoothed rates (docs/rates.md).

**Numerator.** The incidents of the filters placed in the area: districts and divisions by
point-in-polygon (the ``district`` and ``division`` every incident is stored with, as every
other statistic counts them); LSOAs by :mod:`geo.areas._incident_lsoas` (police.uk's own LSOA code,
else point-in-polygon). The county is Kent and Medway, every district together, as
everywhere in socmap.

**Denominator.** Residents from :mod:`geo.context`: LSOAs as ONS publishes them, districts as
sums of their LSOAs, divisions apportioned from LSOAs by the documented postcode rule
(docs/context.md), the county as the sum of its districts. The population year is the loaded
mid-year nearest the middle of the period (among the years that have the ages asked for) and
is printed with every rate. A theme may ask for residents of some ages (``rate_ages`` in the
themes file: knife crime per 1,000 aged 10 to 24); the numerator is still every incident.

**Hexagons** get no rate: no published figure, and no rule short of modelling, gives the
residents of a hexagon (docs/rates.md says why).

**Relative risk** ``RR = O / E`` with ``E`` = the county's rate times the area's residents
(indirect standardisation against the county, SMR-style), with Garwood's exact interval for
``O`` divided by ``E``, and the exact two-sided Poisson p-value the interval inverts
(:mod:`geo.stats._poisson`). Every area of the level in the county is tested at once (72 divisions,
1,065 LSOAs), so the p-values are adjusted with Benjamini-Hochberg within the level, as the
change statistic does; an area is "significantly above (below) the county" only when its
adjusted ``q < alpha``, which implies its interval excludes 1. An interval that excludes 1 on
its own (``q >= alpha``) is reported as such but not called significant.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from geo import context
from geo.areas import with_lsoas
from geo.context._population import ages_label
from geo.errors import ValidationError
from geo.filters import Filters, month_str
from geo.stats._poisson import garwood_interval, poisson_p, upper_tail_smaller
from geo.stats._smoothing import empirical_bayes
from geo.store import PeriodCoverage, Store, read_coverage
from geo.store.queries.rates import area_counts, area_table, incident_points, lsoa_shapes
from geo.themes import ThemeMap

RATE_LEVELS = ("district", "division", "lsoa")
PER = 1000
DAYS_PER_YEAR = 365.25
RATE_COLUMNS = (
    "code", "name", "count", "population", "rate", "rate_low", "rate_high", "annual_rate",
    "expected", "rr", "rr_low", "rr_high", "p", "q", "significance", "interval_excludes_1",
)  # fmt: skip
SIGNIFICANCE = ("significantly above", "significantly below", "not significant")
# An interval that excludes 1 for the area on its own, when the level's adjusted test does not
# call it significant: a reader who sees "1.53 (1.01 to 2.23)" beside a bare "not significant"
# would think the words wrong, so they say why.
NOT_AFTER_TESTING = "not significant once every area tested is allowed for"
Ages = tuple[int, int | None] | None


@dataclass(frozen=True)
class RateTable:
    """Rates of one level's areas for one filter, with everything a reader must be told.

    ``frame`` has :data:`RATE_COLUMNS` (plus ``eb_rate`` and ``eb_weight`` when smoothed), one row
    per area of the level in the filters' area (the county: all of them), sorted by code.
    ``rate``, ``rate_low``, ``rate_high`` and ``eb_rate`` are per :data:`PER` residents over
    the period; ``annual_rate`` the same per year (over the days with data). A division's
    population is an apportioned estimate (not a whole number).
    """

    level: str
    frame: pd.DataFrame
    population_year: int
    ages: str  # "all ages", "10-24"
    population_source: str  # the population set's vintage
    apportionment: str  # how the level's populations were made from LSOAs
    reference_count: int  # the county's incidents
    reference_population: float  # the county's residents
    first: date | None
    last: date | None
    days: int  # days with data in the period
    status: str  # complete | partial | empty
    smoothed: bool = False
    eb_prior_mean: float | None = None  # per PER residents
    eb_no_spread: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def reference_rate(self) -> float:
        return PER * self.reference_count / self.reference_population

    @property
    def population_label(self) -> str:
        """``mid-2018 residents, all ages`` - printed beside every rate."""
        return f"mid-{self.population_year} residents, {self.ages}"

    @property
    def period_label(self) -> str:
        if self.first is None or self.last is None:
            return "no period"
        span = month_str(self.first)
        return span if self.first == self.last else f"{span} to {month_str(self.last)}"


def rate_table(
    counts: pd.Series,
    populations: pd.Series,
    *,
    reference_count: int,
    reference_population: float,
    per: int = PER,
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The pure statistics: one row per area of ``populations`` (index: code), with its count
    (0 where ``counts`` has none), rate per ``per`` and exact interval, expected count at the
    reference rate, relative risk with its interval, p, BH-adjusted q and the words."""
    if reference_population <= 0:
        raise ValueError("the reference population must be positive")
    pop = populations.astype(float)
    if (pop <= 0).any():
        raise ValueError(f"areas without residents have no rate: {list(pop.index[pop <= 0])}")
    o = counts.reindex(pop.index).fillna(0).astype(np.int64).to_numpy()
    n = pop.to_numpy()
    low, high = garwood_interval(o, confidence=confidence)
    expected = n * reference_count / reference_population
    p = poisson_p(o, expected)
    q = stats.false_discovery_control(p, method="bh") if len(p) else p
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = np.where(expected > 0, o / expected, np.nan)
        rr_low = np.where(expected > 0, low / expected, np.nan)
        rr_high = np.where(expected > 0, high / expected, np.nan)
    excludes = (rr_low > 1) | (rr_high < 1)
    words = significance_words(q, upper_tail_smaller(o, expected), excludes, alpha=alpha)
    return pd.DataFrame(
        {
            "code": pop.index.to_numpy(dtype=object),
            "count": o,
            "population": n,
            "rate": per * o / n,
            "rate_low": per * low / n,
            "rate_high": per * high / n,
            "expected": expected,
            "rr": rr,
            "rr_low": rr_low,
            "rr_high": rr_high,
            "p": p,
            "q": q,
            "significance": words,
            "interval_excludes_1": excludes,
        }
    )


def significance_words(q, above, excludes_1, *, alpha: float) -> np.ndarray:
    """The words beside each relative risk: "significantly above" or "below" only where the
    Benjamini-Hochberg-adjusted ``q < alpha`` (which implies the interval excludes 1); where
    the interval alone excludes 1 but ``q`` does not, :data:`NOT_AFTER_TESTING`."""
    q = np.asarray(q, dtype=float)
    direction = np.where(above, SIGNIFICANCE[0], SIGNIFICANCE[1])
    otherwise = np.where(excludes_1, NOT_AFTER_TESTING, SIGNIFICANCE[2])
    return np.where(q < alpha, direction, otherwise)


def area_rates(
    store: Store,
    filters: Filters,
    themes: ThemeMap,
    *,
    level: str,
    ages: Ages = None,
    year: int | None = None,
    smooth: bool = False,
    confidence: float = 0.95,
    alpha: float = 0.05,
    coverage: PeriodCoverage | None = None,
) -> RateTable:
    """Rates of every area at ``level`` (district, division, lsoa) for ``filters``.

    The statistics are computed for every area of the level in the county (the EB prior and
    the Benjamini-Hochberg family are county-wide); the rows are those of the filters' area
    (a district's divisions or LSOAs). ``year`` None chooses the population year (see the
    module's documentation)."""
    if level not in RATE_LEVELS:
        raise ValueError(f"level {level!r}: expected one of {', '.join(RATE_LEVELS)}")
    coverage = coverage or read_coverage(store).period(filters, themes)
    year, year_note = population_year(store, coverage, ages, year)
    county = replace(filters, district=None, division=None)
    people = pd.Series(context.populations(store, level, year=year, ages=ages), dtype=float)
    districts = context.populations(store, "district", year=year, ages=ages)
    reference_population = float(sum(districts.values()))
    counts = _counts(store, county, themes, level)
    reference_count = sum(area_counts(store, county, themes, "district").values())
    frame = rate_table(
        counts, people, reference_count=reference_count,
        reference_population=reference_population, confidence=confidence, alpha=alpha,
    )  # fmt: skip
    frame.insert(1, "name", frame["code"].map(_names(store, level)))
    scale = DAYS_PER_YEAR / coverage.days if coverage.days else np.nan
    frame.insert(7, "annual_rate", frame["rate"] * scale)
    notes = [year_note] if year_note else []
    eb_mean, no_spread = None, False
    if smooth:
        eb = empirical_bayes(frame["count"].to_numpy(), frame["population"].to_numpy())
        frame["eb_rate"] = PER * eb.rates
        frame["eb_weight"] = eb.weights
        eb_mean, no_spread = PER * eb.prior_mean, eb.no_spread
        if no_spread:
            notes.append(
                "the rates vary no more than chance alone would make them, so every smoothed "
                "rate is the overall rate (empirical Bayes: prior variance 0)"
            )
    frame = _within(store, frame, filters, level).reset_index(drop=True)
    pop = context.population(store, "district", next(iter(districts)), year=year, ages=ages)
    return RateTable(
        level=level, frame=frame, population_year=year, ages=ages_label(ages),
        population_source=pop.source, apportionment=_apportionment(store, level, year, ages),
        reference_count=int(reference_count), reference_population=reference_population,
        first=coverage.first, last=coverage.last, days=coverage.days, status=coverage.status,
        smoothed=smooth, eb_prior_mean=eb_mean, eb_no_spread=no_spread, notes=tuple(notes),
    )  # fmt: skip


def default_ages(filters: Filters, themes: ThemeMap) -> Ages:
    """The denominator's ages when none is asked for: the one chosen theme's ``rate_ages``
    (knife crime: 10-24), else all ages (None)."""
    if len(filters.themes) == 1 and not filters.categories:
        return themes.theme(filters.themes[0]).rate_ages
    return None


def population_year(
    store: Store, coverage: PeriodCoverage, ages: Ages, year: int | None
) -> tuple[int, str]:
    """The mid-year to use and, when it is not close to the period, a note saying so."""
    loaded = context.population_years(store)
    kinds = ("total",) if ages is None else ("single", "band")
    usable = sorted(y for y, have in loaded.items() if any(k in have for k in kinds))
    if year is not None:
        if year not in usable:
            what = "all ages" if ages is None else f"ages {ages_label(ages)}"
            raise _missing(f"no mid-{year} population with {what} is loaded", usable)
        chosen = year
    elif not usable:
        what = "" if ages is None else f" by age ({ages_label(ages)})"
        raise _missing(f"no population{what} is loaded", usable)
    else:
        middle = _middle(coverage)
        chosen = min(usable, key=lambda y: (abs(y + 0.5 - middle), y)) if middle else usable[-1]
    note = ""
    middle = _middle(coverage)
    if middle and abs(chosen + 0.5 - middle) > 1.5:
        note = (
            f"the population is mid-{chosen}, the nearest loaded to the period "
            f"({coverage.first:%b %Y} to {coverage.last:%b %Y}); residents may have changed since"
        )
    return chosen, note


def _missing(message: str, usable: list[int]) -> ValidationError:
    loaded = ", ".join(f"mid-{y}" for y in usable) or "none"
    return ValidationError(f"{message} (loaded: {loaded}); load it with `socmap context load`")


def _middle(coverage: PeriodCoverage) -> float | None:
    if coverage.first is None or coverage.last is None:
        return None
    start = coverage.first.year + (coverage.first.month - 1) / 12
    end = coverage.last.year + coverage.last.month / 12
    return (start + end) / 2


def _counts(store: Store, county: Filters, themes: ThemeMap, level: str) -> pd.Series:
    if level == "lsoa":
        points = with_lsoas(store, incident_points(store, county, themes))
        return points["lsoa"].dropna().value_counts()
    return pd.Series(area_counts(store, county, themes, level), dtype="int64")


def _names(store: Store, level: str) -> dict[str, str]:
    if level == "lsoa":
        shapes = lsoa_shapes(store)
        return dict(zip(shapes["lsoa_code"], shapes["name"], strict=True))
    areas = area_table(store)
    areas = areas[areas["level"] == level]
    return dict(zip(areas["code"], areas["name"], strict=True))


def _within(store: Store, frame: pd.DataFrame, filters: Filters, level: str) -> pd.DataFrame:
    """The rows of the filters' area: a district's divisions or LSOAs, or one division."""
    area_level, code = filters.area
    if area_level == "county":
        return frame
    if level == area_level:
        return frame[frame["code"] == code]
    if level == "lsoa":
        shapes = lsoa_shapes(store)
        if area_level == "district":
            keep = set(shapes.loc[shapes["district_code"] == code, "lsoa_code"])
        else:
            shares = context.lsoa_division_shares(store)
            keep = set(shares.loc[shares["division_code"] == code, "lsoa_code"])
        return frame[frame["code"].isin(keep)]
    if level == "division" and area_level == "district":
        areas = area_table(store)
        keep = set(areas.loc[areas["parent_code"] == code, "code"])
        return frame[frame["code"].isin(keep)]
    raise ValueError(f"{level} rates within a {area_level}: choose a finer level than the area")


def _apportionment(store: Store, level: str, year: int, ages: Ages) -> str:
    if level != "division":
        return "as published" if level == "lsoa" else "the sum of the district's LSOAs"
    code = next(iter(context.populations(store, "division", year=year, ages=ages)))
    return context.population(store, "division", code, year=year, ages=ages).rule
