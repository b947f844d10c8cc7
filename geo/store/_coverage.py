"""What is loaded: which sources cover which months, for which themes.

A month with no data from a source is a gap in the data, not a month without crime, and a
theme no loaded source can report is unknown, not zero. This module says which is which, so
that no figure reads a gap as 0 and no period with gaps is compared as if it were whole.

**The rules** (docs/statistics.md, "Coverage"):

* A source *has data for* a month when at least one of its incidents (of any category) is
  stored for that month.
* A source *can report* a category when it has delivered that category (in any month), or
  when it is police.uk and the category is one of police.uk's published crime types
  (:data:`POLICE_UK_CRIME_TYPES`): police.uk has no "modern slavery" or "port event" type,
  so it never covers those themes, whatever it holds.
* A view (its themes or categories, and its sources) is *covered* by the sources that can
  report one of its categories (and are among the sources chosen, if any are).
* Within a period, a source is *expected* when its data lies within or around the period:
  its first month with data is on or before the period's last month, and its last month
  with data on or after the period's first. A source whose data lies wholly before or after
  the period (police.uk's 2018 months, a partner's 2025 file) is not missing from it.
* A period is **empty** when no covering source has data for any of its months; **partial**
  when an expected source has no data for some of its months; **complete** otherwise.
* Its *days with data* are the days of the months for which some covering source has data:
  a rate per day over those days compares a partial period with another like with like.
* A month of a source is **thin** when it holds under :data:`THIN_SHARE` of the records of
  the source's *reference month* (every category): its median month once it has
  :data:`THIN_MEDIAN_MONTHS` months loaded, its largest month before that, the source
  having at least :data:`THIN_MIN_MONTHS` months and a reference month of at least
  :data:`THIN_MIN_RECORDS` records. police.uk months are often incomplete when first
  published (forces add late records later): the shared Kent months hold 19,385, 13,815
  and 8,418 records, and a fall into December read as a significant fall in crime. With
  three months the median is November itself, 71% of October, and November's fall was
  read as significant too (every crime type falling but anti-social behaviour: missing
  records, not less crime); so with few months the largest is the reference. A thin month
  still has data (it is not a gap); the views say it is thin wherever they count or compare
  it, and a change across it is not tested.
"""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from geo.filters import Filters, add_months, month_str, months_between
from geo.store._file import Store
from geo.store.queries.coverage import source_category_months
from geo.themes import ThemeMap

POLICE_UK = "police-uk"
# The crime types police.uk publishes for street-level crime (data.police.uk/docs/method/
# crime-type). The last two were split in 2013 but old months still carry them.
POLICE_UK_CRIME_TYPES = frozenset(
    {
        "Anti-social behaviour",
        "Bicycle theft",
        "Burglary",
        "Criminal damage and arson",
        "Drugs",
        "Other crime",
        "Other theft",
        "Possession of weapons",
        "Public order",
        "Robbery",
        "Shoplifting",
        "Theft from the person",
        "Vehicle crime",
        "Violence and sexual offences",
        "Violent crime",
        "Public disorder and weapons",
    }
)
STATUSES = ("complete", "partial", "empty")


def month_days(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def months_of(first: date, last: date) -> tuple[date, ...]:
    return tuple(add_months(first, i) for i in range(months_between(first, last)))


def month_ranges(months: Iterable[date]) -> str:
    """ "2018-10 to 2018-12, 2024-11 to 2026-10": runs of consecutive months."""
    ordered = sorted(set(months))
    runs: list[list[date]] = []
    for m in ordered:
        if runs and add_months(runs[-1][-1], 1) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    parts = [
        month_str(r[0]) if len(r) == 1 else f"{month_str(r[0])} to {month_str(r[-1])}" for r in runs
    ]
    return ", ".join(parts) if parts else "none"


def month_words(months: Iterable[date]) -> str:
    """ "July and August 2018", "October 2018 to March 2019": runs of months in words."""
    ordered = sorted(set(months))
    runs: list[list[date]] = []
    for m in ordered:
        if runs and add_months(runs[-1][-1], 1) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    parts = []
    for r in runs:
        first, last = r[0], r[-1]
        if len(r) == 1:
            parts.append(f"{first:%B %Y}")
        elif len(r) == 2 and first.year == last.year:
            parts.append(f"{first:%B} and {last:%B %Y}")
        elif first.year == last.year:
            parts.append(f"{first:%B} to {last:%B %Y}")
        else:
            parts.append(f"{first:%B %Y} to {last:%B %Y}")
    if len(parts) <= 1:
        return parts[0] if parts else "no month"
    return ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True)
