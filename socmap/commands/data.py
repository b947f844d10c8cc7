"""``socmap summary``, ``socmap quarantine``, ``socmap store restore|upgrade`` and
``socmap demo``."""

from __future__ import annotations

import argparse
import csv
import sys

from geo.settings import Settings
from geo.store import SCHEMA_VERSION, open_store, summarize
from geo.store.queries.batches import quarantined_rows
from geo.themes import load_themes
from socmap.cli import EXIT_OK
from socmap.commands._common import add_format_argument, print_json


def register(sub: argparse._SubParsersAction) -> None:
    summary = sub.add_parser("summary", help="what the store holds, and what was rejected")
    add_format_argument(summary)
    summary.set_defaults(handler=_summary)

    quarantine = sub.add_parser("quarantine", help="list rejected rows with their reasons")
    quarantine.add_argument("--file", help="only rows from this file (as it was loaded)")
    quarantine.add_argument("--limit", type=int, default=0, help="at most N rows (0: all)")
    add_format_argument(quarantine, ("text", "csv", "json"))
    quarantine.set_defaults(handler=_quarantine)

    store = sub.add_parser("store", help="look after the store file")
    actions = store.add_subparsers(dest="action", metavar="ACTION", required=True)
    restore = actions.add_parser(
        "restore", help="put back the version before the last load (<db>.prev)"
    )
    restore.set_defaults(handler=_restore)
    upgrade = actions.add_parser(
        "upgrade",
        help="bring a store of an older schema version up to date (the data is kept)",
    )
    upgrade.set_defaults(handler=_upgrade)

    demo = sub.add_parser(
        "demo",
        help="fill the store with labelled synthetic data (source synthetic-demo)",
    )
    demo.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    demo.add_argument("--months", type=int, default=24, help="months of data (default 24)")
    demo.add_argument("--end", metavar="YYYY-MM", help="last month (default: last month)")
    demo.set_defaults(handler=_demo)


def _summary(args: argparse.Namespace, settings: Settings) -> int:
    data = summarize(open_store(settings), load_themes(settings.themes_file))
    if args.format == "json":
        print_json(data)
        return EXIT_OK
    print(f"store {data['store']} (version {data['data_version']})")
    print(
        f"rows read {data['rows_read']}: loaded {data['loaded']}, unmapped "
        f"{data['unmapped']}, quarantined {data['quarantined']}"
    )
    for group in ("source", "category", "month"):
        print(f"\nby {group}:")
        print(f"  {'':40} {'loaded':>9} {'unmapped':>9} {'quarantined':>12}")
        for key, c in data[f"by_{group}"].items():
            label = key + (" (proxy)" if c.get("proxy") else "")
            print(f"  {label[:40]:40} {c['loaded']:>9} {c['unmapped']:>9} {c['quarantined']:>12}")
    _print_coverage(data["coverage"])
    _print_context(data["context"])
    if data["by_district"]:
        print("\nby district (incidents with a location):")
        for code, c in data["by_district"].items():
            print(f"  {code} {(c['name'] or '')[:30]:30} {c['loaded']:>9}")
        # None when no district boundary is loaded: nothing says what lies outside (a
        # store written directly can hold district codes without their boundaries).
        if data["outside"] is not None:
            print(f"  {'outside every district':40} {data['outside']:>9}")
    if data["by_division"]:
        _print_divisions(data)
    return EXIT_OK


def _print_context(context: dict) -> None:
    """The open context data loaded, with vintages (`socmap context list` has the detail)."""
    if not context["sets"]:
        print("\ncontext data: none loaded (`socmap context load --from DIR`)")
        return
    print("\ncontext data (set, rows, vintage):")
    for s in context["sets"]:
        print(f"  {s['set'][:32]:32} {s['rows']:>9,}  {s['vintage']}")
    print(f"  attribution: {context['attribution']}")


