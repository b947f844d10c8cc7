"""Small GENERATED registers in the layouts of DfE's GIAS "all establishment data" CSV and
CQC's care directory ("HSCA Active Locations") saved as CSV.

Every name, URN, location id and point here is made up (names say "GENERATED"); only the
column names and their order follow the publishers' files (the GIAS header is a subset of the
real one, in the real order, with the columns socmap does not read kept to show they are
ignored). Points are given in the units each publisher uses: British National Grid metres for
GIAS, WGS84 degrees for CQC.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pyproj import Transformer

GIAS_HEADER = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName",
    "TypeOfEstablishment (code)", "TypeOfEstablishment (name)",
    "EstablishmentTypeGroup (code)", "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (code)", "EstablishmentStatus (name)", "OpenDate", "CloseDate",
    "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge", "Street", "Town",
    "Postcode", "Easting", "Northing",
]  # fmt: skip
CQC_HEADER = [
    "Location ID", "Location HSCA start date", "Dormant (Y/N)", "Care home?", "Location Name",
    "Care homes beds", "Location Type/Sector", "Location Region", "Location Local Authority",
    "Location Street Address", "Location City", "Location Postal Code", "Location Latitude",
    "Location Longitude", "Provider ID", "Provider Name",
    "Service user band - Children 0-18 years", "Service user band - Older People",
]  # fmt: skip
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

GIAS_TYPES = {  # TypeOfEstablishment (code, name) and group, as GIAS names them
    "community": ("01", "Community school", "4", "Local authority maintained schools"),
    "academy": ("28", "Academy sponsor led", "10", "Academies"),
    "pru": ("14", "Pupil referral unit", "4", "Local authority maintained schools"),
    "ap": ("44", "Academy alternative provision converter", "10", "Academies"),
    "free_ap": ("43", "Free schools alternative provision", "11", "Free Schools"),
}


def bng(lon: float, lat: float) -> tuple[float, float]:
    e, n = _TO_BNG.transform(lon, lat)
    return round(e), round(n)


def gias_row(
    urn, name, kind, lon_lat=None, *, postcode="", status="Open", la=("886", "Kent"),
    opened="", closed="",
) -> list[str]:  # fmt: skip
    code, type_name, group_code, group = GIAS_TYPES[kind]
    easting = northing = ""
    if lon_lat is not None:
        easting, northing = (str(v) for v in bng(*lon_lat))
    status_code = {"Open": "1", "Closed": "2", "Proposed to open": "4"}.get(status, "3")
    return [
        str(urn), la[0], la[1], "2001", f"GENERATED {name}", code, type_name, group_code, group,
        status_code, status, opened, closed, "Secondary", "11", "16", "1 Made-up Street",
        "Made-up Town", postcode, easting, northing,
    ]  # fmt: skip


def cqc_row(
    ident, name, care_home, lon_lat=None, *, postcode="", la="Kent", children=False,
    started="01/04/2011", dormant="N",
) -> list[str]:  # fmt: skip
    lat = lon = ""
    if lon_lat is not None:
        lon, lat = (f"{v:.6f}" for v in lon_lat)
    return [
        ident, started, dormant, "Y" if care_home else "N", f"GENERATED {name}",
        "30" if care_home else "", "Social Care Org", "South East", la, "1 Made-up Road",
        "Made-up Town", postcode, lat, lon, "1-000000001", "GENERATED provider",
        "Y" if children else "", "" if children else "Y",
    ]  # fmt: skip


def write_register(path: Path, header: list[str], rows: list[list[str]], *, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path
