"""``socmap serve``: the dashboard, from the store, with a production server."""

from __future__ import annotations

import argparse
import sys

from geo.settings import Settings
from geo.store import open_store
from socmap.cli import EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="serve the dashboard (gunicorn, several workers)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8050)")
    serve.add_argument("--workers", type=int, help="worker processes (default 4)")
    serve.add_argument("--threads", type=int, help="threads per worker (default 4)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.serve import serve  # noqa: PLC0415 - only this command needs dash

    settings = settings.with_overrides(
        host=args.host, port=args.port, workers=args.workers, threads=args.threads
    )
    # Fail now, with one clear line, rather than in every worker: a missing, old or foreign
    # store, and a damaged block anywhere in the file, which the everyday queries might never
    # read. A broken rule of socmap's own is a warning: the data can still be served. Not with
    # embedded ClickHouse: its engine, once started here, hangs the worker gunicorn forks from
    # this process (its threads do not cross a fork), so the one worker opens it itself.
    if settings.store.kind != "chdb":
        from geo.store import check_store_file  # noqa: PLC0415 - it imports h3

        store = open_store(settings)
        store.data_version()
        store.close()
        report = check_store_file(settings.db_path)
        for problem in report.problems:
            print(
                f"socmap: warning: {settings.db_path}: the store check found a problem: "
                f"{problem} (`socmap store check`)",
                file=sys.stderr,
            )
    serve(settings)
    return EXIT_OK
