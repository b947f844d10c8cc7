"""Serve the dashboard with gunicorn: a production WSGI server with several worker processes,
each with several threads (``gthread``): a filter change sends three callbacks at once, and with
one thread a worker would keep a 2 ms one waiting behind a 200 ms one.

Workers are forked before the app is built, and each builds its own (``create_app`` reads
nothing at import or at build time), so no DuckDB handle or thread crosses a fork. Each worker
then warms up (``dashboard.warm``: statistics imported, hexagons cut, the default view
counted) before it takes requests, so the first users after a start do not wait for it. A
worker that dies is replaced by the master; users see at most one retried request.

Beside the workers, the master starts one low-priority publisher process
(``dashboard.publisher``; ``SOCMAP_PREPARE_PUBLIC=0`` switches it off) that computes every
public view at county level ahead of its readers, and stops it when the server stops.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import subprocess
import sys

from gunicorn.app.base import BaseApplication

from geo.settings import Settings
from geo.store import open_store

log = logging.getLogger("socmap.serve")


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._publisher: subprocess.Popen | None = None
        super().__init__()

    def load_config(self) -> None:
        s = self._settings
        options = {
            "bind": f"{s.host}:{s.port}",
            "workers": s.workers,
            "worker_class": "gthread" if s.threads > 1 else "sync",
            "threads": s.threads,
            "timeout": 120,
            "graceful_timeout": 30,
            "keepalive": 5,
            # Recycle workers now and then so memory stays flat over weeks of use.
            "max_requests": 5000,
            "max_requests_jitter": 500,
            "loglevel": s.log_level,
            "accesslog": "-",
            "errorlog": "-",
            "proc_name": "socmap",
            "when_ready": self._start_publisher,
            "on_exit": self._stop_publisher,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def _start_publisher(self, _server) -> None:
        if not self._settings.prepare_public:
            return
        # A fresh interpreter, not a fork (nothing of the master's state crosses into it) nor
        # a multiprocessing child (the workers forked later would try to join it at exit).
        # It reads its settings from stdin.
        self._publisher = subprocess.Popen(
            [sys.executable, "-m", "dashboard.publisher"], stdin=subprocess.PIPE
        )
        with self._publisher.stdin:
            self._publisher.stdin.write(pickle.dumps(self._settings))

    def _stop_publisher(self, _server) -> None:
        publisher = self._publisher
        if publisher is not None and publisher.poll() is None:
            publisher.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                publisher.wait(timeout=5)

    def load(self):
        from dashboard.app import CONTEXTS, create_app  # noqa: PLC0415 - built in each worker
        from dashboard.warm import warm  # noqa: PLC0415

        _log_to_server_log()  # first, so the warm-up's lines go there too
        server = create_app(open_store(self._settings), self._settings).server
        warm(server.extensions[CONTEXTS])  # before this worker takes its first request
        return server


def _log_to_server_log() -> None:
    """socmap's own log lines (why a request failed) go to gunicorn's error log, with its
    time stamp, worker pid and level; without this Python prints them bare on stderr."""
    server_log = logging.getLogger("gunicorn.error")
    ours = logging.getLogger("socmap")
    ours.handlers[:] = server_log.handlers
    ours.setLevel(server_log.level)
    ours.propagate = False


def serve(settings: Settings) -> None:
    """Run until interrupted (the README's run command ends here)."""
    log.info("serving %s on http://%s:%s", settings.db_path, settings.host, settings.port)
    _Gunicorn(settings).run()


def wsgi_app(settings: Settings | None = None):
    """A WSGI callable for other servers: ``gunicorn 'dashboard.serve:wsgi_app()'``."""
    from dashboard.app import create_app  # noqa: PLC0415

    settings = settings or Settings.from_env()
    return create_app(open_store(settings), settings).server
