"""The publisher (dashboard.publisher): every public county view computed ahead of its
readers, into the cache the workers share, without ever changing what they show, and never
holding a lock a worker could wait on."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest
from plotly.utils import PlotlyJSONEncoder

from dashboard.cache import SharedCache, file_name
from dashboard.features import map as map_feature
from dashboard.features import panel
from dashboard.publisher import prepare_publication, publication_queries, ready_marker
from dashboard.views.context import AppContext
from dashboard.views.public import publication
from geo.demo import load_demo
from geo.disclosure import Audience
from geo.settings import Settings
from geo.store import Store
from tests.support.browser import serving
from tests.support.faults import children, is_publisher, workers


class CountingCache(SharedCache):
    """A worker's shared cache that records which values it had to compute itself."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.computed: list[object] = []

    def get(self, version, key, compute):
        def counted():
            self.computed.append(key)
            return compute()

        return super().get(version, key, counted)


@pytest.fixture(scope="module")
def demo_settings(shared_data, tmp_path_factory) -> Settings:
    """Kent's boundaries and a year of the demo (so the views draw hexagons and areas)."""
    from geo.areas.boundaries import fetch_boundaries

    db = tmp_path_factory.mktemp("publisher") / "socmap.duckdb"
    settings = Settings(db_path=db, cookie_secure=False)
    store = Store(db)
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    load_demo(store, settings, seed=2024, months=12, end="2026-10")
    store.close()
    return settings


def _worker(settings: Settings, cache: SharedCache) -> AppContext:
    return replace(
        AppContext.create(Store(settings.db_path), settings, Audience.PUBLIC), _shared=cache
    )


def _views(ctx: AppContext, query: str) -> str:
    """The three callbacks' outputs as the browser receives them (JSON)."""
    views = (map_feature.view(ctx, query), panel.view(ctx, query), panel.hotspots_view(ctx, query))
    return json.dumps(views, cls=PlotlyJSONEncoder, sort_keys=True)


def test_every_pair_and_measure_of_the_publication_is_prepared_newest_first(demo_settings):
    ctx = _worker(demo_settings, SharedCache(demo_settings.db_path))
    pub = publication(ctx)
    queries = list(publication_queries(ctx))
    assert len(queries) == len(set(queries)) == len(pub.blocks) * len(pub.themes) * 4
    newest = pub.blocks[-1]
    assert all(f"from={newest.key}" in q for q in queries[: len(pub.themes) * 4])


def test_after_the_publisher_workers_compute_no_shared_value_and_show_the_same(
    demo_settings, tmp_path
):
    db = tmp_path / "socmap.duckdb"
    shutil.copy(demo_settings.db_path, db)
    settings = replace(demo_settings, db_path=db)
    # What a worker shows with no publisher (a cache of its own that starts empty).
    alone = _worker(settings, SharedCache(tmp_path / "elsewhere" / "socmap.duckdb"))
    (tmp_path / "elsewhere").mkdir()
    queries = list(publication_queries(alone))
    expected = {q: _views(alone, q) for q in queries}

    publisher = _worker(settings, SharedCache(db, holds_locks=False))
    assert prepare_publication(publisher) == len(queries)
    cache = CountingCache(db)
    worker = _worker(settings, cache)
    for q in queries:
        assert _views(worker, q) == expected[q], q
    assert cache.computed == []
    drawn = [q for q in queries if '"type": "choroplethmap"' in expected[q]]
    assert len(drawn) > len(queries) / 2  # the views compared draw hexagons


def test_the_publisher_stops_when_asked(demo_settings):
    ctx = _worker(demo_settings, SharedCache(demo_settings.db_path, holds_locks=False))
    asked = []
    assert prepare_publication(ctx, stop=lambda: asked.append(1) or len(asked) > 3) == 3


def test_the_publisher_never_takes_a_values_lock(tmp_path):
    """While a worker holds a value's lock (computing it), the publisher computes the value
    itself at once: it never takes the lock, so no worker can end up waiting on a process the
    kernel hardly runs. What it writes is read by workers afterwards."""
    db = tmp_path / "socmap.duckdb"
    worker, publisher = SharedCache(db), SharedCache(db, holds_locks=False)
    worker.get("v1", "warm", lambda: 0)  # creates the version's folder
    fd = os.open(worker.root / "v1" / f"{file_name('k')}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the busy worker
    try:
        start = time.monotonic()
        assert publisher.get("v1", "k", lambda: "value") == "value"
        assert time.monotonic() - start < 5  # a locking reader would wait 60 s
    finally:
        os.close(fd)
    assert worker.get("v1", "k", lambda: "computed again") == "value"


def test_serve_runs_the_publisher_beside_its_workers_and_stops_it(demo_settings, tmp_path):
    db = tmp_path / "socmap.duckdb"
    shutil.copy(demo_settings.db_path, db)
    with serving(db, workers=2) as server:
        master = server.proc.pid
        publisher = _wait(lambda: _publisher(master), "the publisher")
        _wait(lambda: list(db.parent.glob(f"socmap.duckdb.cache/*/{ready_marker()}")), "its views")
        assert len(workers(master)) == 2 and publisher not in workers(master)
    _wait(lambda: not Path(f"/proc/{publisher}").exists(), "the publisher to exit")


def test_serve_without_the_publisher_when_it_is_switched_off(demo_settings, tmp_path):
    db = tmp_path / "socmap.duckdb"
    shutil.copy(demo_settings.db_path, db)
    with serving(db, workers=2, env={"SOCMAP_PREPARE_PUBLIC": "0"}) as server:
        _wait(lambda: len(workers(server.proc.pid)) == 2, "two workers")
        time.sleep(1)
        assert _publisher(server.proc.pid) is None


def _publisher(master: int) -> int | None:
    return next((pid for pid in children(master) if is_publisher(pid)), None)


def _wait(check, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


def test_a_bug_in_a_view_is_logged_once_and_the_version_not_marked_ready(
    demo_settings, tmp_path, monkeypatch, caplog
):
    from dashboard import publisher

    db = tmp_path / "socmap.duckdb"
    shutil.copy(demo_settings.db_path, db)
    shared = SharedCache(db, holds_locks=False)
    ctx = _worker(replace(demo_settings, db_path=db), shared)
    version = ctx.store.data_version()

    def broken(*_args, **_kwargs):
        raise ValueError("a bug in a view")

    monkeypatch.setattr(publisher, "prepare_publication", broken)
    assert publisher._prepare(ctx, shared, version, os.getppid()) is True  # not retried
    assert "gave up on data version" in caplog.text and "a bug in a view" in caplog.text
    assert not list(shared.root.glob(f"*/{ready_marker()}"))
    monkeypatch.undo()
    assert publisher._prepare(ctx, shared, version, os.getppid()) is True
    assert len(list(shared.root.glob(f"*/{ready_marker()}"))) == 1