def _print_coverage(coverage: dict) -> None:
    """Which months each source has data for, and which themes it can report: a month or a
    theme no source covers has no data, which is not the same as no crime."""
    print("\ncoverage by source (months with data; themes it can report):")
    for source, c in coverage["sources"].items():
        themes = ", ".join(c["themes"]) or "none of the themes"
        print(f"  {source[:24]:24} {c['ranges']}")
        print(f"  {'':24} themes: {themes}")
    print("\ncoverage by theme (months with data from a source that can report it):")
    for c in coverage["themes"].values():
        if not c["sources"]:
            print(f"  {c['label'][:24]:24} no data: no loaded source can report it")
            continue
        print(f"  {c['label'][:24]:24} {c['ranges']} ({', '.join(c['sources'])})")
        if c["gaps"] != "none":
            print(f"  {'':24} no data for {c['gaps']}")


def _print_divisions(data: dict) -> None:
    """Divisions under their district, two to a line (72 of them in Kent)."""
    print("\nby division (incidents with a location), under their district:")
    by_district: dict[str | None, list[tuple[str, dict]]] = {}
    for code, c in data["by_division"].items():
        by_district.setdefault(c["district"], []).append((code, c))
    for district, divisions in sorted(by_district.items(), key=lambda kv: kv[0] or ""):
        name = (data["by_district"].get(district) or {}).get("name") or ""
        print(f"  {district or '(no district)'} {name}:")
        cells = [f"{code} {(c['name'] or '')[:22]:22} {c['loaded']:>7}" for code, c in divisions]
        for i in range(0, len(cells), 2):
            print("    " + "   ".join(cells[i : i + 2]))
    in_districts = sum(c["loaded"] for c in data["by_district"].values())
    in_divisions = sum(c["loaded"] for c in data["by_division"].values())
    label = "in a district but no division (Medway has none)"
    print(f"  {label:48} {in_districts - in_divisions:>7}")


def _quarantine(args: argparse.Namespace, settings: Settings) -> int:
    rows = quarantined_rows(open_store(settings), file=args.file, limit=args.limit)
    if args.format == "json":
        print_json(rows)
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=["file", "row_number", "reason", "raw"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        for r in rows:
            print(f"{r['file']}: row {r['row_number']}: {r['reason']}")
            print(f"    {r['raw']}")
        print(f"{len(rows)} quarantined rows")
    return EXIT_OK


def _restore(_args: argparse.Namespace, settings: Settings) -> int:
    open_store(settings).restore_previous()
    print(f"{settings.db_path}: restored the previous version")
    return EXIT_OK


def _upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    from geo.store import upgrade_store  # noqa: PLC0415 - only this command needs it

    found, rows = upgrade_store(open_store(settings))
    if rows == 0 and found == SCHEMA_VERSION:
        print(f"{settings.db_path}: already schema version {found}; nothing changed")
    else:
        cells = (
            f"hexagons at every resolution computed for {rows} incidents from their stored "
            "coordinates; "
            if found == "4"
            else ""
        )
        context = (
            "context tables added (empty: `socmap context load`); " if found in ("4", "5") else ""
        )
        print(
            f"{settings.db_path}: upgraded from schema version {found} to {SCHEMA_VERSION}: "
            f"{cells}{context}register tables added (empty: `socmap registers load`); the "
            "previous version is kept: `socmap store restore`"
        )
    return EXIT_OK


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from geo.demo import load_demo  # noqa: PLC0415 - only this command needs it

    report = load_demo(
        open_store(settings), settings, seed=args.seed, months=args.months, end=args.end
    )
    if report.skipped:
        print(
            f"demo data with seed {args.seed} is already loaded "
            f"(batch {report.already_loaded_as}); nothing changed"
        )
    else:
        print(
            f"{report.file}: batch {report.batch_id}: {report.loaded} incidents loaded, "
            f"{report.unmapped} without a location (synthetic, source synthetic-demo)"
        )
    return EXIT_OK
