"""A load killed with SIGKILL at any moment: the store still opens, holds the whole batch or
none of it, and the same load then succeeds.

A real ``socmap ingest police-uk`` runs in a child process on a generated file that replaces
a month already stored (so a commit deletes, supersedes and inserts). One uninterrupted run
measures when each phase happens; then the load is killed 24 times: at times spread over the
whole run, and at moments anchored to what the files show (the working copy appearing, rows
being written, the commit's WAL, the checkpoint done). The kill times come from a seeded
random generator, so a failure can be reproduced.
"""

from __future__ import annotations

import random
import shutil
import subprocess

import pytest

from socmap.cli import EXIT_OK, EXIT_QUARANTINED, main
from tests.support import boundaries
from tests.support.faults import (
    EVENTS,
    LoadWatch,
    copy_store,
    ingest_command,
    leftovers,
    load_case,
    socmap_command,
    store_state,
    without_version,
)

pytestmark = pytest.mark.slow

SEED = 20240806
SPREAD_KILLS = 12  # over the whole run, one in each twelfth of it
ANCHORED_KILLS = 3  # after each of copy, rows, commit and checkpoint


@pytest.fixture(scope="module")
def loads(tmp_path_factory):
    """The load case, and one clean run of it, measured."""
    folder = tmp_path_factory.mktemp("kill")
    case = load_case(folder)
    clean = copy_store(case.base, folder / "clean")
    proc = subprocess.Popen(ingest_command(clean, case.file), stdout=subprocess.DEVNULL)
    timeline = LoadWatch(clean, proc).run_to_end()
    assert proc.returncode == EXIT_QUARANTINED, timeline
    return {"base": case.base, "file": case.file, "expected": case.expected,
            "before": case.before, "after": store_state(clean), "timeline": timeline}  # fmt: skip


def test_the_clean_run_stores_the_whole_file_and_replaces_the_month(loads):
    e = loads["expected"]
    old, new = loads["after"]["batches"]
    assert old[2] == "superseded" and old[7:] == (0, 0, 0)
    assert new[1:] == (
        str(loads["file"]), "active", e.rows, e.loaded, e.unmapped, e.quarantined,
        e.loaded + e.unmapped, e.unmapped, e.quarantined,
    )  # fmt: skip
    assert loads["after"]["totals"][:2] == (e.loaded + e.unmapped, e.quarantined)
    assert all(event in loads["timeline"] for event in ("copy", "rows", "commit", "exit"))


def test_a_load_killed_anywhere_leaves_all_or_nothing_and_runs_again(loads, tmp_path):
    before, after = without_version(loads["before"]), without_version(loads["after"])
    phases = []
    for i, (anchor, delay) in enumerate(_kill_plan(loads["timeline"], random.Random(SEED))):
        db = copy_store(loads["base"], tmp_path / f"run{i}")
        proc = subprocess.Popen(
            ingest_command(db, loads["file"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        phase = LoadWatch(db, proc).kill_at(anchor, delay)
        phases.append(phase)
        where = f"kill {i}: {delay:.3f} s after {anchor}, last seen {phase}"
        state = store_state(db)  # opens with no error, or this raises
        assert without_version(state) in (before, after), where
        if phase in ("published", "exit"):
            assert without_version(state) == after, where
        if without_version(state) == before:
            assert state["version"] == loads["before"]["version"], where
        code = main(["--db", str(db), "ingest", "police-uk", str(loads["file"]), "--no-progress"])
        assert code in (EXIT_OK, EXIT_QUARANTINED), where
        assert without_version(store_state(db)) == after, where
        assert leftovers(db) == set(), where
        shutil.rmtree(db.parent)
    print("timeline", loads["timeline"], "phases killed in", sorted(phases, key=EVENTS.index))
    # The plan must have reached inside the write, or the test proved nothing.
    assert {"copy", "rows", "commit", "checkpointed"} & set(phases), phases


@pytest.mark.parametrize("command", ["demo", "boundaries"])
def test_demo_and_boundary_loads_killed_midway_leave_all_or_nothing(loads, tmp_path, command):
    folder = tmp_path / "areas"
    districts = boundaries.write_set(folder)["district"]
    args = {
        "demo": ["demo", "--months", "12", "--end", "2026-10"],
        "boundaries": ["boundaries", "load", str(districts), "--level", "district"],
    }[command]
    clean = copy_store(loads["base"], tmp_path / "clean")
    proc = subprocess.Popen(socmap_command(clean, *args), stdout=subprocess.DEVNULL)
    timeline = LoadWatch(clean, proc).run_to_end()
    assert proc.returncode == EXIT_OK, timeline
    before, after = without_version(loads["before"]), without_version(store_state(clean))
    assert after != before
    rng = random.Random(SEED)
    for i, anchor in enumerate(["rows", "commit"]):
        db = copy_store(loads["base"], tmp_path / f"run{i}")
        proc = subprocess.Popen(
            socmap_command(db, *args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        width = _window(timeline, anchor)
        phase = LoadWatch(db, proc).kill_at(anchor, width * rng.random())
        assert without_version(store_state(db)) in (before, after), phase
        assert main(["--db", str(db), *args]) == EXIT_OK
        assert without_version(store_state(db)) == after, phase


def _kill_plan(timeline: dict[str, float], rng: random.Random) -> list[tuple[str, float]]:
    """(anchor event, delay after it) for each kill, in a shuffled order."""
    end = timeline["exit"]
    plan = [("start", end * (i + rng.random()) / SPREAD_KILLS) for i in range(SPREAD_KILLS)]
    for anchor in ("copy", "rows", "commit", "checkpointed"):
        width = _window(timeline, anchor)
        plan += [(anchor, width * rng.random()) for _ in range(ANCHORED_KILLS)]
    rng.shuffle(plan)
    return plan


def _window(timeline: dict[str, float], anchor: str) -> float:
    """How long the clean run stayed in the phase that starts at ``anchor``."""
    following = {"copy": "rows", "rows": "commit", "commit": "checkpointed"}.get(anchor)
    if following is None or anchor not in timeline or following not in timeline:
        return 0.0  # kill as soon as the anchor shows
    return max(0.0, timeline[following] - timeline[anchor])
