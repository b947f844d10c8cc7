"""Simulated users on a served dashboard, and a police.uk load while they work: the load
test's machinery, shared by tests/integration/test_load_while_ingesting.py (a few users,
seconds) and benchmarks/load_test.py (the full-size run, which documents what each user does
and what is checked).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.dashclient import Http, HttpError, Tab
from tests.support.serve import Recorder, by_kind, summary

MEASURES = ("count", "hotspots", "change", "emerging")
WATCH_AFTER = 3.0  # seconds the watcher goes on after the load has committed
# The panel's total: "Knife crime: 1,234 incidents with a location" (the public view's theme).
_TOTAL = re.compile(r": ([0-9,]+|fewer than \d+|suppressed)\s+incidents with a location")


@dataclass
class Phase:
    name: str
    seconds: float
    recorder: Recorder
    actions: Recorder
    user_errors: list[str] = field(default_factory=list)
    ingest: dict | None = None
    watch: list[dict] = field(default_factory=list)


def user(base: str, phase: Phase, deadline: float, think: tuple[float, float], seed: int):
    """One simulated user until ``deadline``: open, filter, drill down, back, repeat. A
    failed request is counted by the recorder; the user then starts again with a new tab."""
    rng = random.Random(seed)
    with ThreadPoolExecutor(4) as pool:
        while time.monotonic() < deadline:
            tab = Tab(Http(base, phase.recorder), pool=pool)
            try:
                _session(tab, rng, phase, deadline, think)
            except HttpError as exc:
                phase.user_errors.append(str(exc)[:300])
                time.sleep(0.2)


def _session(tab: Tab, rng: random.Random, phase: Phase, deadline: float, think) -> None:
    def act(kind: str, step) -> None:
        if time.monotonic() >= deadline:
            raise _Done
        t0 = time.perf_counter()
        if step() is not False:
            phase.actions(kind, time.perf_counter() - t0, 200, 0, None)
        time.sleep(rng.uniform(*think))

    def click(test):
        pieces = [p for p in tab.pieces() if test(p[2])]
        if not pieces:  # nothing drawn for this filter: a user would change it instead
            return False
        return tab.click_map(lambda _: rng.choice(pieces)[:2])

    try:
        act("open", lambda: tab.open(""))
        for _ in range(rng.randint(1, 3)):
            act("filter", lambda: _filter(tab, rng))
        act("district", lambda: click(lambda c: bool(c[2])))
        act("filter", lambda: _filter(tab, rng))
        act("division", lambda: click(lambda c: bool(c[1])))
        act("hexagon", lambda: click(lambda c: True))
        act("back", lambda: tab.click_crumb("county"))
    except _Done:
        return


class _Done(Exception):  # noqa: N818 - the phase's time is up
    pass


def _filter(tab: Tab, rng: random.Random) -> None:
    """One of the public view's controls: its one theme, its period block, the measure."""
    control = rng.choice(("themes", "period", "measure"))
    if control == "measure":
        tab.set("filter-measure", "value", rng.choice(MEASURES))
    else:
        options = tab.value(f"filter-{control}", "options") or []
        tab.set(f"filter-{control}", "value", rng.choice(options)["value"])


def run_phase(base, name, users, seconds, think, seed=0, during=None) -> Phase:
    """``users`` users for ``seconds``; ``during(phase, deadline)`` runs alongside them."""
    phase = Phase(name, seconds, Recorder(), Recorder())
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=user, args=(base, phase, deadline, think, seed * 1000 + i))
        for i in range(users)
    ]
    for i, t in enumerate(threads):
        t.start()
        time.sleep(min(0.05, seconds / 100) if i < users - 1 else 0)  # not all in one ms
    if during is not None:
        during(phase, deadline)
    for t in threads:
        t.join()
    return phase


