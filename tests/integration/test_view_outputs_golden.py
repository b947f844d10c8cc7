"""Every public and restricted output of a set of views is exactly what the code before the
array-based piece lookups produced (``geo.disclosure.SuppressedTree.piece_codes``, the map's
pieces shared with the public statistics): that change was for speed only, and the public
counts, suppression marks and everything derived from them must not move by one value.

The golden digests (``golden/view_outputs_*.json``) were recorded by
``python -m tests.support.view_outputs`` with the code of main at 6004d13 (before the
change), on the two stores built below: the demo alone (12 months), and the deployment-like
store of ``dashboard_store`` (24 demo months and the three real police.uk months). Each entry
is a SHA-256 of one output's every value (map pieces, classes, values, words and hovers,
legend and notes; the side panel; the hot spot summary; the public Gi* classes with their
published values and the emerging categories). A failure names the view and the output.

A deliberate change of what a view shows (or of the demo generator, or the boundaries) makes
this fail too: then look at what moved, and re-record with the new code (the module's
``main``, on a store built as the fixtures below build theirs), saying why in the commit.

Re-recorded 2026-12-07 (fifth session) for two deliberate changes of wording, after checking
that with both switched off every digest still equalled the old goldens: the public panel no
longer lists the months of a restricted category's records ("Data loaded, by theme"), and a
view counting or comparing a thin month (December 2018 of police.uk) carries a warning.
Re-recorded again (sixth session) when a change across a thin month stopped being tested:
with the rule switched off (no reason to leave a change untested, the warning's old last
sentence) every digest equalled the goldens; with it on, 96 maps and panels of the real
months moved (the views counting or comparing December 2018) and no demo view. And again
(sixth session) after a second review: with few months loaded a month is thin against the
source's largest month (November 2018 joins December); a change map with no earlier data
says so instead of "No incidents match"; the county's "Top divisions" title says what the
list leaves out; a one-period emerging map is "not analysed"; trend points holding a thin
month are "thin"; emerging analyses over thin months warn that cold patterns may be the
data. With all of these switched off (and the shared cache cleared: a value computed with a
switch off is kept under the same code's key) every digest equalled the goldens of 07894e8;
with them on 30 demo outputs (18 panels, 12 change maps) and 138 real-month outputs (66
maps, 42 panels, 30 summaries) moved.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.views.context import AppContext
from geo.settings import Settings
from geo.store import Store
from tests.support.view_outputs import record

pytestmark = pytest.mark.shared_data
GOLDEN = Path(__file__).parent / "golden"


def _compare(ctx: AppContext, name: str) -> None:
    expected = json.loads((GOLDEN / name).read_text())
    got = record(ctx)
    assert sorted(got) == sorted(expected)
    wrong = [
        f"{view} {part}"
        for view, parts in expected.items()
        for part, value in parts.items()
        if got[view].get(part) != value
    ]
    assert not wrong, f"{len(wrong)} outputs changed, e.g. {wrong[:5]}"
    assert sum(len(p) for p in expected.values()) > 400  # the comparison covers many outputs


@pytest.fixture(scope="module")
def demo_store(shared_data: Path, tmp_path_factory) -> Settings:
    from geo.areas.boundaries import fetch_boundaries
    from geo.demo import load_demo

    settings = Settings(
        db_path=tmp_path_factory.mktemp("golden") / "socmap.duckdb", cookie_secure=False
    )
    store = Store(settings.db_path)
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    load_demo(store, settings, seed=2024, months=12, end="2026-10")
    store.close()
    return settings


def test_demo_views_are_as_before(demo_store):
    _compare(AppContext.create(Store(demo_store.db_path), demo_store), "view_outputs_demo.json")


def test_views_with_real_months_are_as_before(dashboard_store):
    ctx = AppContext.create(Store(dashboard_store.db_path), dashboard_store)
    _compare(ctx, "view_outputs_real.json")
