"""Schools and care locations (the loaded registers) drawn on the map: layer "places".

Which places and which words, by audience:

* **Analyst (Part 2)**: every place of the registers open at some time in the period, in the
  view's area, with its name, type, register, postcode, whether it is a pupil referral unit
  or alternative provision, and how it was located (its register's own point, or its
  postcode's centroid where the register gives none).
* **Public (Part 1)**: only what the registers themselves publish, and nothing socmap
  derives. The same open places, with the register's name and type (GIAS "type of
  establishment", CQC "location type"), the register and its vintage, at the register's own
  point. A place the register gives no point for is left off (a postcode centroid would be
  socmap's guess drawn as if published), and no count, distance or hot spot is attached to
  any place (incidents near a named place are Part 2: ``socmap export proximity``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.loaded import view_coverage
from geo.disclosure import Audience

REGISTER_WORDS = {
    "schools": "School (DfE Get Information About Schools)",
    "care": "Care location (CQC care directory)",
}
COLOURS = {"schools": "#0b4f8a", "care": "#b35806"}
SIZES = {"schools": 11, "care": 9}  # told apart by size and colour, and named on hover


@dataclass(frozen=True)
class RegisterPlace:
    register: str
    lonlat: tuple[float, float]
    name: str
    hover: str  # what the card says (HTML line breaks)


@dataclass(frozen=True)
class RegisterLayer:
    places: tuple[RegisterPlace, ...]
    sources: tuple[str, ...]  # "schools: DfE GIAS, vintage 2018-09-01", one per register
    note: str = ""  # what the layer leaves out, or why it is empty


def register_layer(ctx: AppContext, state: ViewState, audience: Audience) -> RegisterLayer:
    from geo.areas._proximity import open_during  # noqa: PLC0415 - pandas on first use
    from geo.store.queries.rates import register_batches, register_places  # noqa: PLC0415

    batches = register_batches(ctx.store)
    if batches.empty:
        return RegisterLayer((), (), "Schools and care locations: no register loaded.")
    places = register_places(ctx.store)
    cov = view_coverage(ctx, state, audience)
    first = state.month_from or (cov.first if not cov.empty else None)
    last = state.month_to or (cov.last if not cov.empty else None)
    if first is not None and last is not None:
        places = places[open_during(places, _month(first), _month(last))]
    if state.division:
        places = places[places["division"] == state.division]
    elif state.district:
        places = places[places["district"] == state.district]
    left_off = 0
    if audience is not Audience.RESTRICTED:
        own = places["located_by"] == "coordinates"
        left_off = int((~own).sum())
        places = places[own]
    sources = tuple(
        f"{REGISTER_WORDS[b.register].split(' (')[0]}s: {b.publisher}, {b.layout}, "
        f"vintage {b.vintage}"
        for b in batches.itertuples()
    )
    out = tuple(_place(r, audience) for r in places.itertuples())
    note = ""
    if left_off:
        note = (
            f"{left_off:,} places their registers give no point for are not drawn (the "
            "public map shows places only where the register itself publishes them)."
        )
    return RegisterLayer(out, sources, note)


def _month(d) -> date:
    return date(d.year, d.month, 1)


def _place(r, audience: Audience) -> RegisterPlace:
    lines = [f"<b>{_text(r.name)}</b>", _text(r.type), REGISTER_WORDS[r.register]]
    if audience is Audience.RESTRICTED:
        if r.pru_or_ap:
            lines.append("Pupil referral unit or alternative provision")
        where = "its register's point" if r.located_by == "coordinates" else "postcode centroid"
        lines.append(f"{_text(r.postcode or '')} (located by {where})".strip())
    return RegisterPlace(
        r.register, (round(float(r.longitude), 5), round(float(r.latitude), 5)), r.name,
        "<br>".join(lines),
    )  # fmt: skip


def _text(value) -> str:
    from html import escape  # noqa: PLC0415

    return escape(str(value)) if value is not None else ""
