"""The two register layouts socmap reads, row by row: each row becomes a place or a reason.

**Schools**: DfE "Get Information About Schools" (GIAS), "all establishment data" CSV
(``edubasealldata<YYYYMMDD>.csv``), with its column names: ``URN``, ``EstablishmentName``,
``TypeOfEstablishment (name)``, ``EstablishmentStatus (name)``, ``LA (code)``, ``LA (name)``,
``Postcode``, ``Easting``, ``Northing`` (British National Grid, metres), ``OpenDate``,
``CloseDate`` (dd-mm-yyyy). Pupil referral units (``Pupil referral unit``) and alternative
provision (``Academy alternative provision converter``, ``... sponsor led``, ``Free schools
alternative provision``) are marked ``pru_or_ap``.

**Care locations**: CQC's care directory with filters ("HSCA Active Locations", saved as CSV)
with its column names: ``Location ID``, ``Location Name``, ``Care home?`` (Y/N),
``Location Local Authority``, ``Location Latitude``, ``Location Longitude``,
``Location Postal Code`` (or ``Location Post Code``), and optionally ``Location Type/Sector``,
``Dormant (Y/N)``, ``Location HSCA start date`` (dd/mm/yyyy) and ``Service user band -
Children 0-18 years`` (Y where the location serves children).

Column names are matched ignoring case and surrounding spaces. Extra columns are ignored.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

REGISTERS = ("schools", "care")
PRU = "Pupil referral unit"
_AP = re.compile(r"alternative provision", re.IGNORECASE)
_URN = re.compile(r"^\d{5,7}$")
_CQC_ID = re.compile(r"^1-\d{5,12}$")
_DATE = (
    re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$"),  # dd-mm-yyyy, dd/mm/yyyy
    re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),  # ISO
)
# British National Grid: Great Britain lies within these (metres).
_EASTING = (0.0, 700_000.0)
_NORTHING = (0.0, 1_300_000.0)


@dataclass(frozen=True)
class Layout:
    register: str
    title: str
    publisher: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    aliases: dict[str, str]  # another spelling -> the name used here


LAYOUTS = {
    "schools": Layout(
        "schools",
        "DfE Get Information About Schools: all establishment data",
        "Department for Education (Open Government Licence v3.0)",
        (
            "URN",
            "EstablishmentName",
            "TypeOfEstablishment (name)",
            "EstablishmentStatus (name)",
            "LA (code)",
            "Postcode",
            "Easting",
            "Northing",
        ),
        ("LA (name)", "OpenDate", "CloseDate"),
        {},
    ),
    "care": Layout(
        "care",
        "CQC care directory with filters (HSCA Active Locations)",
        "Care Quality Commission (Open Government Licence v3.0)",
        (
            "Location ID",
            "Location Name",
            "Care home?",
            "Location Local Authority",
            "Location Latitude",
            "Location Longitude",
            "Location Postal Code",
        ),
        (
            "Location Type/Sector",
            "Dormant (Y/N)",
            "Location HSCA start date",
            "Service user band - Children 0-18 years",
        ),
        {"location post code": "Location Postal Code", "care home": "Care home?"},
    ),
}


@dataclass
class Place:
    """One register row, checked: a place to load (its point may still come from the
    postcode, and it must still lie in a loaded district)."""

    place_id: str
    name: str
    kind: str  # school | pupil_referral_unit | alternative_provision | care_home | care_location
    type: str
    status: str
    pru_or_ap: bool
    care_home: bool
    children: bool
    postcode: str
    local_authority: str
    open_date: date | None
    close_date: date | None
    x: float | None  # easting (schools) or longitude (care); None: from the postcode
    y: float | None
    bng: bool  # x, y are British National Grid metres


class RowError(ValueError):
    """A row that cannot be loaded; its message is the quarantine reason."""


def header_map(header: list[str], layout: Layout) -> tuple[dict[str, int], list[str]]:
    """Column positions by the layout's names, and the required columns missing."""
    wanted = {c.lower(): c for c in (*layout.required, *layout.optional)}
    wanted.update(layout.aliases)
    found: dict[str, int] = {}
    for i, name in enumerate(header):
        key = name.strip().lower()
        if key in wanted and wanted[key] not in found:
            found[wanted[key]] = i
    return found, [c for c in layout.required if c not in found]


