"""The view state: everything a shared link must restore, and its URL query string.

The URL is the source of truth: a view can be bookmarked, shared and reloaded. Parsing is
forgiving (a value that does not make sense is dropped, never an error page) and strict about
what reaches a query (codes must look like ONS codes, measures come from a fixed list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import parse_qs, urlencode

from geo.errors import SocmapError
from geo.filters import Filters, month_str, parse_month
from geo.grid import MIN_RES, cell_resolution, str_to_cell

MEASURES = ("count", "hotspots", "change", "emerging")
LAYERS = ("lines", "ports", "imd", "places")
# Hexagon resolution by level when the user has not chosen one.
AUTO_RES = {"county": 7, "district": 8, "division": 9}
_CODE = re.compile(r"^[A-Z][0-9A-Z]{8}$")
_NAME = re.compile(r"^[\w .,'()&/-]{1,80}$")


@dataclass(frozen=True)
class ViewState:
    district: str | None = None
    division: str | None = None
    cell: str | None = None
    # None: the default (every SOC theme); (): explicitly none ("theme=none" in the URL).
    themes: tuple[str, ...] | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    month_from: date | None = None
    month_to: date | None = None
    measure: str = "count"
    res: int | None = None
    layers: tuple[str, ...] = ()
    # A place found by "Go to an area" (a town, village or postcode), marked on the map:
    # (latitude, longitude, name). Moving to another area lets it go.
    mark: tuple[float, float, str] | None = None

    @property
    def level(self) -> str:
        if self.division:
            return "division"
        if self.district:
            return "district"
        return "county"

    @property
    def area_code(self) -> str | None:
        return self.division or self.district

    def resolution(self, max_res: int = 10) -> int:
        """The hexagon resolution: the user's choice, else the level's, capped at max_res."""
        return min(self.res or AUTO_RES[self.level], max_res)

    def filters(self) -> Filters:
        return Filters(
            categories=self.categories,
            themes=self.themes or (),
            sources=self.sources,
            month_from=self.month_from,
            month_to=self.month_to,
            district=None if self.division else self.district,
            division=self.division,
        )

    def go_to(self, level: str, code: str | None, parent: str | None = None) -> ViewState:
        """The same filters at another area: ``parent`` is a division's district."""
        if level == "county":
            return replace(self, district=None, division=None, cell=None, mark=None)
        if level == "district":
            return replace(self, district=code, division=None, cell=None, mark=None)
        return replace(self, district=parent or self.district, division=code, cell=None, mark=None)

    def to_query(self) -> str:
        pairs: list[tuple[str, str]] = []
        for key, value in (("d", self.district), ("v", self.division), ("cell", self.cell)):
            if value:
                pairs.append((key, value))
        if self.themes is not None:
            pairs += [("theme", t) for t in self.themes] or [("theme", "none")]
        pairs += [("cat", c) for c in self.categories]
        pairs += [("src", s) for s in self.sources]
        if self.month_from:
            pairs.append(("from", month_str(self.month_from)))
        if self.month_to:
            pairs.append(("to", month_str(self.month_to)))
        if self.measure != "count":
            pairs.append(("m", self.measure))
        if self.res:
            pairs.append(("res", str(self.res)))
        pairs += [("layer", layer) for layer in self.layers]
        if self.mark:
            pairs += [("at", f"{self.mark[0]:.5f},{self.mark[1]:.5f}"), ("place", self.mark[2])]
        return "?" + urlencode(pairs) if pairs else ""

    @classmethod
    def from_query(cls, query: str | None) -> ViewState:
        """Parse a query string; anything malformed is left at its default."""
        q = parse_qs((query or "").lstrip("?"), keep_blank_values=False)

        def first(key: str) -> str | None:
            values = q.get(key)
            return values[0] if values else None

        division = _code(first("v"))
        return cls(
            district=_code(first("d")),
            division=division,
            cell=_cell(first("cell")),
            themes=_themes(q.get("theme")),
            categories=_names(q.get("cat", [])),
            sources=_names(q.get("src", [])),
            month_from=_month(first("from")),
            month_to=_month(first("to")),
            measure=first("m") if first("m") in MEASURES else "count",
            res=_res(first("res")),
            layers=tuple(x for x in q.get("layer", []) if x in LAYERS),
            mark=_mark(first("at"), first("place")),
        )._consistent()

    def _consistent(self) -> ViewState:
        state = self
        if state.month_from and state.month_to and state.month_from > state.month_to:
            state = replace(state, month_from=state.month_to, month_to=state.month_from)
        return state


def _code(value: str | None) -> str | None:
    return value if value and _CODE.match(value) else None


def _cell(value: str | None) -> str | None:
    """A hexagon id the dashboard can show (resolution 5 to 10), else None."""
    if not value:
        return None
    try:
        cell = str_to_cell(value)
    except ValueError:
        return None
    return value.strip().lower() if cell_resolution(cell) >= MIN_RES else None


def _themes(values: list[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    if values == ["none"]:
        return ()
    return _names(values) or None


def _names(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if _NAME.match(v)))


def _month(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parse_month(value)
    except SocmapError:
        return None


def _mark(at: str | None, name: str | None) -> tuple[float, float, str] | None:
    """A marked place: a point near Kent and Medway and a name, else None."""
    if not at or not name or not _NAME.match(name):
        return None
    try:
        lat, lon = (float(v) for v in at.split(","))
    except ValueError:
        return None
    if not (50.5 <= lat <= 51.9 and -0.6 <= lon <= 1.8):
        return None
    return (round(lat, 5), round(lon, 5), name)


def _res(value: str | None) -> int | None:
    if value and value.isdigit() and 5 <= int(value) <= 10:
        return int(value)
    return None
