"""Ports of entry: the store's ``ports`` table, its packaged starting list, and loading a
deployment's own list.

A port-of-entry event names its port (an id, a name or a UN/LOCODE); the event is stored with
the port's ``port_id`` and, when the file gives no coordinates, placed at the port. The
packaged list (``geo/data/ports.csv``, approximate) seeds the table the first time a load needs
it. ``socmap ports load FILE`` adds or updates ports from a CSV, by id; it never deletes one,
because stored events may name it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from geo.areas._gazetteer import name_key, read_package_csv, split_aliases
from geo.errors import InputError
from geo.settings import Settings
from geo.store import Store
from geo.store.queries._run import Source
from geo.store.queries.ports import port_rows

PACKAGED_SOURCE = "socmap packaged list (approximate)"
KINDS = ("seaport", "rail", "tunnel", "airport", "other")
_KIND_WORDS = {
    "seaport": "seaport", "sea": "seaport", "port": "seaport", "ferry": "seaport",
    "harbour": "seaport", "rail": "rail", "railway": "rail", "station": "rail",
    "tunnel": "tunnel", "airport": "airport", "air": "airport", "airfield": "airport",
    "other": "other",
}  # fmt: skip
# Column names a ports CSV may use, best first, for each field.
_COLUMNS = {
    "port_id": ("port id", "id", "locode", "unlocode"),
    "name": ("name", "port name", "port"),
    "unlocode": ("unlocode", "locode", "un locode"),
    "kind": ("kind", "type"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng", "long"),
    "precision_note": ("precision note", "coord precision", "precision", "note"),
    "aliases": ("aliases", "alias"),
    "function": ("unlocode function", "function"),
}


@dataclass(frozen=True)
class Port:
    port_id: str
    name: str
    unlocode: str | None
    kind: str
    latitude: float
    longitude: float
    precision_note: str | None
    source: str
    aliases: tuple[str, ...] = ()

    def as_row(self) -> list[object]:
        return [
            self.port_id, self.name, self.unlocode, self.kind, self.latitude,
            self.longitude, self.precision_note, self.source, list(self.aliases),
        ]  # fmt: skip


def packaged_ports() -> tuple[Port, ...]:
    """The list that ships with socmap (approximate points)."""
    return tuple(
        Port(
            port_id=r["port_id"],
            name=r["name"],
            unlocode=r["unlocode"] or None,
            kind=r["kind"],
            latitude=float(r["latitude"]),
            longitude=float(r["longitude"]),
            precision_note=r["precision_note"] or None,
            source=PACKAGED_SOURCE,
            aliases=split_aliases(r["aliases"]),
        )
        for r in read_package_csv("ports.csv")
    )


def ports_from_connection(source: Source) -> tuple[Port, ...]:
    """The stored ports, by id: from a load's open connection, or the store itself."""
    return tuple(Port(*r[:8], aliases=tuple(r[8])) for r in port_rows(source))


def seed_ports(con: duckdb.DuckDBPyConnection) -> int:
    """Fill an empty ports table from the packaged list; returns how many were added."""
    if con.execute("SELECT count(*) FROM ports").fetchone()[0]:
        return 0
    ports = packaged_ports()
    con.executemany(
        "INSERT INTO ports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [p.as_row() for p in ports]
    )
    return len(ports)


def ensure_ports(con: duckdb.DuckDBPyConnection, ports: tuple[Port, ...]) -> int:
    """Add those of ``ports`` whose ids the table lacks; returns how many were added."""
    known = {r[0] for r in con.execute("SELECT port_id FROM ports").fetchall()}
    missing = [p.as_row() for p in ports if p.port_id not in known]
    if missing:
        con.executemany("INSERT INTO ports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", missing)
    return len(missing)


def stored_ports(store: Store) -> tuple[Port, ...]:
    """The store's ports, or () when there is no store or it has none yet."""
    if not store.exists():
        return ()
    return ports_from_connection(store)


@dataclass(frozen=True)
class PortsLoad:
    file: str
    added: int
    updated: int


def load_ports(store: Store, path: str | Path, settings: Settings) -> PortsLoad:
    """Add or update ports from a CSV (all or nothing: one bad row refuses the file)."""
    path = Path(path)
    ports = read_ports_csv(path, settings)
    with store.writing() as con:
        ids = [p.port_id for p in ports]
        known = {r[0] for r in con.execute("SELECT port_id FROM ports").fetchall()}
        con.execute("DELETE FROM ports WHERE list_contains(?, port_id)", [ids])
        con.executemany(
            "INSERT INTO ports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [p.as_row() for p in ports]
        )
    updated = sum(1 for i in ids if i in known)
    return PortsLoad(file=str(path), added=len(ids) - updated, updated=updated)


