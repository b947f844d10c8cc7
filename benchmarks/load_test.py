"""Bounded load test: simulated users on ``socmap serve`` (production settings), quiet and
then while a police.uk month is being loaded into the store by ``socmap ingest``.

Each user is a browser tab (tests/support/dashclient.py): it opens the dashboard (the page,
``_dash-layout``, ``_dash-dependencies`` and the initial callbacks), then changes the public
view's filters (its one theme, its period block, the measure), drills down (a district, a
division, a hexagon: real map clicks through the callback endpoint) and goes back to Kent with
the breadcrumb, over and over, with a think time between actions (uniform in ``--think``,
seconds; ``0 0`` for none). Every request goes to 127.0.0.1 and the run stops by itself after
``--seconds`` per phase.

The second phase runs the same load while a separate ``socmap ingest police-uk`` process loads
a month after the store's last one (default: the real shared 2018-12 Kent file). A watcher
reloads the public view of the new month's block every half second: before the load commits
that block is not published (2018-12 completes the October to December quarter), so the page
shows no total; once it commits the page must show the block's total on every reload, and every
total it sees must be the one new total, nothing in between. (It watches that block rather
than the default view: the default is the latest *complete* block, and a quarter whose
partner data ends in November is partial, so loading police.uk's December does not make it
the default.) No request may fail, and no lock error may reach a user.

    .venv/bin/python -m benchmarks.load_test [--users 20] [--seconds 60] [--think 0.5 1.5]
        [--rows 1000000] [--workers N] [--phase both|quiet|loading] [--json]

Targets (issue 8): 20 users, 95th percentile under 1 s, zero errors, on this 2-core machine;
the same with a load running.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from benchmarks._bigstore import NEW_MONTH, OUT, bigstore, new_month_file, working_copy
from socmap.cli import EXIT_ERROR, EXIT_OK, EXIT_QUARANTINED
from tests.support.load import ingesting, phase_report, run_phase
from tests.support.serve import log_problems, served


def print_report(report: dict) -> None:
    ms = lambda s: f"{s['median'] * 1000:6.0f} {s['p95'] * 1000:6.0f} {s['max'] * 1000:6.0f}"  # noqa: E731
    print(
        f"\n== {report['phase']}: {report['requests']:,} requests in {report['seconds']:.0f} s "
        f"= {report['requests_per_second']:.1f}/s; errors {report['errors']}, "
        f"user-visible failures {len(report['user_errors'])}, lock errors {report['lock_errors']}"
    )
    if report["server_cpu_seconds"] is not None:
        cpu = report["server_cpu_seconds"]
        print(
            f"server CPU {cpu:.0f} s in {report['seconds']:.0f} s "
            f"({cpu / report['seconds']:.2f} cores; {cpu / report['requests'] * 1000:.0f} ms "
            f"a request); the simulated users' own CPU {report['client_cpu_seconds']:.0f} s"
        )
    print(f"{'request':14} {'n':>6} {'median':>6} {'p95':>6} {'max':>6}  (ms)")
    for kind, s in [*report["kinds"].items(), ("all", report["all"])]:
        print(f"{kind:14} {s['n']:6} {ms(s)}")
    print(f"{'user action':14} {'n':>6} {'median':>6} {'p95':>6} {'max':>6}  (ms, whole wait)")
    for kind, s in report["actions"].items():
        print(f"{kind:14} {s['n']:6} {ms(s)}")
    for e in report["user_errors"]:
        print("  error:", e)
    if "loading" in report:
        v = report["loading"]
        print(
            f"ingest exit {v['ingest_returncode']}{_EXIT_MEANING.get(v['ingest_returncode'], '')} "
            f"after {v['ingest_seconds']:.1f} s; "
            f"{v['watch_reloads']} reloads of the default view: new month shown before the "
            f"load started {v['shown_before_load_started']}, on every reload after the "
            f"commit {v['shown_on_every_reload_after_commit']}, first "
            f"{_signed(v['seconds_to_appear'])} s from the ingest's exit, went back "
            f"{v['went_back_after_shown']}; totals before {v['totals_before']}, after "
            f"{v['totals_after']} ({'atomic' if v['atomic'] else 'NOT ATOMIC'})"
        )


_EXIT_MEANING = {
    EXIT_OK: " (loaded)",
    EXIT_QUARANTINED: " (loaded; some rows quarantined)",
    EXIT_ERROR: " (FAILED)",
}


def _signed(x: float | None) -> str:
    return "never" if x is None else f"{x:+.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60, help="per phase")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, help="server workers (default: socmap's)")
    parser.add_argument("--phase", choices=("both", "quiet", "loading"), default="both")
    parser.add_argument("--load-after", type=float, default=10, help="seconds into phase 2")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="start at once, without waiting for the publisher to prepare the public views",
    )
    args = parser.parse_args()
    db = working_copy(bigstore(args.rows), "load-test")
    log = OUT / "load-test-server.log"
    reports = []
    with served(db, log, workers=args.workers) as server:
        base = server.base
        if not args.cold:
            print(f"publisher ready after {server.wait_for_publication():.0f} s", file=sys.stderr)
        if args.phase in ("both", "quiet"):
            cpu, own = server.cpu_seconds(), time.process_time()
            phase = run_phase(base, "quiet", args.users, args.seconds, args.think)
            cpu = (server.cpu_seconds() - cpu, time.process_time() - own)
            reports.append(phase_report(phase, *cpu))
            print_report(reports[-1])
        if args.phase in ("both", "loading"):
            cpu, own = server.cpu_seconds(), time.process_time()
            during = ingesting(base, db, new_month_file(), NEW_MONTH, args.load_after)
            phase = run_phase(base, "loading", args.users, args.seconds, args.think, 1, during)
            cpu = (server.cpu_seconds() - cpu, time.process_time() - own)
            reports.append(phase_report(phase, *cpu))
            print_report(reports[-1])
    problems = log_problems(log)
    print(f"\nserver log: {len(problems)} error lines" + "".join(f"\n  {p}" for p in problems[:5]))
    if args.json:
        print(json.dumps({"phases": reports, "server_log_problems": problems}, default=str))


if __name__ == "__main__":
    main()