def ingesting(base: str, db: Path, new_file: Path, month: str, start_after: float):
    """What runs alongside the users in the loading phase: the ingest and a watcher."""

    def during(phase: Phase, deadline: float) -> None:
        stop = threading.Event()
        watcher = threading.Thread(target=_watch, args=(base, phase, month, stop))
        watcher.start()
        time.sleep(start_after)
        env = {**os.environ, "SOCMAP_DB": str(db)}
        t0 = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "socmap", "ingest", "police-uk", str(new_file)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        phase.ingest = {
            "file": str(new_file),
            "returncode": done.returncode,
            "started": t0,
            "finished": time.monotonic(),
            "output": (done.stdout + done.stderr)[-2000:],
        }
        # Users stop at the deadline; the watcher goes on a little past the commit in any case.
        time.sleep(max(deadline - time.monotonic(), 0.0, WATCH_AFTER))
        stop.set()
        watcher.join()

    return during


def _watch(base: str, phase: Phase, month: str, stop: threading.Event) -> None:
    """Reload the public view of the new month's block every half second: whether it is
    published (a total shown for the block running to the new month), and its total."""
    with ThreadPoolExecutor(4) as pool:
        while not stop.is_set():
            t0 = time.monotonic()
            tab = Tab(Http(base, phase.recorder), pool=pool)
            try:
                tab.open(f"?to={month}")
                state = tab.value("view-state", "data") or ""
                found = _TOTAL.search(tab.text("panel-totals"))
                phase.watch.append(
                    {
                        "start": t0,
                        "end": time.monotonic(),
                        "new_month": f"to={month}" in state and found is not None,
                        "total": found.group(1) if found else None,
                    }
                )
            except HttpError as exc:
                phase.user_errors.append(f"watcher: {exc}")
            stop.wait(0.5)


def loading_verdict(phase: Phase) -> dict:
    """Did the new month appear once the load committed, stay, and never show half-loaded?"""
    ing, watch = phase.ingest or {}, phase.watch
    started, finished = ing.get("started", 0.0), ing.get("finished", float("inf"))
    seen = [w for w in watch if w["new_month"]]
    first = min((w["end"] for w in seen), default=None)
    after = [w for w in watch if w["start"] > finished]
    old_totals = sorted({w["total"] for w in watch if not w["new_month"]}, key=str)
    new_totals = sorted({w["total"] for w in seen}, key=str)
    return {
        "ingest_returncode": ing.get("returncode"),
        "ingest_seconds": finished - started,
        "shown_before_load_started": any(w["end"] < started for w in seen),
        "shown_on_every_reload_after_commit": bool(after) and all(w["new_month"] for w in after),
        "went_back_after_shown": first is not None
        and any(not w["new_month"] and w["start"] > first for w in watch),
        "seconds_to_appear": None if first is None else first - finished,
        "totals_before": old_totals,
        "totals_after": new_totals,
        "atomic": len(old_totals) <= 1 and len(new_totals) == 1,
        "watch_reloads": len(watch),
    }


def phase_report(phase: Phase, server_cpu: float | None = None, client_cpu=None) -> dict:
    samples = phase.recorder.samples
    kinds = {k: summary([s.seconds for s in v]) for k, v in sorted(by_kind(samples).items())}
    actions = {
        k: summary([s.seconds for s in v])
        for k, v in sorted(by_kind(phase.actions.samples).items())
    }
    errors = [s.error for s in samples if s.error]
    lock = [e for e in errors + phase.user_errors if "lock" in e.lower()]
    return {
        "phase": phase.name,
        "seconds": phase.seconds,
        "requests": len(samples),
        "requests_per_second": len(samples) / phase.seconds,
        "server_cpu_seconds": server_cpu,
        "client_cpu_seconds": client_cpu,
        "all": summary([s.seconds for s in samples]),
        "kinds": kinds,
        "actions": actions,
        "errors": len(errors),
        "user_errors": phase.user_errors[:10],
        "lock_errors": len(lock),
        **({"loading": loading_verdict(phase)} if phase.ingest is not None else {}),
    }
