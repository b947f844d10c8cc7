"""Helpers for the load-guard tests (issue 19): real police.uk months rewritten the ways a
user meets them (another force's file, an all-bad file, a swapped edition), a store of the
real Kent boundaries and October 2018 built once, and the store's contents as plain data."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np

from geo.ingest.police_uk import HEADER
from geo.store import Store

# Places inside the Kent-and-Medway rectangle (SOCMAP_REGION_BBOX) but in other forces'
# areas: Southend and Thurrock (Essex), Hastings and Bexhill (Sussex). (lat, lon)
ESSEX_PLACES = {"Southend": (51.5406, 0.7077), "Thurrock": (51.4934, 0.3529)}
SUSSEX_PLACES = {"Hastings": (50.8543, 0.5735), "Bexhill": (50.8424, 0.4708)}


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == HEADER
    return rows[1:]


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def other_force_file(
    path: Path, force: str, places: dict[str, tuple[float, float]], n: int, seed: int
) -> Path:
    """A police.uk file of ``force`` for 2018-10 as police.uk publishes it: every row
    "Reported by" and "Falls within" that force, points scattered round ``places``."""
    rng = np.random.default_rng(seed)
    names = list(places)
    rows = []
    for i in range(n):
        lat, lon = places[names[i % len(names)]]
        rows.append(
            [f"{force[:5].lower()}{i:06d}", "2018-10", force, force,
             f"{lon + rng.normal(0, 0.01):.6f}", f"{lat + rng.normal(0, 0.005):.6f}",
             "On or near High Street", "E01015000", f"{names[i % len(names)]} 001A",
             rng.choice(["Drugs", "Burglary", "Violence and sexual offences"]), "", ""]
        )  # fmt: skip
    return write_rows(path, rows)


def swapped_edition(source: Path, target: Path) -> Path:
    """A new edition of the month with every coordinate swapped (Latitude <-> Longitude)."""
    rows = read_rows(source)
    for r in rows:
        r[4], r[5] = r[5], r[4]
    return write_rows(target, rows)


def month_written_as(source: Path, target: Path, text: str) -> Path:
    """The month with every Month cell rewritten (e.g. "10/2018"): nothing can load."""
    rows = read_rows(source)
    for r in rows:
        r[1] = text
    return write_rows(target, rows)


def fewer_rows(source: Path, target: Path, keep: float, seed: int) -> Path:
    """A new edition holding only a share ``keep`` of the month's rows."""
    rows = read_rows(source)
    rng = np.random.default_rng(seed)
    kept = [r for r in rows if rng.random() < keep]
    return write_rows(target, kept)


def copy_store(base: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / base.name
    shutil.copyfile(base, db)
    return db


def accounts(db: Path) -> dict[str, int]:
    """What the store holds, and the sum over live batches of what they read."""
    store = Store(db)
    try:
        (row,) = store.fetch_rows(
            """
            SELECT (SELECT count(*) FROM incidents),
                   (SELECT count(*) FROM quarantine),
                   (SELECT count(*) FROM refused_rows),
                   (SELECT coalesce(sum(rows_read - replaced_later), 0) FROM batches
                    WHERE status = 'active'),
                   (SELECT coalesce(sum(rows_read), 0) FROM batches WHERE status = 'refused')
            """
        )
        return dict(
            zip(("stored", "quarantined", "kept", "live_read", "refused_read"), row, strict=True)
        )
    finally:
        store.close()
