"""The public view never places a restricted category's records in time finer than the
published block.

A red-team attack (2026-12-07) loaded a partner file of two modern-slavery records (a source
holding nothing else) beside the real police.uk months: the public panel's "Data loaded, by
theme" said "Modern slavery: October 2018 and December 2018 (nrm)", so with the district
table's "not shown separately" the count was 2 to 4 with one in October and one in December;
with k = 3, or six-month blocks, it was pinned exactly. The same months also made a block
published, and counted in the quick periods' "data for N of its months".

The test is the attack's premise, differencing: two stores whose restricted records differ
only in the months they fall in, inside one block, give the same public responses, byte for
byte, from every callback the view drives and the CSV; with the public coverage as it was
(every category's months) they differ.
"""

from __future__ import annotations

import pytest

from dashboard.app import create_app
from dashboard.views import context as context_module
from dashboard.views import panel_view
from dashboard.views.panel_view import RESTRICTED_COVERAGE
from geo.ingest import ingest_incidents
from geo.store import Store
from tests.support import attacks as at
from tests.support.dashclient import callback_body, dependencies
from tests.support.partner import write_csv

pytestmark = pytest.mark.shared_data

CANTERBURY = (51.2797, 1.0789)
# The same two records, by month: inside Q3 2018/19 (October to December 2018) both ways.
SPREAD = ("2018-10-14", "2018-12-03")
BUNCHED = ("2018-11-14", "2018-11-20")
VIEWS = ["", "?from=2018-10&to=2018-12", "?theme=county_lines", "?from=2018-07&to=2018-09"]


def _store(kent_stores, folder, dates):
    folder.mkdir()
    settings = kent_stores.copy(folder, cookie_secure=False, anonymous_export_limit=10_000)
    rows = [[f"NRM-{i}", "modern_slavery", d, *CANTERBURY] for i, d in enumerate(dates)]
    path = write_csv(folder / "nrm.csv", rows)
    store = Store(settings.db_path)
    report = ingest_incidents(store, path, settings, source="nrm", progress=False)
    store.close()
    assert report.loaded == len(dates)
    return settings


def _public_responses(settings) -> dict[tuple[str, str], bytes]:
    """Every public response the views below give: each callback the view state drives,
    the navigation's canonical state, and the CSV download."""
    app = create_app(Store(settings.db_path), settings)
    client = app.server.test_client()
    deps = dependencies(app)
    driven = [
        k.strip(".").split("...")[0]
        for k, spec in app.callback_map.items()
        if [i["id"] for i in spec["inputs"]] == ["view-state"]
    ]
    out = {}
    for query in VIEWS:
        state = at.canonical(client, app, query or "?")
        out[(query, "state")] = state.encode()
        for which in driven:
            reply = client.post("/_dash-update-component", json=callback_body(deps, state, which))
            assert reply.status_code == 200, (query, which)
            out[(query, which)] = reply.get_data()
        out[(query, "csv")] = at.download(client, state, "csv")
    return out


def _differences(a: dict, b: dict) -> list:
    # A CSV names the export it is (a reference made per download): that line aside.
    def plain(key, body):
        if key[1] != "csv":
            return body
        return b"\n".join(line for line in body.split(b"\n") if b"EXP-" not in line)

    return [key for key in a if plain(key, a[key]) != plain(key, b[key])]


def test_restricted_records_months_do_not_show(kent_stores, tmp_path):
    spread = _public_responses(_store(kent_stores, tmp_path / "a", SPREAD))
    bunched = _public_responses(_store(kent_stores, tmp_path / "b", BUNCHED))
    assert _differences(spread, bunched) == []
    # The records are there (the district table counts them); the panel says why no month
    # of theirs is given.
    said = b"".join(spread.values())
    assert b"Modern slavery" in said and RESTRICTED_COVERAGE.encode() in said
    assert b"(nrm)" not in said


def test_the_attack_reads_the_months_with_the_old_coverage(kent_stores, tmp_path, monkeypatch):
    """The protection off: the public coverage and blocks read from every category's months."""
    monkeypatch.setattr(context_module, "hidden_categories", lambda ctx: frozenset())
    monkeypatch.setattr(panel_view, "hidden_categories", lambda ctx: frozenset())
    spread = _public_responses(_store(kent_stores, tmp_path / "a", SPREAD))
    bunched = _public_responses(_store(kent_stores, tmp_path / "b", BUNCHED))
    assert _differences(spread, bunched)
    said = b"".join(spread.values())
    assert b"October 2018 and December 2018 (nrm)" in said


def test_a_lone_restricted_record_publishes_no_block(kent_stores, tmp_path):
    """A restricted record in a quarter with no other data (January 2019: police.uk ends in
    December) neither publishes that quarter nor appears in any public month list."""
    settings = _store(kent_stores, tmp_path / "c", ("2019-01-20",))
    (tmp_path / "d").mkdir()
    plain = kent_stores.copy(tmp_path / "d", cookie_secure=False, anonymous_export_limit=10_000)
    without = _public_responses(plain)
    with_it = _public_responses(settings)
    assert _differences(with_it, without) == []
