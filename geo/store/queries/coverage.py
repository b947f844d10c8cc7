"""What is loaded, month by month: the facts data coverage is worked out from
(:mod:`geo.store._coverage` turns them into "no data" versus zero)."""

from __future__ import annotations

from datetime import date

from geo.store._file import Store
from geo.store.queries._run import cached_rows, rows


def months_loaded(store: Store) -> list[date]:
    """Every month that holds at least one stored incident, of any source or category, oldest
    first. A month missing here is a gap in the data, not a month without crime."""
    return [m for (m,) in rows(store, "SELECT DISTINCT month FROM incidents ORDER BY month")]


def source_category_months(store: Store) -> list[tuple[str, str, date, int]]:
    """Every (source, category, month) holding at least one incident, with how many, in no
    order.

    Kept per version of the store: the coverage is worked out from it on every request
    (periods, change, rates), and the query reads every incident (5% of a loaded server's
    time, measured with py-spy under 20 simulated users)."""
    return cached_rows(
        store,
        "SELECT source, category, month, count(*) FROM incidents WHERE month IS NOT NULL "
        "GROUP BY ALL",
    )


def month_range(store: Store) -> tuple[date | None, date | None]:
    """The first and last month with any incident (None, None for an empty store)."""
    first, last = rows(store, "SELECT min(month), max(month) FROM incidents")[0]
    return first, last


def sources_by_volume(store: Store) -> tuple[str, ...]:
    """Every source with incidents, the largest first (the order the filters offer them)."""
    sql = "SELECT source FROM incidents GROUP BY 1 ORDER BY count(*) DESC, 1"
    return tuple(s for (s,) in rows(store, sql))


def categories(store: Store) -> tuple[str, ...]:
    """Every category with incidents, in alphabetical order."""
    return tuple(c for (c,) in rows(store, "SELECT category FROM incidents GROUP BY 1 ORDER BY 1"))


_VALUE_COLUMNS = ("category", "source")


def distinct_values(store: Store, column: str) -> list[str]:
    """The distinct values stored in ``column`` ("category" or "source"), in no order."""
    if column not in _VALUE_COLUMNS:
        raise ValueError(f"column {column!r}: expected one of {', '.join(_VALUE_COLUMNS)}")
    return [v for (v,) in rows(store, f"SELECT DISTINCT {column} FROM incidents")]
