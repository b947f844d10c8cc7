"""``socmap summary``, ``socmap quarantine``, ``socmap batches [remove|log]``, ``socmap store
restore|upgrade|check`` and ``socmap demo``."""

from __future__ import annotations

import argparse
import csv
import sys

from geo.settings import Settings
from geo.store import SCHEMA_VERSION, Store, open_store, remove_batch, summarize
from geo.store.queries.batches import batch_holdings, quarantined_rows, store_log
from geo.themes import load_themes
from socmap.cli import EXIT_ERROR, EXIT_OK
from socmap.commands._common import add_format_argument, print_json


def register(sub: argparse._SubParsersAction) -> None:
    summary = sub.add_parser("summary", help="what the store holds, and what was rejected")
    add_format_argument(summary)
    summary.set_defaults(handler=_summary)

    quarantine = sub.add_parser(
        "quarantine",
        help="list rejected rows with their reasons (and the kept rows of refused files)",
    )
    quarantine.add_argument("--file", help="only rows from this file (as it was loaded)")
    quarantine.add_argument("--batch", type=_batch_id, help="only rows of this batch")
    quarantine.add_argument("--limit", type=_count, default=0, help="at most N rows (0: all)")
    add_format_argument(quarantine, ("text", "csv", "json"))
    quarantine.set_defaults(handler=_quarantine)

    batches = sub.add_parser(
        "batches", help="the loaded files (batches): list them, remove one, read the log"
    )
    add_format_argument(batches)
    batches.set_defaults(handler=_batches)
    batch_actions = batches.add_subparsers(dest="action", metavar="ACTION")
    remove = batch_actions.add_parser(
        "remove",
        help="remove a batch and every row it holds (logged in the store's log)",
    )
    remove.add_argument("batch", type=_batch_id, metavar="BATCH")
    remove.add_argument("--reason", default="", help="why (kept in the store's log)")
    remove.set_defaults(handler=_remove_batch)
    log = batch_actions.add_parser(
        "log", help="the store's log: batches removed and loads forced past a guard"
    )
    log.add_argument("--limit", type=_count, default=0, help="the latest N entries (0: all)")
    add_format_argument(log)
    log.set_defaults(handler=_log)

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
    check = actions.add_parser(
        "check",
        help="verify the whole store: every block's checksum and socmap's own rules",
    )
    check.add_argument(
        "--quick", action="store_true", help="the rules only, without reading every block"
    )
    add_format_argument(check)
    check.set_defaults(handler=_check)

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
    _print_registers(data["registers"])
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


def _print_registers(registers: list[dict]) -> None:
    """The registers of vulnerable places loaded (`socmap registers list` has the detail)."""
    if not registers:
        print("\nregisters of vulnerable places: none loaded (`socmap registers load`)")
        return
    print("\nregisters of vulnerable places (register, places loaded, vintage, loaded):")
    for r in registers:
        kinds = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in r["by_kind"].items())
        print(
            f"  {r['register']:8} {r['loaded']:>7,} ({kinds or 'none'})  vintage {r['vintage']}, "
            f"loaded {r['loaded_at'][:16].replace('T', ' ')}"
        )
        print(
            f"  {'':8} {r['layout']} ({r['publisher']}); {r['rows_read']:,} rows read, "
            f"{r['outside']:,} outside Kent and Medway, {r['quarantined']:,} quarantined"
        )


def _print_coverage(coverage: dict) -> None:
    """Which months each source has data for, and which themes it can report: a month or a
    theme no source covers has no data, which is not the same as no crime."""
    print("\ncoverage by source (months with data; themes it can report):")
    for source, c in coverage["sources"].items():
        themes = ", ".join(c["themes"]) or "none of the themes"
        print(f"  {source[:24]:24} {c['ranges']}")
        print(f"  {'':24} themes: {themes}")
        for thin in c["thin"]:
            print(f"  {'':24} thin month (likely incomplete): {thin['text']}")
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


def _batch_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: a batch number (`socmap batches`)")
    return number


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a whole number, 0 or more")
    return number


_REJECTED_FIELDS = ["file", "row_number", "reason", "raw", "batch_id", "batch_status"]


def _quarantine(args: argparse.Namespace, settings: Settings) -> int:
    rows = quarantined_rows(
        open_store(settings), file=args.file, batch_id=args.batch, limit=args.limit
    )
    if args.format == "json":
        print_json(rows)
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=_REJECTED_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    else:
        for r in rows:
            kept = " (kept from a refused file)" if r["batch_status"] == "refused" else ""
            print(f"{r['file']}: row {r['row_number']}: {r['reason']}{kept}")
            print(f"    {r['raw']}")
        refused = sum(r["batch_status"] == "refused" for r in rows)
        tail = f", {refused} of them kept from refused files" if refused else ""
        print(f"{len(rows)} quarantined rows{tail}")
    return EXIT_OK


