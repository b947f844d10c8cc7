"""``socmap serve``: the dashboard, from the store, with a production server."""

from __future__ import annotations

import argparse

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
    # Fail now, with one clear line, rather than in every worker. Not with embedded
    # ClickHouse: its engine, once started here, hangs the worker gunicorn forks from this
    # process (its threads do not cross a fork), so the one worker opens it itself.
    if settings.store.kind != "chdb":
        open_store(settings).data_version()
    serve(settings)
    return EXIT_OK
