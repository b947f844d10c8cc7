"""What a map shows, independent of how it is drawn.

The dashboard draws a :class:`MapModel` with MapLibre (``figures.map_figure``); exports draw
the same model on paper (``dashboard.export``). Everything a reader needs is in the model:
title, period, legend, sources, the security marking, and the notes on approximate boundaries,
proxies, synthetic data and disclosure rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashboard.views.basemap import MapBase
    from dashboard.views.deprivation_layer import DeprivationLayer
    from dashboard.views.places_layer import RegisterLayer


@dataclass(frozen=True)
class Feature:
    """One hexagon piece: a cell within one area (division, or district without divisions)."""

    key: str  # "cell|area", unique on the map
    cell: str  # 15-character H3 id
    area: str | None  # the division (or district) this piece lies in
    district: str | None
    geometry: dict  # GeoJSON Polygon or MultiPolygon, WGS84
    klass: str  # legend class key
    value: float | None  # the measure's number, None where withheld
    label: str  # the number as shown ("12", "fewer than 5", "+40%")
    hover: str  # hover card text (HTML line breaks allowed)


@dataclass(frozen=True)
class LegendItem:
    key: str
    label: str
    colour: str
    # The second cue beside colour (palette.LegendClass): outline width on screen, fill
    # pattern on paper, each with its words for the legend.
    outline: float | None = None
    screen_cue: str = ""
    hatch: str | None = None
    paper_cue: str = ""


@dataclass(frozen=True)
class Outline:
    """Boundary lines: ``coords`` are (lon, lat) line strings."""

    level: str  # county | district | division | context
    coords: tuple[tuple[tuple[float, float], ...], ...]
    width: float
    colour: str
    name: str


@dataclass(frozen=True)
class Link:
    """A county line from its home area to the Kent place it supplies."""

    origin: str
    destination: str
    origin_lonlat: tuple[float, float]
    destination_lonlat: tuple[float, float]
    lines: int  # distinct lines (or records where lines are not named)
    label: str


@dataclass(frozen=True)
class PortMarker:
    name: str
    lonlat: tuple[float, float]
    events: int
    label: str
    text: str = ""  # the published number of events, as printed


@dataclass(frozen=True)
class PlaceMark:
    """A place found by search (a town, village or postcode), marked where it is."""

    name: str
    lonlat: tuple[float, float]


@dataclass(frozen=True)
class Note:
    text: str
    warn: bool = False  # approximate boundaries, synthetic data, proxies


@dataclass(frozen=True)
class MapModel:
    title: str
    subtitle: str  # area and period
    measure: str
    marking: str  # OFFICIAL (Part 1) or OFFICIAL-SENSITIVE (Part 2)
    banner: str  # the marking with its audience, for the top and bottom of the page
    features: tuple[Feature, ...]
    legend: tuple[LegendItem, ...]
    legend_title: str
    outlines: tuple[Outline, ...]
    bounds: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    notes: tuple[Note, ...]
    breadcrumb: tuple[tuple[str, str | None, str], ...]  # (level, code, name)
    links: tuple[Link, ...] = field(default=())
    ports: tuple[PortMarker, ...] = field(default=())
    resolution: int = 7
    empty_message: str | None = None  # why nothing is drawn, when nothing is
    base: MapBase | None = None  # the basemap under the hexagons (None: none loaded)
    mark: PlaceMark | None = None  # the place "Go to an area" found
    # The IMD decile overlay when chosen (layer "imd"): deciles only, no incident figure.
    deprivation: DeprivationLayer | None = None
    # Schools and care locations when chosen (layer "places"); Part 1: what the registers
    # publish only (dashboard.views.places_layer).
    places: RegisterLayer | None = None

    @property
    def ports_sized(self) -> bool:
        """Whether the port markers are sized by their events: only where these differ.
        Markers alike (the public view's, which carry no count) are all drawn small, so they
        do not hide the hexagons under them, and the key says nothing of size."""
        return len({p.events for p in self.ports}) > 1

    @property
    def ports_counted(self) -> bool:
        """Whether the port markers carry their events (Part 2) or only where ports are."""
        return any(p.text for p in self.ports)
