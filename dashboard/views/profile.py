"""What a view's incidents are made of: counts by category, source and month, one query.

The panel's totals by theme and its monthly trend, and the map's notes on sources and proxies,
all need small breakdowns of the same filtered incidents. Asked separately that was five
scans of the table per filter change, in two worker processes; here it is one grouped query
per filter (the restricted categories' exclusion is applied afterwards, so the public and the
full filter share it), computed once for all workers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from dashboard.views.context import AppContext
from geo.filters import Filters
from geo.store.queries.counts import breakdown


@dataclass(frozen=True)
class Profile:
    rows: tuple[tuple[str, str, date, bool, int], ...]  # category, source, month, located, n

    def located_by(self, key: str, exclude: tuple[str, ...] = ()) -> dict:
        """Counts of incidents with a location by ``"category"`` or ``"month"``."""
        at = {"category": 0, "month": 2}[key]
        out: dict = {}
        for row in self.rows:
            if row[3] and row[0] not in exclude:
                out[row[at]] = out.get(row[at], 0) + row[4]
        return out

    def sources(self) -> list[str]:
        return sorted({r[1] for r in self.rows})

    def categories(self) -> list[str]:
        return sorted({r[0] for r in self.rows})


def profile(ctx: AppContext, filters: Filters) -> Profile:
    base = replace(filters, exclude_categories=())

    return ctx.shared(
        ("profile", base), lambda: Profile(tuple(breakdown(ctx.store, base, ctx.themes)))
    )