def _batches(args: argparse.Namespace, settings: Settings) -> int:
    rows = batch_holdings(Store(settings.db_path))
    if args.format == "json":
        print_json(rows)
        return EXIT_OK
    for b in rows:
        months = _months_text(b["months"])
        print(
            f"batch {b['batch_id']} {b['status']}: {b['file']} ({b['source']}, {months}; "
            f"loaded {b['loaded_at'][:19]})"
        )
        print(
            f"    read {b['rows_read']}: {b['loaded']} loaded, {b['unmapped']} unmapped, "
            f"{b['quarantined']} quarantined; {_holds(b)}"
        )
        if b["refusal"]:
            print(f"    refused: {b['refusal']}")
    live = [b for b in rows if b["status"] == "active"]
    held = sum(b["rows_read"] - b["replaced_later"] for b in live)
    print(f"{len(rows)} batches, {len(live)} live, holding {held} rows read")
    return EXIT_OK


def _months_text(months: list[str]) -> str:
    if not months:
        return "no month"
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"


def _holds(b: dict) -> str:
    if b["status"] == "refused":
        return f"nothing stored; {b['holds_refused_rows']} rejected rows kept for inspection"
    if b["status"] != "active":
        superseded = f" by batch {b['superseded_by']}" if b["superseded_by"] else ""
        return f"holds nothing ({b['status']}{superseded})"
    later = f", {b['replaced_later']} replaced by later batches" if b["replaced_later"] else ""
    return (
        f"holds {b['holds_mapped']} mapped, {b['holds_unmapped']} unmapped, "
        f"{b['holds_quarantined']} quarantined{later}"
    )


def _remove_batch(args: argparse.Namespace, settings: Settings) -> int:
    removed = remove_batch(Store(settings.db_path), args.batch, reason=args.reason)
    print(
        f"{settings.db_path}: removed batch {removed.batch_id} ({removed.file}, "
        f"{removed.status}): {removed.incidents} incidents, {removed.quarantined} quarantined "
        f"rows and {removed.refused_rows} kept rows of a refused file; logged in the store's "
        "log (`socmap batches log`); `socmap store restore` puts it back"
    )
    return EXIT_OK


def _log(args: argparse.Namespace, settings: Settings) -> int:
    entries = store_log(Store(settings.db_path), args.limit)
    if args.format == "json":
        print_json(entries)
        return EXIT_OK
    for e in entries:
        batch = f" batch {e['batch_id']}" if e["batch_id"] is not None else ""
        print(f"{e['logged_at'][:19]} {e['action']}{batch} by {e['by_user']}: {e['detail']}")
    print(f"{len(entries)} entries")
    return EXIT_OK


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from geo.store import check_store_file  # noqa: PLC0415 - only this command needs it

    store = Store(settings.db_path)
    store.data_version()  # a missing, foreign or old store: the usual one line
    store.close()
    report = check_store_file(store.path, full=not args.quick)
    if args.format == "json":
        print_json(report.as_dict())
    else:
        what = "every block and the rules" if report.full else "the rules (--quick)"
        for problem in report.problems:
            print(f"problem: {problem}")
        verdict = "sound" if report.ok else f"{len(report.problems)} problems"
        print(
            f"{store.path}: checked {what} in {report.seconds:.2f} s: {report.tables} tables, "
            f"{report.rows} rows read, {report.cells_checked} sampled incidents' cells "
            f"recomputed: {verdict}"
        )
    if not report.ok:
        print(
            f"socmap: error: {store.path}: the store check found {len(report.problems)} "
            "problems; restore the previous version with `socmap store restore`",
            file=sys.stderr,
        )
        return EXIT_ERROR
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
        steps = []
        if found == "4":
            steps.append(
                f"hexagons at every resolution computed for {rows} incidents from their "
                "stored coordinates"
            )
        if found in ("4", "5"):
            steps.append("context tables added (empty: `socmap context load`)")
        if found in ("4", "5", "6"):
            steps.append("register tables added (empty: `socmap registers load`)")
        if found != "8":
            steps.append(
                "each batch's rows replaced by later batches recorded, and the tables of "
                "refused files and of the store's log added"
            )
        steps.append("the hexagon counts made from the incidents")
        print(
            f"{settings.db_path}: upgraded from schema version {found} to {SCHEMA_VERSION}: "
            f"{'; '.join(steps)}; the previous version is kept: `socmap store restore`"
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
