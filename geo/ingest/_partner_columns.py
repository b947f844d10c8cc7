"""Which column of a partner file means what: forgiving header names and category names.

Headers are compared by :func:`geo.gazetteer.name_key` (case, spaces, hyphens and underscores
do not matter), against the names below, best first. A column that fills no role is kept in
the incident's ``attributes``. Files never reach SQL by their own column names: every column
is renamed ``c0``, ``c1``, ... and the roles point at those names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geo.areas import name_key
from geo.errors import InputError

# role -> accepted header names (name_key form), best first. The lists are disjoint.
ROLES: dict[str, tuple[str, ...]] = {
    "incident_id": (
        "incident id", "id", "incident", "incidentid", "incident ref", "incident reference",
        "reference", "ref", "record id", "crime id", "crime reference", "crime ref",
        "occurrence id", "urn",
    ),
    "category": (
        "category", "theme", "soc theme", "soc category", "type", "incident type",
        "crime type", "offence type",
    ),
    "subcategory": (
        "subcategory", "sub category", "subtype", "sub type", "offence", "classification",
    ),
    "date": (
        "date", "incident date", "event date", "date occurred", "occurred", "occurred on",
        "offence date", "date recorded", "recorded date", "month", "period",
    ),
    "latitude": ("latitude", "lat", "latitude wgs84", "wgs84 latitude", "lat wgs84"),
    "longitude": (
        "longitude", "lon", "lng", "long", "longitude wgs84", "wgs84 longitude", "lon wgs84",
    ),
    "easting": ("easting", "eastings", "bng easting", "os easting", "grid easting"),
    "northing": ("northing", "northings", "bng northing", "os northing", "grid northing"),
    "x": ("x", "x coordinate", "xcoord", "point x"),
    "y": ("y", "y coordinate", "ycoord", "point y"),
    "source": ("source", "data source", "supplier", "organisation", "organization", "agency"),
    "location": ("location", "location description", "place", "address", "street"),
    "lsoa_code": ("lsoa code", "lsoa", "lsoa11cd", "lsoa21cd"),
    "outcome": ("outcome", "last outcome", "last outcome category", "status"),
    "reported_by": ("reported by", "force", "recorded by"),
    "origin": (
        "origin", "origin area", "origin borough", "home area", "line origin", "from",
    ),
    "origin_code": ("origin code", "origin ons code", "origin gss code"),
    "origin_latitude": ("origin latitude", "origin lat"),
    "origin_longitude": ("origin longitude", "origin lon", "origin lng", "origin long"),
    "destination": (
        "destination", "destination town", "destination area", "target town", "to",
        "supplied area",
    ),
    "line_name": ("line name", "line", "deal line", "deal line name"),
    "port": ("port", "port id", "port name", "port of entry", "locode", "unlocode", "un locode"),
}  # fmt: skip

REQUIRED = ("incident_id", "category", "date")
_PAIRS = (("latitude", "longitude"), ("easting", "northing"), ("x", "y"))

# Partner category -> accepted names (name_key form). A category not listed is quarantined.
CATEGORY_NAMES: dict[str, tuple[str, ...]] = {
    "knife_crime": (
        "knife crime", "knife crimes", "knifecrime", "knife", "knives", "knife enabled crime",
        "knife offence", "knife offences", "knife crime offence", "knife or sharp instrument",
        "knife sharp instrument", "knife and sharp instrument",
    ),
    "modern_slavery": (
        "modern slavery", "modernslavery", "slavery", "modern slavery investigation",
        "modern slavery and human trafficking", "modern slavery human trafficking",
        "human trafficking", "trafficking", "msht",
    ),
    "county_lines": (
        "county lines", "county line", "countylines", "county lines link", "county line link",
        "deal line", "drug line", "drugs line",
    ),
    "port_event": (
        "port event", "port events", "portevent", "port", "port of entry",
        "port of entry event", "port of entry events", "border event", "port incident",
    ),
}  # fmt: skip

# Keys socmap itself writes into attributes; a file column with one of these names is renamed.
RESERVED_ATTRIBUTES = (
    "location_from", "origin_from", "category_given", "port_given", "date_given",
    "easting", "northing", "x", "y",
)  # fmt: skip


@dataclass(frozen=True)
class ColumnMap:
    """A file's columns: internal names in file order, and what each one is for."""

    headers: tuple[str, ...]
    names: tuple[str, ...]  # c0, c1, ...
    roles: dict[str, str]  # role -> internal name
    extras: tuple[tuple[str, str], ...]  # (attribute key, internal name)

    def has(self, role: str) -> bool:
        return role in self.roles


def map_columns(
    file: str | Path, headers: tuple[str, ...], *, source_given: bool, geometry: bool = False
) -> ColumnMap:
    """Match a header to roles; refuse a file that lacks what every row needs."""
    names = tuple(f"c{i}" for i in range(len(headers)))
    keys = [name_key(h) for h in headers]
    roles: dict[str, str] = {}
    for role, accepted in ROLES.items():
        if role == "source" and source_given:
            continue  # --source wins; the column is kept as an attribute
        ranked = [(accepted.index(k), i) for i, k in enumerate(keys) if k in accepted]
        if ranked:
            roles[role] = names[min(ranked)[1]]
    _check_usable(file, headers, roles, geometry)
    used = set(roles.values())
    extras = _attribute_keys([(h, n) for h, n in zip(headers, names, strict=True) if n not in used])
    return ColumnMap(headers, names, roles, extras)


def _check_usable(
    file: str | Path, headers: tuple[str, ...], roles: dict[str, str], geometry: bool
) -> None:
    _refuse_other_separators(file, headers)
    missing = [r for r in REQUIRED if r not in roles]
    if missing:
        raise InputError(
            file,
            "no usable columns: missing required column(s) " + ", ".join(missing)
            + "; the header has: " + ", ".join(repr(h) for h in headers[:20]),
            row=1,
        )  # fmt: skip
    for a, b in _PAIRS:
        if (a in roles) != (b in roles):
            have, lack = (a, b) if a in roles else (b, a)
            raise InputError(file, f"has a {have} column but no {lack} column", row=1)
    located = geometry or any(a in roles for a, _ in _PAIRS)
    if not (located or "destination" in roles or "port" in roles):
        raise InputError(
            file,
            "no location columns: expected latitude and longitude, or easting and northing "
            "(or destination for county lines, port for port events); the header has: "
            + ", ".join(repr(h) for h in headers[:20]),
            row=1,
        )


def _refuse_other_separators(file: str | Path, headers: tuple[str, ...]) -> None:
    if len(headers) != 1:
        return
    for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
        if sep in headers[0]:
            raise InputError(
                file,
                f"the header is one column separated by {label}, not commas: save the file "
                "as comma-separated CSV (UTF-8)",
                row=1,
            )


def _attribute_keys(columns: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Unique, non-blank attribute names for the extra columns."""
    taken = set(RESERVED_ATTRIBUTES)
    out = []
    for header, name in columns:
        base = header.strip() or f"column {int(name[1:]) + 1}"
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base} ({n})"
        taken.add(key)
        out.append((key, name))
    return tuple(out)
