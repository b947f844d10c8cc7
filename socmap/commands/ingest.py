"""``socmap ingest police-uk|incidents``: load files, one batch per file.

Each file is its own transaction, so one file's failure leaves the others loaded. The exit
code says what happened to all of them together (the README's table):

* 0: every file loaded (or was already loaded), no row rejected;
* 3: every file loaded, and some rows were quarantined (``socmap quarantine``);
* 2: no file loaded, and nothing changed: each failed (missing, unreadable, another force's
  file, a damaged store ...);
* 5: no file loaded: at least one was refused (none of its rows could be loaded, or it would
  have shrunk a stored month too far), with a sample of its rejected rows kept as a batch;
* 6: some files loaded and others did not; the last line lists which did not;
* 130: interrupted; the file being loaded is not loaded (the line names the files that were).
"""

from __future__ import annotations

import argparse
import codecs
import sys
from pathlib import Path

from geo.errors import SocmapError
from geo.ingest import BatchReport, LoadOptions, ingest_police_uk
from geo.settings import Settings
from geo.store import Store, open_store
from socmap.cli import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTLY,
    EXIT_QUARANTINED,
    EXIT_REFUSED,
    Interrupted,
)


def register(sub: argparse._SubParsersAction) -> None:
    ingest = sub.add_parser("ingest", help="load data files into the store")
    kinds = ingest.add_subparsers(dest="kind", metavar="KIND", required=True)

    police = kinds.add_parser(
        "police-uk", help="police.uk street-level crime CSVs, exactly as downloaded"
    )
    police.add_argument("files", nargs="+", type=Path, metavar="FILE")
    police.add_argument(
        "--force-area",
        action="append",
        default=[],
        type=_force_name,
        metavar="FORCE",
        help="also take files of this police force (as its rows name it in 'Falls within', "
        "e.g. 'Essex Police'): for a store meant to hold several areas (repeatable; the "
        "store's own forces are SOCMAP_FORCES)",
    )
    police.add_argument(
        "--force-replace",
        action="store_true",
        help="replace a stored month even when the new edition would remove more of its "
        "rows than SOCMAP_MAX_MONTH_LOSS allows, or all of them (logged in the store)",
    )
    _add_common(police)
    police.set_defaults(handler=_police_uk)

    partner = kinds.add_parser(
        "incidents",
        help="partners' own incident files (CSV, GeoJSON or Parquet; see docs/partner-format.md)",
    )
    partner.add_argument("files", nargs="+", type=Path, metavar="FILE")
    partner.add_argument(
        "--source",
        type=_source_name,
        help="name of the supplying organisation "
        "(default: the file's source column, else 'partner')",
    )
    _add_common(partner)
    partner.set_defaults(handler=_incidents)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--encoding",
        default="utf-8",
        type=_encoding,
        help="text encoding of CSV files (default utf-8; e.g. cp1252)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _encoding(value: str) -> str:
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"unknown encoding {value!r} (e.g. utf-8, cp1252, latin-1)"
        ) from None


def _force_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise argparse.ArgumentTypeError("name a police force, e.g. 'Essex Police'")
    return name


def _source_name(value: str) -> str:
    if not value.strip() or any(c in value for c in "\r\n\t\x00"):
        raise argparse.ArgumentTypeError(f"{value!r}: name the supplying organisation")
    return value


def _police_uk(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    options = LoadOptions.from_settings(
        settings, force_replace=args.force_replace, force_areas=tuple(args.force_area)
    )
    return _run_each(
        store,
        args.files,
        lambda f: ingest_police_uk(
            store,
            f,
            settings,
            encoding=args.encoding,
            progress=_progress(args),
            options=options,
        ),
    )


def _incidents(args: argparse.Namespace, settings: Settings) -> int:
    from geo.ingest import ingest_incidents  # noqa: PLC0415 - written beside police_uk

    store = open_store(settings)
    return _run_each(
        store,
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


def _run_each(store: Store, files: list[Path], load) -> int:
    """Load every file (each its own transaction); report each; the exit code says what
    happened to them all (see the module's docstring).

    A Ctrl-C anywhere in here, loading or reporting, ends in one line that says which files
    were loaded: it compares the store's version with the one before the file in hand."""
    loaded: list[str] = []  # files loaded (or already loaded)
    failed: list[str] = []  # files that failed, changing nothing
    refused: list[str] = []  # files refused, with a refused batch recorded
    quarantined = False
    # The file in hand, with the version before it and its report; a Ctrl-C between two
    # files (before these are set again) is said of the last one, which is true of it.
    current, version, report = None, None, None
    try:
        for path in files:
            version, report = _version(store), None
            current = path
            try:
                report = load(path)
            except SocmapError as exc:
                print(f"socmap: error: {exc}", file=sys.stderr)
                failed.append(str(path))
                continue
            _print_report(report)
            if report.refused:
                refused.append(str(path))
                continue
            loaded.append(str(path))
            quarantined = quarantined or bool(report.quarantined)
        return _exit_code(len(files), loaded, failed, refused, quarantined)
    except KeyboardInterrupt as exc:
        if current is None:
            raise
        if report is not None and report.refused:
            line = f"socmap: interrupted after {current} was refused (nothing of it loaded)"
            raise Interrupted(line) from exc
        raise Interrupted(_interrupted(store, current, version, loaded)) from exc


def _exit_code(
    n: int, loaded: list[str], failed: list[str], refused: list[str], quarantined: bool
) -> int:
    if len(loaded) == n:
        return EXIT_QUARANTINED if quarantined else EXIT_OK
    if loaded:
        not_loaded = ", ".join(failed + refused)
        print(
            f"socmap: {len(loaded)} of {n} files loaded; not loaded: {not_loaded}",
            file=sys.stderr,
        )
        return EXIT_PARTLY
    return EXIT_REFUSED if refused else EXIT_ERROR


def _version(store: Store) -> str | None:
    """The store's data version (None before there is a store), to tell after Ctrl-C
    whether the load in progress had committed."""
    try:
        return store.data_version() if store.exists() else None
    except SocmapError:
        return None


def _interrupted(store: Store, path: Path, before: str | None, loaded: list[str]) -> str:
    committed = _version(store) != before
    if committed:
        line = f"socmap: interrupted after {path} was loaded"
    else:
        line = f"socmap: interrupted; {path} was not loaded and the store is as it was before it"
    # The file may be listed already: the Ctrl-C came after its report.
    done = [*loaded, str(path)] if committed and str(path) not in loaded else loaded
    if done:
        line += f" (loaded: {', '.join(done)})"
    return line


def _print_report(report: BatchReport) -> None:
    if report.skipped:
        print(f"{report.file}: already loaded as batch {report.already_loaded_as}; nothing changed")
        return
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if report.refused:
        for message in report.messages:
            print(f"rejected: {message}", file=sys.stderr)
        print(f"socmap: {report.refused}", file=sys.stderr)
        return
    for message in report.messages:
        print(f"quarantined: {message}", file=sys.stderr)
    if report.quarantined > len(report.messages):
        print(
            f"quarantined: ... and {report.quarantined - len(report.messages)} more; "
            f"see `socmap quarantine --batch {report.batch_id}`",
            file=sys.stderr,
        )
    replaced = f", replaced {report.replaced}" if report.replaced else ""
    print(
        f"{report.file}: batch {report.batch_id}: read {report.rows_read} rows: "
        f"{report.loaded} loaded, {report.unmapped} unmapped (no location), "
        f"{report.quarantined} quarantined{replaced}"
    )