def school(get) -> Place:
    urn = get("URN")
    if not _URN.match(urn):
        raise RowError(f"URN {urn!r} is not a DfE unique reference number (5 to 7 digits)")
    name = _required(get, "EstablishmentName")
    kind_name = _required(get, "TypeOfEstablishment (name)")
    kind = (
        "pupil_referral_unit"
        if kind_name.lower() == PRU.lower()
        else "alternative_provision"
        if _AP.search(kind_name)
        else "school"
    )
    easting, northing = _number(get, "Easting"), _number(get, "Northing")
    if (easting is None) != (northing is None):
        raise RowError("Easting and Northing: one is blank and the other is not")
    if easting is not None and not (
        _EASTING[0] < easting < _EASTING[1] and _NORTHING[0] < northing < _NORTHING[1]
    ):
        raise RowError(f"Easting {easting:g}, Northing {northing:g} is not in Great Britain")
    return Place(
        urn, name, kind, kind_name, get("EstablishmentStatus (name)"), kind != "school",
        False, True, get("Postcode").upper(), get("LA (code)"),
        _date(get, "OpenDate"), _date(get, "CloseDate"), easting, northing, True,
    )  # fmt: skip


def care_location(get) -> Place:
    ident = get("Location ID")
    if not _CQC_ID.match(ident):
        raise RowError(f"Location ID {ident!r} is not a CQC location id (1- and digits)")
    name = _required(get, "Location Name")
    care_home = _yes_no(get, "Care home?", blank=False)
    lat, lon = _number(get, "Location Latitude"), _number(get, "Location Longitude")
    if (lat is None) != (lon is None):
        raise RowError("Location Latitude and Location Longitude: one is blank")
    if lat is not None:
        if 49 <= lon <= 61 and -9 <= lat <= 2:
            raise RowError(f"latitude {lat:g} and longitude {lon:g} look swapped")
        if not (49 <= lat <= 61 and -9 <= lon <= 2):
            raise RowError(f"latitude {lat:g}, longitude {lon:g} is not in Great Britain")
    dormant = _yes_no(get, "Dormant (Y/N)", blank=True)
    return Place(
        ident, name, "care_home" if care_home else "care_location",
        get("Location Type/Sector") or ("Care home" if care_home else "Care location"),
        "dormant" if dormant else "active", False, care_home,
        bool(_yes_no(get, "Service user band - Children 0-18 years", blank=True)),
        get("Location Postal Code").upper(), get("Location Local Authority"),
        _date(get, "Location HSCA start date"), None, lon, lat, False,
    )  # fmt: skip


def _required(get, column: str) -> str:
    value = get(column)
    if not value:
        raise RowError(f"{column} is blank")
    return value


def _number(get, column: str) -> float | None:
    text = get(column)
    if not text:
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise RowError(f"{column} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise RowError(f"{column} {text!r} is not a number")
    return value


def _yes_no(get, column: str, *, blank: bool) -> bool | None:
    text = get(column).upper()
    if text in ("Y", "YES"):
        return True
    if text in ("N", "NO") or (blank and text == ""):
        return False if text else None
    raise RowError(f"{column} {get(column)!r} is not Y or N")


def _date(get, column: str) -> date | None:
    text = get(column)
    if not text:
        return None
    for i, pattern in enumerate(_DATE):
        found = pattern.match(text)
        if found:
            a, b, c = (int(v) for v in found.groups())
            try:
                return date(c, b, a) if i == 0 else date(a, b, c)
            except ValueError:
                break
    raise RowError(f"{column} {text!r} is not a date (dd-mm-yyyy)")


READERS = {"schools": school, "care": care_location}
