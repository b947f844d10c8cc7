"""What the store holds: per source, category, month and area, loaded / unmapped /
quarantined. ``rows_read`` is what those add up to, so it equals the rows of every file
loaded (less the rows later replaced by a corrected edition). ``coverage`` says which sources
have data for which months and which themes each can report (:mod:`geo.store._coverage`): a month or
theme no source covers is missing data, not zero. ``context`` lists the open context data
loaded (basemap, places, postcodes, population, deprivation) with their vintages."""

from __future__ import annotations

from typing import Any

from geo.context import attribution, context_summary
from geo.filters import month_str
from geo.store._coverage import read_coverage
from geo.store._file import Store
from geo.store.queries import batches as accounts
from geo.themes import ThemeMap

_UNKNOWN = "(unknown)"


def summarize(store: Store, themes: ThemeMap) -> dict[str, Any]:
    """The summary as plain data (JSON-ready)."""
    out: dict[str, Any] = {"store": str(store.path), "data_version": store.data_version()}
    loaded, unmapped, quarantined = accounts.totals(store)
    out.update(
        rows_read=loaded + unmapped + quarantined,
        loaded=loaded,
        unmapped=unmapped,
        quarantined=quarantined,
    )
    for name in ("source", "category", "month"):
        out[f"by_{name}"] = _grouped(store, name)
    for category, counts in out["by_category"].items():
        rule = themes.rule_for(category)
        counts["theme"] = rule.theme if rule else None
        counts["proxy"] = bool(rule and rule.proxy)
    out["by_district"] = _by_area(store, "district")
    out["by_division"] = _by_area(store, "division")
    out["outside"] = _outside(store)
    out["coverage"] = read_coverage(store).summary(themes)
    out["batches"] = _batches(store)
    # Open context data (geo.context): each set with its vintage, and the attribution maps
    # print when they draw all of it.
    out["context"] = {"sets": context_summary(store), "attribution": attribution(store)}
    return out


def _grouped(store: Store, name: str) -> dict[str, dict[str, int]]:
    result = {}
    for k, loaded, unmapped, quarantined in accounts.totals_by(store, name):
        label = _UNKNOWN if k is None else (month_str(k) if name == "month" else str(k))
        result[label] = {
            "loaded": int(loaded),
            "unmapped": int(unmapped),
            "quarantined": int(quarantined),
        }
    return result


def _by_area(store: Store, level: str) -> dict[str, dict[str, Any]]:
    """Mapped incidents per area, keyed by ONS code; every loaded area, even with none."""
    out: dict[str, dict[str, Any]] = {}
    for code, name, parent, n in accounts.loaded_by_area(store, level):
        out[code] = {"name": name, "loaded": int(n)}
        if level == "division":
            out[code]["district"] = parent
    return out


def _outside(store: Store) -> int | None:
    """Mapped incidents in no district (None until district boundaries are loaded)."""
    if not accounts.area_count(store, "district"):
        return None
    return accounts.located_outside(store)


def _batches(store: Store) -> list[dict[str, Any]]:
    rows = accounts.batches(store)
    for r in rows:
        r["loaded_at"] = r["loaded_at"].isoformat()
    return rows
