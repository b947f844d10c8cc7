"""What the store holds: per source, category, month and area, loaded / unmapped /
quarantined. ``rows_read`` is what those add up to, so it equals the rows of every file
loaded (less the rows later replaced by a corrected edition). ``coverage`` says which sources
have data for which months and which themes each can report (:mod:`geo.store._coverage`): a month or
theme no source covers is missing data, not zero. ``context`` lists the open context data
loaded (basemap, places, postcodes, population, deprivation) with their vintages."""

from __future__ import annotations

from typing import Any

from geo.filters import month_str
from geo.store._coverage import read_coverage
from geo.store._file import Store
from geo.store.queries import batches as accounts
from geo.themes import ThemeMap

_UNKNOWN = "(unknown)"


def summarize(store: Store, themes: ThemeMap) -> dict[str, Any]:
    """The summary as plain data (JSON-ready)."""
    where = getattr(store, "location", None) or str(store.path)  # a ClickHouse store: its URL
    out: dict[str, Any] = {"store": where, "data_version": store.data_version()}
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
    # Imported here: geo.context loads pandas, and every command of socmap's parser imports
    # this module (socmap export map started a quarter-second slower for it).
    from geo.context import attribution, context_summary  # noqa: PLC0415

    out["context"] = {"sets": context_summary(store), "attribution": attribution(store)}
    out["registers"] = _registers(store)
    return out


def _registers(store: Store) -> list[dict[str, object]]:
    """The registers of vulnerable places loaded (DfE GIAS schools, CQC care locations):
    each with its file's vintage, when it was loaded, its accounting and its places by kind
    (`socmap registers list` has the detail)."""
    from geo.store.queries.rates import register_batches, register_places  # noqa: PLC0415

    batches = register_batches(store)
    if batches.empty:
        return []
    places = register_places(store)
    out = []
    for b in batches.itertuples():
        mine = places[places["register"] == b.register]
        out.append(
            {
                "register": b.register,
                "layout": b.layout,
                "publisher": b.publisher,
                "vintage": b.vintage,
                "file": b.file,
                "loaded_at": b.loaded_at.isoformat(),
                "rows_read": int(b.rows_read),
                "loaded": int(b.loaded),
                "outside": int(b.outside),
                "quarantined": int(b.quarantined),
                "by_kind": {str(k): int(n) for k, n in mine.groupby("kind").size().items()},
            }
        )
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
