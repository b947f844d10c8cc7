"""The plain values geo.context returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class UserLayer:
    """A roads or rivers file a user supplies (GeoJSON, GeoPackage or Shapefile, any CRS),
    e.g. OS Open Roads or an OpenStreetMap extract. ``attribution`` is printed on maps that
    draw it (default: found from the file's fields, OS or OpenStreetMap)."""

    path: Path
    layer: str | None = None
    attribution: str | None = None


@dataclass(frozen=True)
class ContextSet:
    """One loaded file: what it is, where it came from, and what socmap uses it for."""

    name: str
    kind: str
    title: str
    publisher: str
    source: str
    licence: str
    vintage: str
    attribution: str
    used_for: str
    note: str
    file: str
    checksum: str
    rows: int
    origin: str  # folder | user
    loaded_at: datetime

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["loaded_at"] = self.loaded_at.isoformat()
        return out


@dataclass
class ContextReport:
    """What a load or removal did."""

    loaded: dict[str, int] = field(default_factory=dict)  # set name -> rows
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # skipped files, repairs, coverage
    unchanged: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PlaceMatch:
    """A search result. ``kind`` is city, town, village, suburb, hamlet, other (a populated
    place), postcode, postcode_sector or postcode_district. ``district_code`` and
    ``division_code`` are the loaded areas holding the point (``division_code`` is None in
    Medway, which has no divisions, or where no divisions are loaded); ``division_match``
    says how it was found: "inside", or "nearest" for a point just off the generalised
    outline (a harbour postcode), within 500 m of it."""

    name: str
    kind: str
    latitude: float
    longitude: float
    district_code: str | None
    division_code: str | None
    division_match: str | None
    match: str  # exact | prefix | word | fuzzy
    score: float
    size_rank: int | None = None  # places: 1 city ... 6 other settlement
    detail: str = ""  # "Town in Medway", "postcode (Code-Point Open 2025.4)"
    vintage: str | None = None  # postcodes: the Code-Point Open release it was found in

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AreaPopulation:
    """Residents of an area. A division's figure is apportioned from LSOAs (``rule`` says
    how) and so is not a whole number."""

    level: str
    code: str
    persons: float
    year: int
    ages: str  # "all ages", "10-24", "90 and over"
    rule: str  # how LSOAs were summed or apportioned
    lsoas: int  # LSOAs contributing
    source: str  # the population set's vintage

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Basemap:
    """Basemap layers for a box, bottom to top, each a GeoJSON FeatureCollection, with the
    attribution for the layers that have features and the notes a map must print."""

    level: str
    bbox: tuple[float, float, float, float]
    layers: dict[str, dict[str, Any]]
    attribution: str
    notes: tuple[str, ...]
