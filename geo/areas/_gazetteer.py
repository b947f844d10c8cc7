"""Gazetteers: Kent and Medway places and the home areas county lines run from.

Both ship as package data (``geo/data/kent_places.csv``, ``geo/data/soc_origins.csv``),
written for socmap and marked approximate: a town is a point near its centre, a London borough
a point near its middle. They exist to put a county-lines link on the map when a partner gives
only the Kent place it supplies, and to give a line's origin a code and a point; they are not
boundaries and nothing is counted by them.

Names are matched by :func:`name_key`: case, punctuation, "&" versus "and" and repeated spaces
do not matter. The same rule runs inside DuckDB as :data:`NAME_KEY_MACRO`, so a lookup done
in SQL during ingest agrees with one done here.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pyarrow as pa

# One matching rule, in Python and as a DuckDB macro (defined on a connection before lookups).
NAME_KEY_MACRO = (
    "CREATE OR REPLACE MACRO name_key(s) AS "
    "trim(regexp_replace(replace(lower(s), '&', ' and '), '[^a-z0-9]+', ' ', 'g'))"
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def name_key(text: str) -> str:
    """The form names are compared in: lower case, words separated by single spaces."""
    return _NOT_ALNUM.sub(" ", text.lower().replace("&", " and ")).strip()


@dataclass(frozen=True)
class Place:
    """A named point. ``code`` is an ONS code (the district for a Kent town)."""

    name: str
    kind: str
    code: str
    latitude: float
    longitude: float
    aliases: tuple[str, ...] = ()
    population: int | None = None  # thousands, approximate; weights the demo data only

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def read_package_csv(name: str) -> list[dict[str, str]]:
    """Rows of a packaged CSV; lines starting with ``#`` are its provenance notes."""
    text = resources.files("geo").joinpath("data", name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def split_aliases(text: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (text or "").split(";") if a.strip())


@lru_cache(maxsize=1)
def kent_places() -> tuple[Place, ...]:
    """Kent and Medway towns (largest first), then the 13 districts as areas."""
    return tuple(
        Place(
            name=r["name"],
            kind=r["kind"],
            code=r["district_code"],
            latitude=float(r["latitude"]),
            longitude=float(r["longitude"]),
            aliases=split_aliases(r["aliases"]),
            population=int(r["population"]) if r["population"] else None,
        )
        for r in read_package_csv("kent_places.csv")
    )


@lru_cache(maxsize=1)
def origins() -> tuple[Place, ...]:
    """The 33 London boroughs and other common county-lines origins."""
    return tuple(
        Place(
            name=r["name"],
            kind=r["kind"],
            code=r["code"],
            latitude=float(r["latitude"]),
            longitude=float(r["longitude"]),
            aliases=split_aliases(r["aliases"]) + _council_names(r["name"], r["kind"]),
        )
        for r in read_package_csv("soc_origins.csv")
    )


def _council_names(name: str, kind: str) -> tuple[str, ...]:
    # Partners often write the council's formal name ("London Borough of Lewisham", "LB Brent").
    if kind != "london_borough":
        return ()
    return (f"London Borough of {name}", f"LB {name}", f"{name} Council")


def london_boroughs() -> tuple[Place, ...]:
    return tuple(p for p in origins() if p.kind == "london_borough")


def find_place(name: str, places: tuple[Place, ...]) -> Place | None:
    """The place a name means: exact names before aliases, earlier entries first."""
    key = name_key(name)
    for place in places:
        if name_key(place.name) == key:
            return place
    return next((p for p in places if any(name_key(a) == key for a in p.aliases)), None)


def places_table(places: tuple[Place, ...]) -> pa.Table:
    """Every name and alias as a row, for matching in SQL.

    ``priority`` orders the rows that share a key: names before aliases, earlier entries
    before later ones, so a town wins over the district of the same name.
    """
    term, priority, name, code, lat, lon = [], [], [], [], [], []
    for i, place in enumerate(places):
        for j, t in enumerate(place.terms):
            term.append(t)
            priority.append((1 if j else 0) * 1_000_000 + i)
            name.append(place.name)
            code.append(place.code)
            lat.append(place.latitude)
            lon.append(place.longitude)
    return pa.table(
        {
            "term": pa.array(term, pa.string()),
            "priority": pa.array(priority, pa.int64()),
            "name": pa.array(name, pa.string()),
            "code": pa.array(code, pa.string()),
            "latitude": pa.array(lat, pa.float64()),
            "longitude": pa.array(lon, pa.float64()),
        }
    )


def origin_places() -> tuple[Place, ...]:
    """Where a county line's origin is looked up: the home areas, then Kent's own towns
    (some lines are run from one Kent town into another)."""
    return origins() + tuple(p for p in kent_places() if p.kind == "town")
