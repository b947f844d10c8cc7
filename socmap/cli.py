"""``socmap``: the command line.

Each group of subcommands lives in :mod:`socmap.commands` and registers itself; a handler
takes the parsed arguments and the settings and returns the exit code. Expected failures
(:class:`geo.SocmapError`) print one line and exit 2; nothing prints a traceback.

Exit codes: 0 done; 2 error (nothing changed by the failed step); 3 loaded, but some rows were
quarantined (see ``socmap quarantine``); 4 no data loaded for what a statistic or export asked
(the message names the months loaded; ``--allow-empty`` writes a labelled empty result
instead); 130 interrupted (the store is as it was).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from geo.errors import NoDataError, SocmapError
from geo.settings import Settings

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_QUARANTINED = 3
EXIT_NO_DATA = 4
EXIT_INTERRUPTED = 130

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
    except KeyboardInterrupt:
        print("socmap: interrupted; the store was left as it was", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
