"""The served dashboard under faults: a worker killed under load, and a store that is damaged,
replaced or removed while the server runs.

Everything goes over HTTP to a real ``socmap serve`` (gunicorn, two workers) on 127.0.0.1, to
the page, its layout and two callbacks as the browser calls them. Users must see at most one
retried request when a worker dies, and only plain sentences when the store is bad; the
details belong in the server log.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from dashboard.app import create_app
from geo.demo import load_demo
from geo.settings import Settings
from geo.store import Store
from tests.support.browser import serving
from tests.support.dashclient import callback_body, dependencies
from tests.support.faults import DAMAGE, copy_store, damage_store, wait_for, workers

pytestmark = pytest.mark.slow

CANNOT_READ = "The data store cannot be read."
NO_DATA = "There is no data loaded yet."
# Text that must never reach a user: Python's and DuckDB's own words.
LEAKS = ("Traceback", "Error:", "Exception", "duckdb", "DuckDB", 'File "', ".py")


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    attempts: int


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("serve") / "base" / "socmap.duckdb"
    db.parent.mkdir()
    store = Store(db)
    load_demo(store, Settings(db_path=db), seed=2024, months=12, end="2026-10")
    store.close()
    return db


@pytest.fixture(scope="module")
def calls(demo_db):
    """The requests a user's browser makes: the page, its layout, the map and the panel."""
    deps = dependencies(create_app(Store(demo_db), Settings(db_path=demo_db)))
    return {
        "sync": callback_body(deps, "?", "url.search"),
        "map": lambda view: callback_body(deps, view, "map.figure"),
        "panel": lambda view: callback_body(deps, view, "panel-title.children"),
    }


def test_a_new_worker_serves_the_pages_scripts_before_it_has_rendered_the_page(demo_db):
    """The browser fetches the page from one worker and its scripts from any other, at once:
    a new worker whose first requests are several scripts on its threads must serve them all
    (Dash registers them while it sets up on its first request, so the others saw a partial
    list and answered 500: a CI run once got a broken page from this, for react-dom)."""
    settings = Settings(db_path=demo_db)
    page = create_app(Store(demo_db), settings).server.test_client().get("/").get_data(True)
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert len(scripts) > 5
    for _ in range(5):  # the first requests of a new worker, all at once, on its threads
        server = create_app(Store(demo_db), settings).server
        start = threading.Barrier(len(scripts))

        def fetch(path: str, server=server, start=start) -> int:
            start.wait()
            return server.test_client().get(path).status_code

        with ThreadPoolExecutor(len(scripts)) as pool:
            codes = list(pool.map(fetch, scripts))
        assert codes == [200] * len(scripts), list(zip(scripts, codes, strict=True))


def test_a_worker_killed_under_load_is_replaced_and_users_see_at_most_a_retry(
    demo_db, calls, tmp_path
):
    db = copy_store(demo_db, tmp_path)
    with serving(db, workers=2) as server:
        master = server.proc.pid
        workers = wait_for(lambda: _workers(master), what="two workers")
        requests = _user_requests(server.base, calls)
        answers: list[tuple[str, Answer]] = []
        stop = threading.Event()
        threads = [
            threading.Thread(target=_user, args=(server.base, requests, answers, stop))
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        try:
            # Kill both first workers in turn, so the replacements must answer too.
            for victim in sorted(workers):
                now = _kill_when_busy(victim, master, answers)
            seen = len(answers)
            wait_for(lambda: len(answers) >= seen + 12, what="requests after the replacement")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=120)
        assert server.proc.poll() is None, "the master died"
        assert len(now) == 2 and not now & workers, (workers, now)
        retried = sum(a.attempts == 2 for _, a in answers)
        print(f"{len(answers)} requests, {retried} retried once")
        failed = [(what, a.status, a.attempts) for what, a in answers if a.status != 200]
        assert failed == [], failed
        assert max(a.attempts for _, a in answers) <= 2
        _check_answers_normally(server.base, calls)


