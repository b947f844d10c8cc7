"""Synthetic demo data, clearly labelled, with patterns planted for the analysis to find.

``socmap demo`` fills the store with made-up incidents for the four SOC themes (source
``synthetic-demo``; every row's attributes say ``"synthetic": true``), so the dashboard has
something true-to-life to show on a fresh machine. Volumes are set near Kent's published
scale (a few hundred knife crimes a year, about 171 modern slavery investigations a year,
dozens of active county lines, port events mostly at Dover and the Channel Tunnel), and
places are towns weighted by size with spatial noise, kept inside Kent and Medway (and on land
when boundaries are loaded).

Planted on top, and documented here and in ``docs/demo.md`` so tests can check the analysis
finds them: :data:`PLANTED` hotspots (a persistent one and an emerging one),
:data:`PLANTED_LINES` (county lines from London boroughs into Kent towns, every month) and
:data:`PORT_SHARES` (where port events happen).

The data are a pure function of ``(seed, months, end)`` and the loaded boundaries. It loads
through the shared loader as one batch (kind ``demo``): the same arguments again change
nothing; different ones replace every earlier ``synthetic-demo`` row.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from geo.areas import _placement as placement
from geo.areas import ensure_ports, packaged_ports, seed_ports
from geo.demo._generate import generate
from geo.demo._plan import (
    BACKGROUND_LINE_RECORDS,
    BACKGROUND_LINES,
    MONTHLY,
    PLANTED,
    PLANTED_LINE_RECORDS,
    PLANTED_LINES,
    PORT_SHARES,
    QUIET_KM,
    PlantedHotspot,
)
from geo.errors import ValidationError
from geo.filters import add_months, month_str, parse_month
from geo.ingest._load import BatchReport, Chunk, LoadSpec, already_loaded, load_chunks
from geo.settings import Settings
from geo.store import Store
from geo.store.queries.areas import boundary_checksums

__all__ = [
    "BACKGROUND_LINES",
    "BACKGROUND_LINE_RECORDS",
    "MONTHLY",
    "PLANTED",
    "PLANTED_LINES",
    "PLANTED_LINE_RECORDS",
    "PORT_SHARES",
    "QUIET_KM",
    "SOURCE",
    "PlantedHotspot",
    "demo_months",
    "load_demo",
]

SOURCE = "synthetic-demo"
KIND = "demo"
GENERATOR = "socmap-demo-2"  # change when the generator changes, so a rerun replaces old data
MIN_MONTHS = 12
MAX_MONTHS = 120


def load_demo(
    store: Store,
    settings: Settings,
    *,
    seed: int = 2024,
    months: int = 24,
    end: str | None = None,
) -> BatchReport:
    """Generate the demo data for ``months`` months to ``end`` (``YYYY-MM``; default: the
    last complete month) and load it as one batch."""
    month_list = demo_months(months, end)
    spec = LoadSpec(
        kind=KIND,
        source=SOURCE,
        file=f"synthetic demo data (seed {seed}, {month_str(month_list[0])} to "
        f"{month_str(month_list[-1])})",
        checksum=_checksum(store, seed, month_list),
        replace="source",
        id_label="incident_id",
        prepare=_ensure_demo_ports,
    )
    if (batch := already_loaded(store, spec)) is not None:
        return BatchReport(spec.file, KIND, SOURCE, already_loaded_as=batch)
    table = generate(seed, month_list, settings.region_bbox, _placer(store))
    report = load_chunks(store, spec, [Chunk(table)])
    report.notes.append("synthetic demo data: not real incidents (source synthetic-demo)")
    return report


def demo_months(months: int, end: str | None = None, today: date | None = None) -> list[date]:
    """The first-of-month dates the demo covers, oldest first."""
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise ValidationError(
            f"demo months {months}: expected {MIN_MONTHS} to {MAX_MONTHS} "
            "(the emerging hotspot needs a year of history before it)"
        )
    this_month = (today or date.today()).replace(day=1)
    last = parse_month(end) if end else add_months(this_month, -1)
    if last >= this_month:
        raise ValidationError(f"demo end {end}: must be a complete month, before this one")
    return [add_months(last, i - months + 1) for i in range(months)]


def _checksum(store: Store, seed: int, month_list: list[date]) -> str:
    # Points are kept on land using the loaded boundaries, so they are part of the input.
    boundaries = []
    if store.exists():
        boundaries = boundary_checksums(store)
    key = {
        "generator": GENERATOR,
        "seed": seed,
        "months": [month_str(m) for m in month_list],
        "boundaries": [list(b) for b in boundaries],
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _placer(store: Store) -> placement.Placer | None:
    if not store.exists():
        return None
    with store.reading() as cur:
        return placement.placer_from_connection(cur)


def _ensure_demo_ports(con) -> None:
    seed_ports(con)
    ensure_ports(con, tuple(p for p in packaged_ports() if p.port_id in PORT_SHARES))