class PeriodCoverage:
    """How far the data loaded covers one view over one period (see the module's rules)."""

    first: date | None
    last: date | None
    sources: tuple[str, ...]  # the sources that cover the view's themes
    loaded: Mapping[str, tuple[date, ...]]  # per covering source: its months in the period
    missing: Mapping[str, tuple[date, ...]]  # per expected source: months without its data
    what: str = ""  # the view's themes or categories, in words, for messages
    uncovered: tuple[str, ...] = ()  # the view's themes no loaded source can report
    reason: str = ""  # why the view has no figures at all (said in full)
    headline: str = ""  # the same in two short lines, for over a map

    @property
    def months(self) -> tuple[date, ...]:
        if self.first is None or self.last is None:
            return ()
        return months_of(self.first, self.last)

    @property
    def covered(self) -> tuple[date, ...]:
        """The period's months for which some covering source has data."""
        have = {m for months in self.loaded.values() for m in months}
        return tuple(m for m in self.months if m in have)

    @property
    def status(self) -> str:
        if self.reason or not self.covered:
            return "empty"
        if any(self.missing.values()):
            return "partial"
        return "complete"

    @property
    def empty(self) -> bool:
        return self.status == "empty"

    @property
    def partial(self) -> bool:
        return self.status == "partial"

    @property
    def days(self) -> int:
        """Days with data: the days of the covered months."""
        return sum(month_days(m) for m in self.covered)

    @property
    def calendar_days(self) -> int:
        return sum(month_days(m) for m in self.months)

    def month_status(self, month: date) -> str:
        """One month of the period: "empty" (no covering source has data), "partial" (an
        expected source has none), or "complete"."""
        if self.reason or month not in self.covered:
            return "empty"
        if any(month in gone for gone in self.missing.values()):
            return "partial"
        return "complete"

    def message(self) -> str:
        """One sentence for a reader: why the period is empty or partial ('' if complete)."""
        if self.reason:
            return self.reason
        span = month_words(self.months)
        if not self.sources:
            return f"No data: no loaded source covers {self.what or 'this selection'}."
        if self.empty:
            return f"No data loaded for {span} ({self.what or 'this selection'})."
        if self.partial:
            return f"Partial: {self.gaps()}."
        return ""

    def gaps(self) -> str:
        """ "police.uk has no data for July and August 2018 (data for 1 of 3 months)"."""
        gaps = "; ".join(
            f"{source_name(s)} has no data for {month_words(m)}"
            for s, m in self.missing.items()
            if m
        )
        n, total = len(self.covered), len(self.months)
        held = f"data for {n} of {total} months" if n < total else "every month has data"
        return f"{gaps} ({held})"


def source_name(source: str) -> str:
    return {POLICE_UK: "police.uk", "synthetic-demo": "the synthetic demo"}.get(source, source)


THIN_SHARE = 0.75
THIN_MIN_MONTHS = 3
THIN_MIN_RECORDS = 200
THIN_MEDIAN_MONTHS = 6  # from this many months loaded the reference is the median month


@dataclass(frozen=True)
class ThinMonth:
    """A month of a source holding far fewer records than its reference month (its median
    month, or its largest while it has few months loaded)."""

    source: str
    month: date
    records: int
    typical: float  # the records of the source's reference month
    largest: bool = False  # the reference is the largest month (few months loaded)

    @property
    def share(self) -> float:
        return self.records / self.typical

    @property
    def reference(self) -> str:
        """The reference month in words: "typical month" or "largest month"."""
        return "largest month" if self.largest else "typical month"

    @property
    def text(self) -> str:
        """ "December 2018 (police.uk: 8,418 records, 43% of its largest month's 19,385)"
        (exact figures: Part 2 and the command line)."""
        return (
            f"{self.month:%B %Y} ({source_name(self.source)}: {self.records:,} records, "
            f"{self.share:.0%} of its {self.reference}'s {self.typical:,.0f})"
        )


