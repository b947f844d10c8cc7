"""``socmap ports list|load``: the ports of entry that port events are matched to."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from geo.areas import Port, load_ports, packaged_ports, stored_ports
from geo.settings import Settings
from geo.store import Store
from socmap.cli import EXIT_OK
from socmap.commands._common import add_format_argument, print_json

_FIELDS = ["port_id", "name", "unlocode", "kind", "latitude", "longitude", "precision_note"]


def register(sub: argparse._SubParsersAction) -> None:
    ports = sub.add_parser("ports", help="ports of entry that port-of-entry events name")
    actions = ports.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="the ports in the store (or the packaged list)")
    add_format_argument(listing, ("text", "csv", "json"))
    listing.set_defaults(handler=_list)

    load = actions.add_parser(
        "load",
        help="add or update ports from a CSV (port_id or locode, name, latitude, longitude; "
        "optional unlocode, kind, precision_note, aliases)",
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.set_defaults(handler=_load)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    ports = stored_ports(Store(settings.db_path))
    where = "in the store"
    if not ports:
        ports, where = packaged_ports(), "packaged list (not yet in the store; approximate)"
    if args.format == "json":
        print_json([_as_dict(p) for p in ports])
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=[*_FIELDS, "source", "aliases"])
        writer.writeheader()
        writer.writerows(_as_dict(p) | {"aliases": ";".join(p.aliases)} for p in ports)
    else:
        print(f"{len(ports)} ports, {where}:")
        for p in ports:
            code = f" [{p.unlocode}]" if p.unlocode else ""
            print(
                f"  {p.port_id:28} {p.kind:8} {p.latitude:9.4f} {p.longitude:8.4f}  {p.name}{code}"
            )
    return EXIT_OK


def _as_dict(port: Port) -> dict[str, object]:
    return {
        "port_id": port.port_id,
        "name": port.name,
        "unlocode": port.unlocode,
        "kind": port.kind,
        "latitude": port.latitude,
        "longitude": port.longitude,
        "precision_note": port.precision_note,
        "source": port.source,
        "aliases": list(port.aliases),
    }


def _load(args: argparse.Namespace, settings: Settings) -> int:
    result = load_ports(Store(settings.db_path), args.file, settings)
    print(f"{result.file}: {result.added} ports added, {result.updated} updated")
    return EXIT_OK
