"""``socmap context load|list|remove|search|population``: open context data (basemap, places,
postcodes, population, deprivation), docs/context.md."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from geo.errors import ValidationError
from geo.settings import Settings
from geo.store import open_store
from socmap.cli import EXIT_OK
from socmap.commands._common import add_format_argument, print_json


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser(
        "context", help="open context data: basemap, places, postcodes, population, deprivation"
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    _register_load(actions)

    listing = actions.add_parser("list", help="the context sets loaded, with sources and vintages")
    add_format_argument(listing)
    listing.set_defaults(handler=_list)

    remove = actions.add_parser("remove", help="remove context sets (e.g. basemap/roads)")
    which = remove.add_mutually_exclusive_group(required=True)
    which.add_argument("names", nargs="*", default=[], metavar="SET", help="a set or a prefix")
    which.add_argument("--all", action="store_true", help="remove every context set")
    add_format_argument(remove)
    remove.set_defaults(handler=_remove)

    search = actions.add_parser("search", help="find a town, village or postcode")
    search.add_argument("query", nargs="+", help="e.g. Gillingham, 'ME4 4QB', ME4")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--outside", action="store_true", help="places beyond Kent too")
    add_format_argument(search)
    search.set_defaults(handler=_search)

    pop = actions.add_parser("population", help="residents by area (divisions apportioned)")
    pop.add_argument("--level", required=True, choices=("county", "district", "division", "lsoa"))
    pop.add_argument("--code", help="one area (default: every area at the level)")
    pop.add_argument("--year", type=int, default=2018, help="mid-year estimate (default 2018)")
    pop.add_argument("--ages", metavar="FROM-TO", help="e.g. 10-24, or 65- for 65 and over")
    pop.add_argument("--rule", choices=("postcodes", "best_fit"), default="postcodes")
    add_format_argument(pop)
    pop.set_defaults(handler=_population)


def _register_load(actions: argparse._SubParsersAction) -> None:
    load = actions.add_parser(
        "load",
        help="load the context folder and/or roads and rivers, in one transaction",
        description="Load open context data. --from DIR takes a folder laid out as "
        "../shared/data/context (the LSOA shapes and best-fit lookup from --boundaries DIR, "
        "else a boundaries folder beside or inside it). --roads and --rivers load a line "
        "layer the user supplies (GeoJSON, GeoPackage or Shapefile, any CRS). The same files "
        "again change nothing.",
    )
    load.add_argument("--from", dest="from_dir", type=Path, metavar="DIR")
    load.add_argument("--boundaries", type=Path, metavar="DIR", help="where the LSOA files are")
    for kind in ("roads", "rivers"):
        load.add_argument(f"--{kind}", type=Path, metavar="FILE", help=f"a {kind} file")
        load.add_argument(f"--{kind}-layer", metavar="L", help="the layer, for a multi-layer file")
        load.add_argument(
            f"--{kind}-attribution",
            metavar="TEXT",
            help="printed on maps that draw it (default: OS or OpenStreetMap, from its fields)",
        )
    load.add_argument("--force", action="store_true", help="load even if already loaded")
    add_format_argument(load)
    load.set_defaults(handler=_load)


def _load(args: argparse.Namespace, settings: Settings) -> int:
    from geo.context import UserLayer, load_context  # noqa: PLC0415 - see geo.context

    users = {}
    for kind in ("roads", "rivers"):
        path = getattr(args, kind)
        if path is not None:
            users[kind] = UserLayer(
                path,
                layer=getattr(args, f"{kind}_layer"),
                attribution=getattr(args, f"{kind}_attribution"),
            )
    report = load_context(
        open_store(settings),
        args.from_dir,
        boundaries_dir=args.boundaries,
        force=args.force,
        **users,
    )
    if args.format == "json":
        print_json(report.as_dict())
        return EXIT_OK
    for note in report.notes:
        print(note)
    for name, rows in report.loaded.items():
        print(f"{name}: {rows:,} rows")
    return EXIT_OK


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from geo.context import attribution, context_sets  # noqa: PLC0415

    store = open_store(settings)
    sets = context_sets(store)
    if args.format == "json":
        print_json({"sets": [s.as_dict() for s in sets], "attribution": attribution(store)})
        return EXIT_OK
    if not sets:
        print("no context data loaded; see `socmap context load --help`")
        return EXIT_OK
    for s in sets:
        print(f"{s.name}: {s.rows:,} rows; {s.vintage}")
        print(f"    {s.title}")
        print(f"    source: {s.source}; licence: {s.licence}")
        print(f"    used for: {s.used_for}")
        if s.note:
            print(f"    note: {s.note}")
        print(f"    file {s.file} (sha256 {s.checksum[:12]}), loaded {s.loaded_at:%Y-%m-%d %H:%M}")
    print(f"\nattribution (all loaded): {attribution(store)}")
    return EXIT_OK


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    from geo.context import remove_context  # noqa: PLC0415

    if not args.all and not args.names:
        raise ValidationError("name the sets to remove (see `socmap context list`), or --all")
    report = remove_context(open_store(settings), None if args.all else args.names)
    if args.format == "json":
        print_json(report.as_dict())
        return EXIT_OK
    for note in report.notes:
        print(note)
    for name in report.removed:
        print(f"removed {name}")
    return EXIT_OK


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from geo.context import search_places  # noqa: PLC0415

    found = search_places(
        open_store(settings),
        " ".join(args.query),
        limit=args.limit,
        include_outside=args.outside,
    )
    if args.format == "json":
        print_json([m.as_dict() for m in found])
        return EXIT_OK
    if not found:
        print("nothing found", file=sys.stderr)
    for m in found:
        where = ", ".join(c for c in (m.district_code, m.division_code) if c) or "no area"
        print(f"{m.name}: {m.detail}; {m.latitude:.5f}, {m.longitude:.5f}; {where} ({m.match})")
    return EXIT_OK


def _ages(text: str | None) -> tuple[int, int | None] | None:
    if text is None:
        return None
    found = re.fullmatch(r"\s*(\d+)\s*-\s*(\d*)\s*", text)
    if not found:
        raise ValidationError(f"--ages {text!r}: expected FROM-TO, e.g. 10-24, or 65- for 65+")
    return int(found.group(1)), int(found.group(2)) if found.group(2) else None


def _population(args: argparse.Namespace, settings: Settings) -> int:
    from geo.context import population, populations  # noqa: PLC0415

    store = open_store(settings)
    ages = _ages(args.ages)
    options = {"year": args.year, "ages": ages, "rule": args.rule}
    codes = [args.code] if args.code else sorted(populations(store, args.level, **options))
    found = [population(store, args.level, code, **options) for code in codes]
    if args.format == "json":
        print_json([p.as_dict() for p in found])
        return EXIT_OK
    # A division's figure is apportioned, so an estimate: printed to the nearest person,
    # never with decimals that would read as a count more exact than it is.
    for p in found:
        kind = "about " if p.level == "division" else ""
        print(
            f"{p.code}: {kind}{p.persons:,.0f} residents, {p.ages}, mid-{p.year} ({p.lsoas} LSOAs)"
        )
    if found:
        print(f"{found[0].rule}; source: {found[0].source}")
    return EXIT_OK
