"""The public view's periods: fixed, non-overlapping blocks of whole months.

Two public figures for overlapping periods could be subtracted to give the months where they
differ (January to March less January to February is March, whatever March alone shows). So
the public view publishes only blocks of ``period_months`` months (1, 3, 6 or 12), aligned to
the month the reporting year starts (April by default: the financial year councils report
on). Any two blocks are then the same or disjoint, and no difference of two blocks' figures
is a figure for a shorter period.

Only blocks that have ended are published: a block whose last month is not loaded yet would
change as months are loaded, and each version could be differenced against the next. A block
that has ended may still be *partial* (a source has no data for some of its months, see
:mod:`geo.store._coverage`): it is published, drawn as partial, and never the default
(:func:`latest_complete`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from geo.filters import add_months, month_str

_HALVES = ("H1", "H2")


@dataclass(frozen=True, order=True)
class PeriodBlock:
    """One public period: ``first`` to ``last`` inclusive (first-of-month dates)."""

    first: date
    last: date
    months: int
    year_start: int

    @property
    def key(self) -> str:
        """The block's first month as ``YYYY-MM``: how a URL or a control names it."""
        return month_str(self.first)

    @property
    def label(self) -> str:
        """As a council paper writes it: "Q2 2026/27 (July to September 2026)",
        "2025/26 (April 2025 to March 2026)", or for one month "July 2026"."""
        if self.months == 1:
            return f"{self.first:%B %Y}"
        span = _span(self.first, self.last)
        year = self.reporting_year
        if self.months == 12:
            return f"{year} ({span})"
        part = (self.first.month - self.year_start) % 12 // self.months
        name = f"Q{part + 1}" if self.months == 3 else _HALVES[part]
        return f"{name} {year} ({span})"

    @property
    def reporting_year(self) -> str:
        """ "2026/27" for a year starting in April 2026; "2026" for a calendar year."""
        start = self.first.year if self.first.month >= self.year_start else self.first.year - 1
        if self.year_start == 1:
            return str(start)
        return f"{start}/{(start + 1) % 100:02d}"

    def previous(self) -> PeriodBlock:
        """The block just before this one."""
        return block_containing(add_months(self.first, -1), self.months, self.year_start)

    def contains(self, month: date) -> bool:
        return self.first <= month <= self.last


def _span(first: date, last: date) -> str:
    if first.year == last.year:
        return f"{first:%B} to {last:%B %Y}"
    return f"{first:%B %Y} to {last:%B %Y}"


def block_containing(month: date, period_months: int, year_start: int) -> PeriodBlock:
    """The block of ``period_months`` months (aligned to ``year_start``) holding ``month``."""
    offset = (month.month - year_start) % period_months
    first = add_months(date(month.year, month.month, 1), -offset)
    return PeriodBlock(first, add_months(first, period_months - 1), period_months, year_start)


def published_blocks(
    months_loaded: Iterable[date], period_months: int, year_start: int
) -> tuple[PeriodBlock, ...]:
    """The blocks the public view offers, oldest first: every block that has ended (its last
    month at or before the latest month loaded) and holds at least one loaded month.

    With no such block, the one block before the latest month's block is offered, so the
    public view always has a choice; it holds no data, and every view of it says "no data
    loaded" (never a map of zeros).
    """
    months = sorted({date(m.year, m.month, 1) for m in months_loaded})
    if not months:
        return ()
    latest = months[-1]
    blocks = {block_containing(m, period_months, year_start) for m in months}
    complete = sorted(b for b in blocks if b.last <= latest)
    if complete:
        return tuple(complete)
    return (block_containing(latest, period_months, year_start).previous(),)


def snap_to_block(month: date | None, blocks: tuple[PeriodBlock, ...]) -> PeriodBlock | None:
    """The published block for a requested end month: the block holding it when that block
    is published; else the latest published block before it; else the first one. None
    (the latest) when no month was requested."""
    if not blocks:
        return None
    if month is None:
        return blocks[-1]
    before = [b for b in blocks if b.first <= month]
    if not before:
        return blocks[0]
    return before[-1]


def latest_complete(
    blocks: tuple[PeriodBlock, ...], complete: Callable[[PeriodBlock], bool]
) -> PeriodBlock | None:
    """The latest of ``blocks`` for which ``complete(block)`` holds (None if none does): the
    public default, which is never a partial block."""
    return next((b for b in reversed(blocks) if complete(b)), None)
