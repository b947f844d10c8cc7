"""``socmap``: the command line.

Each group of subcommands lives in :mod:`socmap.commands` and registers itself; a handler
takes the parsed arguments and the settings and returns the exit code. Expected failures
(:class:`geo.SocmapError`) print one line and exit 2; nothing prints a traceback: not a damaged
store (whatever DuckDB calls it), and not Ctrl-C, wherever it lands (while Python imports the
libraries, while DuckDB runs a query, while a load writes).

This module imports nothing but the standard library at the top, so that Ctrl-C during the
imports (a second or two of pyarrow, DuckDB and h3) is caught like any other.

Exit codes (the README's table; ``socmap ingest`` with several files: :mod:`socmap.commands.
ingest`): 0 done; 2 error, nothing changed by the failed step; 3 loaded, but some rows were
quarantined (see ``socmap quarantine``); 4 no data loaded for what a statistic or export asked
(the message names the months loaded; ``--allow-empty`` writes a labelled empty result
instead); 5 a file was refused (nothing of it loaded; a sample of its rejected rows is kept);
6 some files loaded and others did not; 130 interrupted (a load in progress left the store as
it was).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_QUARANTINED = 3
EXIT_NO_DATA = 4
EXIT_REFUSED = 5
EXIT_PARTLY = 6
EXIT_INTERRUPTED = 130

INTERRUPTED = "socmap: interrupted; the store was left as it was"

# Each module defines register(subparsers); handlers import heavy packages (dash, plotly)
# only when they run, so `socmap ingest` never pays for the dashboard.
COMMAND_MODULES = [
    "socmap.commands.ingest",
    "socmap.commands.data",
    "socmap.commands.serve",
    "socmap.commands.boundaries",
    "socmap.commands.context",
    "socmap.commands.users",
    "socmap.commands.stats",
    "socmap.commands.rates",
    "socmap.commands.ports",
    "socmap.commands.export",
]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with the one line that says what it left behind (a load of several files)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="socmap",
        description="Serious and organised crime hotspots in Kent: load, analyse, map, export.",
    )
    parser.add_argument(
        "--db",
        type=Path,
        help="the store file (default: $SOCMAP_DB or data/socmap.duckdb)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt as exc:
        print(str(exc) if isinstance(exc, Interrupted) else INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


def run() -> None:
    """The command (``socmap``, ``python -m socmap``): :func:`main`, then exit with its code.

    After a Ctrl-C that :func:`main` caught and said in one line, the process leaves at once:
    one run in about forty, a Ctrl-C landing while Python imported the data libraries ended,
    after the line was printed and 130 returned, as a death by SIGINT (-2) during the
    interpreter's shutdown. Nothing is left to clean: the store is as the line says."""
    code = main()
    if code == EXIT_INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _main(argv: Sequence[str] | None) -> int:
    from geo.errors import NoDataError, SocmapError  # noqa: PLC0415
    from geo.settings import Settings  # noqa: PLC0415
    from geo.store._errors import damage_in, interrupt_in  # noqa: PLC0415 - see the docstring

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env().with_overrides(db_path=args.db)
        return int(args.handler(args, settings))
    except NoDataError as exc:
        print(f"socmap: no data: {exc}", file=sys.stderr)
        return EXIT_NO_DATA
    except SocmapError as exc:
        print(f"socmap: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        # DuckDB reports Ctrl-C inside a query, and a damaged file, as ordinary errors.
        if interrupt_in(exc):
            raise KeyboardInterrupt from exc
        damage = damage_in(exc)
        if damage is None:
            raise
        from geo.store._errors import corrupt_message  # noqa: PLC0415

        db = settings.db_path.resolve() if "settings" in locals() else "the store"
        print(f"socmap: error: {corrupt_message(db, damage)}", file=sys.stderr)
        return EXIT_ERROR