def untested_reason(thin: tuple[ThinMonth, ...]) -> str:
    """Why a change over these periods is not tested ('' when it is)."""
    if not thin:
        return ""
    return "a thin month" if len({t.month for t in thin}) == 1 else "thin months"


@dataclass(frozen=True)
class Coverage:
    """Per source: the months with data, the categories delivered, and each month's records."""

    months: Mapping[str, tuple[date, ...]] = field(default_factory=dict)
    delivered: Mapping[str, frozenset[str]] = field(default_factory=dict)
    volumes: Mapping[str, Mapping[date, int]] = field(default_factory=dict)

    def thin_months(
        self, sources: Iterable[str], first: date | None, last: date | None
    ) -> tuple[ThinMonth, ...]:
        """The thin months of ``sources`` from ``first`` to ``last`` (see the module's rules),
        by month then source."""
        out = []
        for source in sources:
            counts = self.volumes.get(source, {})
            if len(counts) < THIN_MIN_MONTHS:
                continue
            largest = len(counts) < THIN_MEDIAN_MONTHS
            values = counts.values()
            typical = float(max(values) if largest else statistics.median(values))
            if typical < THIN_MIN_RECORDS:
                continue
            out += [
                ThinMonth(source, m, n, typical, largest)
                for m, n in counts.items()
                if n < THIN_SHARE * typical
                and (first is None or m >= first)
                and (last is None or m <= last)
            ]
        return tuple(sorted(out, key=lambda t: (t.month, t.source)))

    def thin_in(self, periods: Iterable[PeriodCoverage]) -> tuple[ThinMonth, ...]:
        """The thin months, in any of ``periods``, of the sources covering any of them (a
        change's two periods: a thin month in either makes the change untested)."""
        periods = [p for p in periods if not p.empty]
        sources = sorted({s for p in periods for s in p.sources})
        found = {t for p in periods for t in self.thin_months(sources, p.first, p.last)}
        return tuple(sorted(found, key=lambda t: (t.month, t.source)))

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted(self.months))

    def all_months(self) -> tuple[date, ...]:
        return tuple(sorted({m for months in self.months.values() for m in months}))

    def can_report(self, source: str, category: str) -> bool:
        if category in self.delivered.get(source, frozenset()):
            return True
        return source == POLICE_UK and category in POLICE_UK_CRIME_TYPES

    def covering(self, filters: Filters, themes: ThemeMap) -> tuple[str, ...]:
        """The sources chosen by ``filters`` that can report one of its categories."""
        chosen = [s for s in self.sources if not filters.sources or s in filters.sources]
        wanted = _categories(filters, themes)
        if wanted is None:  # every category (less those left out)
            left_out = set(filters.exclude_categories)
            return tuple(
                s
                for s in chosen
                if (self.delivered.get(s, frozenset()) - left_out)
                or (s == POLICE_UK and POLICE_UK_CRIME_TYPES - left_out)
            )
        return tuple(s for s in chosen if any(self.can_report(s, c) for c in wanted))

    def theme_sources(self, theme: str, themes: ThemeMap) -> tuple[str, ...]:
        return self.covering(Filters(themes=(theme,)), themes)

    def uncovered_themes(self, filters: Filters, themes: ThemeMap) -> tuple[str, ...]:
        """The filters' themes that no chosen source can report."""
        return tuple(
            t
            for t in filters.themes
            if not self.covering(Filters(themes=(t,), sources=filters.sources), themes)
        )

    def period(
        self,
        filters: Filters,
        themes: ThemeMap,
        first: date | None = None,
        last: date | None = None,
    ) -> PeriodCoverage:
        """The coverage of ``filters`` over ``first``..``last`` (default: the filters' own
        period; an open end is the covering sources' first or last month with data)."""
        sources = self.covering(filters, themes)
        first = first or filters.month_from
        last = last or filters.month_to
        theirs = sorted({m for s in sources for m in self.months.get(s, ())})
        what = describe(filters, themes)
        uncovered = self.uncovered_themes(filters, themes)
        if first is None or last is None:
            if not theirs:
                return PeriodCoverage(None, None, sources, {}, {}, what, uncovered)
            first, last = first or theirs[0], last or theirs[-1]
            if first > last:
                first, last = last, first
        period = months_of(first, last)
        loaded, missing = {}, {}
        for s in sources:
            have = self.months.get(s, ())
            loaded[s] = tuple(m for m in period if m in set(have))
            if have and have[0] <= last and have[-1] >= first:
                missing[s] = tuple(m for m in period if m not in set(have))
        return PeriodCoverage(first, last, sources, loaded, missing, what, uncovered)

    def loaded_text(self, sources: Iterable[str] | None = None) -> str:
        """ "2018-10 to 2018-12 (police-uk); 2024-11 to 2026-10 (synthetic-demo)"."""
        chosen = self.sources if sources is None else tuple(sources)
        parts = [f"{month_ranges(self.months[s])} ({s})" for s in chosen if self.months.get(s)]
        return "; ".join(parts) if parts else "no months"

    def summary(self, themes: ThemeMap) -> dict:
        """Plain data for ``socmap summary``: per source and per theme, months and ranges."""
        by_source = {}
        for s in self.sources:
            by_source[s] = {
                "months": [month_str(m) for m in self.months[s]],
                "ranges": month_ranges(self.months[s]),
                "categories": sorted(self.delivered.get(s, ())),
                "themes": [t.key for t in themes.themes if s in self.theme_sources(t.key, themes)],
                # Months with data but far fewer records than the source's reference month:
                # likely incomplete (every view that counts or compares them says so).
                "thin": [
                    {"month": month_str(t.month), "text": t.text}
                    for t in self.thin_months([s], None, None)
                ],
            }
        by_theme = {}
        for t in themes.themes:
            sources = self.theme_sources(t.key, themes)
            months = sorted({m for s in sources for m in self.months.get(s, ())})
            by_theme[t.key] = {
                "label": t.label,
                "sources": list(sources),
                "months": [month_str(m) for m in months],
                "ranges": month_ranges(months) if months else "no data",
                "gaps": _gaps(months),
            }
        return {"sources": by_source, "themes": by_theme}


