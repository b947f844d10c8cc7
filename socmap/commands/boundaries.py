"""``socmap boundaries load|fetch|list|remove``: the county, districts and divisions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from geo.settings import Settings
from geo.store import Store, open_store
from socmap.cli import EXIT_OK
from socmap.commands._common import add_format_argument, print_json

if TYPE_CHECKING:
    from geo.areas.boundaries import BoundaryReport

# geo.areas.boundaries imports geopandas; handlers import it when they run (as the dashboard's
# commands do), so other commands start quickly. The levels are repeated here for the same
# reason; geo.areas.boundaries checks them again.
LEVELS = ("county", "district", "division")


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("boundaries", help="load, fetch and list area boundaries")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    _register_load(actions)
    _register_fetch(actions)

    listing = actions.add_parser("list", help="the boundary sets loaded, and the map note")
    add_format_argument(listing)
    listing.set_defaults(handler=_list)

    remove = actions.add_parser("remove", help="remove one level's boundaries")
    remove.add_argument("--level", required=True, choices=LEVELS)
    add_format_argument(remove)
    remove.set_defaults(handler=_remove)


def _register_load(actions: argparse._SubParsersAction) -> None:
    load = actions.add_parser(
        "load",
        help="load one boundary file (GeoJSON, GeoPackage or Shapefile, any CRS)",
        description="Load boundaries at one level; every incident is placed again.",
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--level", required=True, choices=LEVELS)
    load.add_argument("--code-field", help="field with the ONS code (found if unambiguous)")
    load.add_argument("--name-field", help="field with the area's name")
    load.add_argument("--parent-field", help="divisions: field with the district's code")
    load.add_argument("--layer", help="the layer to read, for a file with several")
    load.add_argument("--source", help="who published the boundaries (shown on maps)")
    load.add_argument("--vintage", help="the boundaries' date, e.g. 'May 2025'")
    load.add_argument(
        "--approximate",
        action="store_true",
        help="the shapes are approximate (every map then says so)",
    )
    load.add_argument("--note", help="the note maps print (default: built from the above)")
    _force_argument(load)
    add_format_argument(load)
    load.set_defaults(handler=_load)


def _force_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force",
        action="store_true",
        help="load even when the same files are already loaded (by default nothing changes)",
    )


def _register_fetch(actions: argparse._SubParsersAction) -> None:
    fetch = actions.add_parser(
        "fetch",
        help="download the official boundaries (or take a set from a folder) and load them",
        description="Fetch a boundary set named in the manifest (default: the official ONS "
        "boundaries) and load all its levels together.",
    )
    fetch.add_argument(
        "--from", dest="from_dir", type=Path, metavar="DIR", help="take the files from DIR"
    )
    fetch.add_argument("--set", dest="set_name", help="the set to fetch (see the manifest)")
    fetch.add_argument(
        "--manifest",
        type=Path,
        help="the manifest (default: socmap's own, data/boundaries/manifest.toml)",
    )
    fetch.add_argument(
        "--cache",
        type=Path,
        help="where downloads are saved (default: boundaries/SET/ in $SOCMAP_CACHE_DIR, "
        "which is ~/.cache/socmap unless set)",
    )
    fetch.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    fetch.add_argument("--no-progress", action="store_true", help="no progress bar")
    _force_argument(fetch)
    add_format_argument(fetch)
    fetch.set_defaults(handler=_fetch)


def _load(args: argparse.Namespace, settings: Settings) -> int:
    from geo.areas.boundaries import load_boundaries  # noqa: PLC0415 - see LEVELS

    store = open_store(settings)
    report = load_boundaries(
        store,
        args.file,
        args.level,
        code_field=args.code_field,
        name_field=args.name_field,
        parent_field=args.parent_field,
        layer=args.layer,
        source=args.source,
        vintage=args.vintage,
        approximate=args.approximate,
        note=args.note,
        force=args.force,
    )
    return _show(report, store, args.format)


def _fetch(args: argparse.Namespace, settings: Settings) -> int:
    from geo.areas.boundaries import fetch_boundaries, load_manifest  # noqa: PLC0415 - see LEVELS

    store = open_store(settings)
    progress = False if args.no_progress else None
    manifest = load_manifest(args.manifest)
    cache = args.cache or settings.cache_dir / "boundaries" / manifest.get(args.set_name).name
    report = fetch_boundaries(
        store,
        manifest,
        set_name=args.set_name,
        from_dir=args.from_dir,
        cache_dir=cache,
        progress=progress,
        timeout=args.timeout,
        step=None if args.no_progress else _stderr_step,
        force=args.force,
    )
    return _show(report, store, args.format)


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    from geo.areas.boundaries import remove_boundaries  # noqa: PLC0415 - see LEVELS

    store = open_store(settings)
    return _show(remove_boundaries(store, args.level), store, args.format)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from geo.areas.boundaries import boundary_note, boundary_sets  # noqa: PLC0415 - see LEVELS

    store = open_store(settings)
    sets = boundary_sets(store)
    note = boundary_note(store)
    if args.format == "json":
        print_json({"sets": sets, "note": note})
        return EXIT_OK
    if not sets:
        print("no boundaries loaded; see `socmap boundaries fetch --help`")
        return EXIT_OK
    for s in sets:
        kind = "approximate" if s["approximate"] else "official"
        print(f"{s['level']}: {s['areas']} areas, {kind}; vintage: {s['vintage']}")
        print(f"    source: {s['source']}")
        print(f"    file {s['file']}, loaded {s['loaded_at']:%Y-%m-%d %H:%M}")
    print(f"\nmap note: {note}")
    return EXIT_OK


def _stderr_step(name: str) -> None:
    if sys.stderr.isatty():
        print(f"socmap: {name}...", file=sys.stderr)


def _show(report: BoundaryReport, store: Store, fmt: str) -> int:
    from geo.areas.boundaries import boundary_note  # noqa: PLC0415 - see LEVELS

    for warning in report.warnings:
        print(f"socmap: warning: {warning}", file=sys.stderr)
    if fmt == "json":
        print_json({**report.as_dict(), "note": boundary_note(store)})
        return EXIT_OK
    for note in report.notes:
        print(note)
    for level, count in report.levels.items():
        print(f"{level}: {count} areas")
    if not report.unchanged:
        print(
            f"incidents placed again: {report.incidents_placed} in a district, "
            f"{report.incidents_outside} outside every district, "
            f"{report.incidents_moved} changed place"
        )
    note = boundary_note(store)
    if note:
        print(f"map note: {note}")
    return EXIT_OK
