"""A small made-up store for the rates, deprivation and proximity tests: the geography and
context folder of tests.context_helpers (eight LSOAs over two districts with divisions and a
Medway-like one) and GENERATED incidents at chosen points, police.uk rows carrying an LSOA
code and a partner's rows without one."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from geo.context import load_context
from geo.ingest import ingest_incidents, ingest_police_uk
from geo.ingest.police_uk import HEADER
from geo.settings import Settings
from geo.store import Store
from tests.support.context import load_geography, write_context

# (lon, lat, LSOA the point lies in, the code police.uk gives, category, month, how many)
POLICE = [
    (0.52, 51.10, "E01000001", "E01000001", "Possession of weapons", "2018-10", 6),
    (0.58, 51.05, "E01000002", "E01000002", "Possession of weapons", "2018-11", 3),  # West
    (0.62, 51.15, "E01000002", "E01000002", "Possession of weapons", "2018-12", 2),  # East
    (0.68, 51.10, "E01000003", "E01000003", "Drugs", "2018-10", 4),
    (0.80, 51.02, "E01000004", "E01000004", "Possession of weapons", "2018-11", 1),
    (0.80, 51.07, "E01000005", "E01000005", "Drugs", "2018-12", 5),
    (0.80, 51.12, "E01000005", "E01000005", "Possession of weapons", "2018-10", 8),
    (0.85, 51.18, "E01000006", "E01000006", "Possession of weapons", "2018-12", 2),
    (0.60, 51.25, "E01000007", "E01000007", "Possession of weapons", "2018-11", 7),
    (0.80, 51.25, "E01000008", "E01000008", "Drugs", "2018-10", 3),
    # police.uk's own code differs from the generalised shapes: its code is used
    (0.549, 51.10, "E01000001", "E01000002", "Possession of weapons", "2018-10", 1),
    # a code of an LSOA that is not loaded: placed by point in polygon
    (0.53, 51.11, "E01000001", "E01099999", "Possession of weapons", "2018-11", 1),
]
# A partner's knife crimes (no LSOA code): placed by point in polygon.
PARTNER = [(0.81, 51.03, "E01000004", 2), (0.66, 51.05, "E01000003", 1)]


def police_rows() -> list[list[str]]:
    rows, n = [], 0
    for lon, lat, _, code, category, month, count in POLICE:
        for _ in range(count):
            n += 1
            rows.append([
                f"gen{n:05d}", month, "Kent Police", "Kent Police", f"{lon:.6f}", f"{lat:.6f}",
                "On or near GENERATED Street", code, "GENERATED 001A", category, "", "",
            ])  # fmt: skip
    return rows


def build_store(root: Path) -> Settings:
    settings = Settings(db_path=root / "socmap.duckdb")
    store = Store(settings.db_path)
    write_context(root / "shared")
    load_geography(store, root / "geo")
    load_context(store, root / "shared" / "context")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(police_rows())
    (root / "police.csv").write_text(buf.getvalue(), encoding="utf-8")
    ingest_police_uk(store, root / "police.csv", settings, progress=False)
    partner = [["incident_id", "category", "date", "latitude", "longitude"]]
    n = 0
    for lon, lat, _, count in PARTNER:
        for _ in range(count):
            n += 1
            partner.append([f"p{n}", "knife_crime", "2018-11-15", f"{lat}", f"{lon}"])
    with (root / "partner.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(partner)
    ingest_incidents(store, root / "partner.csv", settings, source="partner-x", progress=False)
    store.close()
    return settings