def _gaps(months: list[date]) -> str:
    """Months missing between a theme's first and last month with data."""
    if not months:
        return "none"
    have = set(months)
    missing = [m for m in months_of(months[0], months[-1]) if m not in have]
    return month_ranges(missing)


def _categories(filters: Filters, themes: ThemeMap) -> tuple[str, ...] | None:
    """The filters' categories (None: every category); restricted ones left out."""
    if not (filters.categories or filters.themes):
        return None
    chosen = filters.category_set(themes)
    return tuple(c for c in chosen if c not in filters.exclude_categories)


def describe(filters: Filters, themes: ThemeMap) -> str:
    """The filters' themes and categories in words: "knife crime and county lines"."""
    words = [themes.theme(t).label.lower() for t in filters.themes]
    words += list(filters.categories)
    if not words:
        return "any category"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def read_coverage(store: Store, *, without: frozenset[str] = frozenset()) -> Coverage:
    """The coverage of everything stored (one grouped query), or of everything but the
    categories ``without``: what the public may be told, where those are restricted (a
    month a source holds only restricted records in is not a month with data for it)."""
    if not store.exists():
        return Coverage()
    rows = source_category_months(store)
    months: dict[str, set[date]] = {}
    delivered: dict[str, set[str]] = {}
    volumes: dict[str, dict[date, int]] = {}
    for source, category, month, n in rows:
        if category in without:
            continue
        months.setdefault(source, set()).add(month)
        by_month = volumes.setdefault(source, {})
        by_month[month] = by_month.get(month, 0) + int(n)
        delivered.setdefault(source, set()).add(category)
    return Coverage(
        {s: tuple(sorted(m)) for s, m in months.items()},
        {s: frozenset(c) for s, c in delivered.items()},
        {s: dict(sorted(v.items())) for s, v in volumes.items()},
    )
