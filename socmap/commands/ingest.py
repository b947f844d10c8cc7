"""``socmap ingest police-uk|incidents``: load files, one batch per file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo.errors import SocmapError
from geo.ingest import BatchReport, ingest_police_uk
from geo.settings import Settings
from geo.store import open_store
from socmap.cli import EXIT_ERROR, EXIT_OK, EXIT_QUARANTINED


def register(sub: argparse._SubParsersAction) -> None:
    ingest = sub.add_parser("ingest", help="load data files into the store")
    kinds = ingest.add_subparsers(dest="kind", metavar="KIND", required=True)

    police = kinds.add_parser(
        "police-uk", help="police.uk street-level crime CSVs, exactly as downloaded"
    )
    police.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _add_common(police)
    police.set_defaults(handler=_police_uk)

    partner = kinds.add_parser(
        "incidents",
        help="partners' own incident files (CSV, GeoJSON or Parquet; see docs/partner-format.md)",
    )
    partner.add_argument("files", nargs="+", type=Path, metavar="FILE")
    partner.add_argument(
        "--source",
        help="name of the supplying organisation "
        "(default: the file's source column, else 'partner')",
    )
    _add_common(partner)
    partner.set_defaults(handler=_incidents)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--encoding",
        default="utf-8",
        help="text encoding of CSV files (default utf-8; e.g. cp1252)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _police_uk(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    return _run_each(
        args.files,
        lambda f: ingest_police_uk(
            store, f, settings, encoding=args.encoding, progress=_progress(args)
        ),
    )


def _incidents(args: argparse.Namespace, settings: Settings) -> int:
    from geo.ingest import ingest_incidents  # noqa: PLC0415 - written beside police_uk

    store = open_store(settings)
    return _run_each(
        args.files,
        lambda f: ingest_incidents(
            store,
            f,
            settings,
            source=args.source,
            encoding=args.encoding,
            progress=_progress(args),
        ),
    )


def _progress(args: argparse.Namespace) -> bool | None:
    return False if args.no_progress else None


def _run_each(files: list[Path], load) -> int:
    """Load every file (each its own transaction); report each; worst exit code wins."""
    code = EXIT_OK
    for path in files:
        try:
            report = load(path)
        except SocmapError as exc:
            print(f"socmap: error: {exc}", file=sys.stderr)
            code = EXIT_ERROR
            continue
        _print_report(report)
        if report.quarantined and code == EXIT_OK:
            code = EXIT_QUARANTINED
    return code


def _print_report(report: BatchReport) -> None:
    if report.skipped:
        print(f"{report.file}: already loaded as batch {report.already_loaded_as}; nothing changed")
        return
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for message in report.messages:
        print(f"quarantined: {message}", file=sys.stderr)
    if report.quarantined > len(report.messages):
        print(
            f"quarantined: ... and {report.quarantined - len(report.messages)} more; "
            "see `socmap quarantine`",
            file=sys.stderr,
        )
    replaced = f", replaced {report.replaced}" if report.replaced else ""
    print(
        f"{report.file}: batch {report.batch_id}: read {report.rows_read} rows: "
        f"{report.loaded} loaded, {report.unmapped} unmapped (no location), "
        f"{report.quarantined} quarantined{replaced}"
    )