def test_a_store_damaged_while_serving_gets_plain_sentences_and_the_log_has_details(
    demo_db, calls, tmp_path
):
    db = copy_store(demo_db, tmp_path / "live")
    with serving(db, workers=2) as server:
        _check_answers_normally(server.base, calls)
        for how in DAMAGE:
            damage_store(db, how)
            _check_plain_everywhere(server.base, calls, CANNOT_READ, how, tmp_path)
            _put_back(demo_db, db)
            _check_answers_normally(server.base, calls)
        # A bad file renamed over the live one, as a careless copy would do.
        bad = copy_store(demo_db, tmp_path / "bad")
        damage_store(bad, "truncate")
        os.replace(bad, db)
        _check_plain_everywhere(server.base, calls, CANNOT_READ, "replaced", tmp_path)
        _put_back(demo_db, db)
        _check_answers_normally(server.base, calls)
    log = server.log.read_text()
    details = [line for line in log.splitlines() if "not a readable socmap store" in line]
    assert any("[ERROR] callback failed" in line for line in details), log[-3000:]
    assert any("[ERROR] page failed" in line for line in details), log[-3000:]
    assert all(str(db.resolve()) in line for line in details)
    assert "socmap store restore" in details[0]


def test_a_store_removed_while_serving_says_there_is_no_data(demo_db, calls, tmp_path):
    db = copy_store(demo_db, tmp_path / "live")
    with serving(db, workers=2) as server:
        _check_answers_normally(server.base, calls)
        db.unlink()
        _check_plain_everywhere(server.base, calls, NO_DATA, "removed", tmp_path)
        _put_back(demo_db, db)
        _check_answers_normally(server.base, calls)
    assert f"{db.resolve()}: no store here yet" in server.log.read_text()


# -- the user's side -------------------------------------------------------------------------


def _user_requests(base: str, calls) -> list[tuple[str, dict | None]]:
    view = _view(base, calls)
    return [("/", None), ("/_dash-layout", None), ("/_dash-update-component", calls["map"](view)),
            ("/_dash-update-component", calls["panel"](view))]  # fmt: skip


def _user(base: str, requests, answers: list, stop: threading.Event) -> None:
    """One user clicking round the dashboard until told to stop."""
    i = 0
    while not stop.is_set():
        path, body = requests[i % len(requests)]
        answers.append((path, _ask_with_one_retry(base + path, body)))
        i += 1


def _ask_with_one_retry(url: str, body: dict | None) -> Answer:
    """As a browser user does: a dropped connection or a server error is retried once."""
    answer = Answer(0, "", 0)
    for attempt in (1, 2):
        try:
            status, text = _ask(url, body)
        except (OSError, http.client.HTTPException) as exc:
            answer = Answer(-1, repr(exc), attempt)
            continue
        answer = Answer(status, text, attempt)
        if status < 500:
            break
    return answer


def _ask(url: str, body: dict | None) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _view(base: str, calls) -> str:
    status, text = _ask(base + "/_dash-update-component", calls["sync"])
    assert status == 200, text[:500]
    return json.loads(text)["response"]["view-state"]["data"]


# -- checks ----------------------------------------------------------------------------------


def _kill_when_busy(victim: int, master: int, answers: list) -> set[int]:
    """SIGKILL a worker once users have made a few more requests; the new set of workers."""
    seen = len(answers)
    wait_for(lambda: len(answers) >= seen + 8, what="requests before a kill")
    os.kill(victim, signal.SIGKILL)
    return wait_for(lambda: (w := _workers(master)) and victim not in w and w, what="a new worker")


def _workers(master: int) -> set[int] | None:
    found = workers(master)
    return found if len(found) == 2 else None


def _check_answers_normally(base: str, calls) -> None:
    """Each of several requests (so both workers answer some) gets the real dashboard."""
    for _ in range(3):
        view = _view(base, calls)
        status, page = _ask(base + "/", None)
        assert status == 200 and "react-entry-point" in page
        status, layout = _ask(base + "/_dash-layout", None)
        assert status == 200 and '"map"' in layout, layout[:500]
        status, text = _ask(base + "/_dash-update-component", calls["map"](view))
        assert status == 200 and '"figure"' in text, text[:500]


def _check_plain_everywhere(base: str, calls, sentence: str, how: str, db_dir) -> None:
    view = "?from=2026-01&to=2026-10"
    for _ in range(3):
        for path, body, must_say in [
            ("/", None, False),
            ("/_dash-layout", None, True),
            ("/_dash-update-component", calls["map"](view), True),
            ("/_dash-update-component", calls["panel"](view), True),
        ]:
            status, text = _ask(base + path, body)
            assert status in (200, 503), (how, path, status)
            leaks = [w for w in (*LEAKS, str(db_dir)) if w in text]
            assert not leaks, (how, path, leaks, text[:800])
            if must_say:
                assert sentence in text, (how, path, text[:800])


def _put_back(good, db) -> None:
    fresh = copy_store(good, db.parent / "fresh")
    os.replace(fresh, db)
    fresh.parent.rmdir()
