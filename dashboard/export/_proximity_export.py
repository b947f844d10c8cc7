"""Incidents near vulnerable places as an export (CSV): for each school and care location of
the loaded registers open during the period, the incidents of the view's filters within a
chosen distance, ranked, the nearest one, and the Gi* hot spot holding the place
(:func:`geo.areas.places_near_incidents`, docs/rates.md).

Part 2 only. Exact counts beside a named school are the very figures suppression withholds
(a count of 1 near a pupil referral unit names an incident), so a public request is refused
with one line and nothing is written or recorded. Audited like every export.
"""

from __future__ import annotations

import csv
import io

from dashboard.export import _meta
from dashboard.export._context import pinned
from dashboard.export._layers import spreadsheet_safe
from dashboard.export._map_export import MIME, Export
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.labels import area_name, area_title, selection_text
from dashboard.views.loaded import period_heading, view_coverage
from dashboard.views.public import resolve_view
from geo.disclosure import Audience
from geo.errors import InputError, NoDataError

REFUSED = (
    "incidents near named schools and care locations are Part 2 (exempt) only: exact counts "
    "beside a named place are what Part 1 suppression withholds; ask with --audience "
    "restricted"
)


def export_proximity(
    ctx: AppContext,
    state: ViewState,
    audience: Audience,
    *,
    within: float,
    registers: tuple[str, ...] = (),
    method: str = "bng",
    hotspot_res: int | None = 8,
    user: str,
    client: str,
) -> Export:
    """The ranked table as CSV (header on line 1, notes as rows at the end, every row
    marked); refused for the public audience."""
    if audience is not Audience.RESTRICTED:
        raise InputError("proximity export", REFUSED)
    from geo.areas import PROXIMITY_COLUMNS, places_near_incidents  # noqa: PLC0415

    ctx = pinned(ctx)
    state = resolve_view(ctx, state, audience)
    cov = view_coverage(ctx, state, audience)
    if cov.empty:
        raise NoDataError("no data loaded for the period asked: no proximity table")
    result = places_near_incidents(
        ctx.store, state.filters(), ctx.themes, within=within, registers=registers,
        method=method, hotspot_res=hotspot_res,
    )  # fmt: skip
    measured = "British National Grid" if result.method == "bng" else "geodesic, WGS84"
    title = (
        f"{selection_text(ctx, state, audience)}: incidents within {result.within:g} m of "
        f"schools and care locations, {area_title(ctx, state)}, "
        f"{period_heading(ctx, state, audience)}"
    )
    info = _meta.new_info(
        ctx, state, audience, kind="proximity", fmt="csv", title=title, user=user,
        client=client,
    )  # fmt: skip
    notes = [
        info.marking,
        title,
        f"Export {info.reference}; data version {info.data_version}; produced "
        f"{info.produced_at}",
        f"Distances measured on the {measured}; {result.total_incidents:,} incidents in the "
        "area over the period. police.uk points are anonymised to map points: distances are "
        "good to about the length of a street.",
        *(
            [f"hot_spot: the Gi* class (false discovery rate) of the resolution-{result.res} "
             "hexagon holding the place; empty where it is not a hot spot."]
            if result.res else []
        ),
        *result.notes,
    ]  # fmt: skip
    data = _csv(result.places, [*PROXIMITY_COLUMNS, "marking"], notes, info.marking)
    _meta.record(ctx, info, data)
    name = _meta.filename(info, area_name(ctx, state.level, state.area_code), "csv")
    return Export(data, name, MIME["csv"], info)


def _csv(places, columns: list[str], notes: list[str], marking: str) -> bytes:
    """Numbers at full precision (``repr`` of the float), text made spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in places.assign(marking=marking).reindex(columns=columns).itertuples(index=False):
        writer.writerow([spreadsheet_safe(_plain(v)) for v in row])
    for line in notes:
        writer.writerow([spreadsheet_safe(line if c == "name" else marking if c == "marking"
                                          else "note" if c == "register" else None)
                         for c in columns])  # fmt: skip
    return out.getvalue().encode("utf-8-sig")


def _plain(value: object) -> object:
    """numpy and pandas scalars as Python values; missing as None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    try:
        if value != value:  # noqa: PLR0124 - NaN and pandas.NA
            return None
    except TypeError:  # pandas.NA compares to NA, which has no truth value
        return None
    return value