def read_ports_csv(path: Path, settings: Settings) -> tuple[Port, ...]:
    """Ports from a CSV with at least an id (port_id or locode), name, latitude, longitude."""
    # Imported here: geo.ingest places incidents with these ports, so a module-level import
    # would make geo.areas and geo.ingest import each other.
    from geo.ingest._files import inspect_text_file  # noqa: PLC0415 - see the comment above

    info = inspect_text_file(path)
    columns = _match_columns(path, info.header)
    ports: list[Port] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for values in reader:
            row = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(info.header):
                raise InputError(
                    path, f"row has {len(values)} fields, expected {len(info.header)}", row
                )
            port = _port_from_row(path, row, columns, values, settings)
            if port.port_id in seen:
                raise InputError(
                    path, f"port id {port.port_id} repeats row {seen[port.port_id]}", row
                )
            seen[port.port_id] = row
            ports.append(port)
    if not ports:
        raise InputError(path, "has a header but no ports")
    return tuple(ports)


def _match_columns(path: Path, header: tuple[str, ...]) -> dict[str, int]:
    keys = [name_key(h) for h in header]
    found = {}
    for field, names in _COLUMNS.items():
        for name in names:
            if name in keys:
                found[field] = keys.index(name)
                break
    missing = [f for f in ("port_id", "name", "latitude", "longitude") if f not in found]
    if missing:
        raise InputError(
            path,
            "not a ports file: missing column(s) " + ", ".join(missing) + " (port_id may be "
            "given as locode)",
            row=1,
        )
    return found


def _port_from_row(
    path: Path, row: int, columns: dict[str, int], values: list[str], settings: Settings
) -> Port:
    def get(field: str) -> str:
        return values[columns[field]].strip() if field in columns else ""

    port_id, name = get("port_id"), get("name")
    if not port_id or not name:
        raise InputError(path, "port id and name must both be given", row)
    lat, lon = _coordinates(path, row, get("latitude"), get("longitude"), settings)
    return Port(
        port_id=port_id,
        name=name,
        unlocode=get("unlocode").replace(" ", "").upper() or None,
        kind=_kind(path, row, get("kind"), get("function")),
        latitude=lat,
        longitude=lon,
        precision_note=get("precision_note") or None,
        source=str(path),
        aliases=split_aliases(get("aliases")),
    )


def _coordinates(
    path: Path, row: int, lat_s: str, lon_s: str, settings: Settings
) -> tuple[float, float]:
    try:
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise InputError(
            path, f"latitude {lat_s!r} / longitude {lon_s!r} are not numbers", row
        ) from None
    min_lon, min_lat, max_lon, max_lat = settings.region_bbox
    if min_lat <= lat <= max_lat and min_lon <= lon <= max_lon:
        return lat, lon
    if min_lat <= lon <= max_lat and min_lon <= lat <= max_lon:
        raise InputError(path, f"latitude {lat_s} and longitude {lon_s} look swapped", row)
    raise InputError(
        path, f"port at latitude {lat_s}, longitude {lon_s} is outside Kent and Medway", row
    )


def _kind(path: Path, row: int, kind: str, function: str) -> str:
    """The port's kind, or one read from a UN/LOCODE function code such as ``1---5---``
    (position 1 seaport, 2 rail, 4 airport)."""
    if kind:
        found = _KIND_WORDS.get(name_key(kind))
        if found is None:
            raise InputError(path, f"kind {kind!r} is not one of {', '.join(KINDS)}", row)
        return found
    code = function[:8]
    if code[:1] == "1":
        return "seaport"
    if code[3:4] == "4":
        return "airport"
    if code[1:2] == "2":
        return "rail"
    return "other"


def port_terms(ports: tuple[Port, ...]) -> pa.Table:
    """Every way a partner may name a port, for matching in SQL.

    ``priority`` decides between ports sharing a term: an id beats a name, a name a
    UN/LOCODE, a UN/LOCODE an alias; then a deployment's own port beats a packaged one; then
    the order of ``ports`` (the store lists them by id).
    """
    term, priority, port_id, lat, lon = [], [], [], [], []
    for i, p in enumerate(ports):
        packaged = 1 if p.source == PACKAGED_SOURCE else 0
        named = [(0, p.port_id), (1, p.name), *((3, a) for a in p.aliases)]
        if p.unlocode:  # written "GBDVR" or, as UN/LOCODE prints it, "GB DVR"
            named += [(2, p.unlocode), (2, f"{p.unlocode[:2]} {p.unlocode[2:]}")]
        for rank, t in named:
            term.append(t)
            priority.append((rank * 2 + packaged) * 1_000_000 + i)
            port_id.append(p.port_id)
            lat.append(p.latitude)
            lon.append(p.longitude)
    return pa.table(
        {
            "term": pa.array(term, pa.string()),
            "priority": pa.array(priority, pa.int64()),
            "port_id": pa.array(port_id, pa.string()),
            "latitude": pa.array(lat, pa.float64()),
            "longitude": pa.array(lon, pa.float64()),
        }
    )
