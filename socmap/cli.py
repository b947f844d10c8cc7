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

import _signal  # the C module: see _ignore_ctrl_c
import argparse
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
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


def run(*, held: Sequence[int] = (), restore: Callable | None = None) -> None:
    """The command (``socmap``, ``python -m socmap``): :func:`main`, then exit with its code.

    Once :func:`main` has returned, the work is done and said, so Ctrl-C is ignored from then
    on: a Ctrl-C landing in the second or so the interpreter takes to shut down (joining
    DuckDB's threads, unloading modules) ended the process as a death by SIGINT (-2) after a
    complete load and its report (CI found it, once in five stages). After a Ctrl-C that
    :func:`main` caught and said in one line, the process leaves at once: one run in about
    forty, a Ctrl-C landing while Python imported the data libraries ended, after the line,
    as a death by SIGINT during the shutdown. Nothing is left to clean: the store is as the
    line says.

    ``held`` and ``restore`` come from :mod:`socmap.__main__`, which holds a Ctrl-C from its
    first line until this one: the Ctrl-Cs that landed meanwhile, and the handler to put back."""
    code = None
    try:
        if restore is not None:
            signal.signal(signal.SIGINT, restore)  # Ctrl-C raises again, inside this try
        if held:
            raise KeyboardInterrupt  # one landed while Python started socmap
        code = main()
        # The C function itself, inline: Python raises a pending Ctrl-C only on entering a
        # Python function, on a loop's jump back or after a C call, so none can land between
        # main's return and SIG_IGN; one pending from before is raised after it, once.
        # SIG_IGN also outlives the shutdown, which puts back the default handler (death by
        # SIGINT) only where Python had set its own.
        _signal.signal(_SIGINT, _SIG_IGN)
    except KeyboardInterrupt:  # main had returned, or its own handler was not yet in place
        try:  # noqa: SIM105 - contextlib.suppress would be Python code a Ctrl-C can enter
            _signal.signal(_SIGINT, _SIG_IGN)
        except KeyboardInterrupt:  # one more, pending from before the line above
            pass
        if code is None:
            print(INTERRUPTED, file=sys.stderr)
            code = EXIT_INTERRUPTED
    sys.stdout.flush()
    sys.stderr.flush()
    if code == EXIT_INTERRUPTED:
        os._exit(code)
    sys.exit(int(code))


# Plain ints, so that setting the handler makes no other call (see run).
_SIGINT, _SIG_IGN = int(signal.SIGINT), int(signal.SIG_IGN)


def _main(argv: Sequence[str] | None) -> int:
    from geo.errors import NoDataError, SocmapError  # noqa: PLC0415
    from geo.settings import Settings  # noqa: PLC0415
    from geo.store._errors import damage_in, interrupt_in  # noqa: PLC0415 - see the docstring

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env().with_overrides(db_path=args.db)
        # No int() here: a C call is where Python raises a pending Ctrl-C, and one landing
        # after the command finished would be said as "the store was left as it was".
        return args.handler(args, settings)
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
