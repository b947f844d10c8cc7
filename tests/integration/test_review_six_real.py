"""What a fresh-eyes review of the real Kent months found misleading, fixed, on the whole
class of surfaces each time (the sixth session's review):

* one period has no trend: the emerging map, its legend, the data export and the summary say
  "not analysed", never "no pattern detected" or "none found" (which read as an analysis
  that found nothing);
* trend points holding a thin month are drawn apart ("thin"), Part 2 and Part 1;
* every statistic of the command line, and the data export's notes, name the thin months
  (`socmap rates` no longer calls such a period just "complete");
* a "top divisions" list says what it leaves out (withheld counts; Medway, which has no
  county divisions).
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from dashboard.export import export_data
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from dashboard.views.measures import NOT_ANALYSED
from dashboard.views.panel_view import hotspot_summary, panel_model
from geo.disclosure import Audience
from geo.store import Store
from socmap.cli import main

pytestmark = pytest.mark.shared_data

QUARTER = "?from=2018-10&to=2018-12"


@pytest.fixture(scope="module")
def settings(kent_stores, tmp_path_factory):
    return kent_stores.copy(tmp_path_factory.mktemp("review6"))


def _ctx(settings, audience):
    return AppContext.create(Store(settings.db_path), settings, audience)


@pytest.mark.parametrize(
    ("audience", "query"),
    [
        (Audience.PUBLIC, "?m=emerging"),  # one quarter published
        (Audience.RESTRICTED, "?from=2018-12&to=2018-12&m=emerging"),  # one month
    ],
)
def test_one_period_is_not_analysed_on_every_surface(settings, audience, query):
    ctx = _ctx(settings, audience)
    state = ViewState.from_query(query)
    model = map_model(ctx, state, audience)
    assert {f.klass for f in model.features} == {"not_analysed"}
    assert [c.label for c in model.legend] == [NOT_ANALYSED]
    summary = hotspot_summary(ctx, state, audience)
    line = next(t for t in summary if t.startswith("Emerging patterns"))
    assert line == "Emerging patterns: not analysed (too few periods for a trend)"
    data = export_data(ctx, state, audience, "csv", user="t", client="t").data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    classes = {r["emerging_class"] for r in rows if r["layer"] == "hexagon"}
    assert classes == {"not_analysed"}


def test_with_three_months_the_restricted_emerging_map_is_analysed(settings):
    ctx = _ctx(settings, Audience.RESTRICTED)
    model = map_model(ctx, ViewState.from_query(f"{QUARTER}&m=emerging"), Audience.RESTRICTED)
    assert "not_analysed" not in {f.klass for f in model.features}


def test_trend_points_holding_a_thin_month_are_drawn_as_thin(settings):
    restricted = panel_model(
        _ctx(settings, Audience.RESTRICTED), ViewState.from_query(QUARTER), Audience.RESTRICTED
    )
    assert restricted.trend_status["Knife crime"] == ["complete", "thin", "thin"]
    public = panel_model(_ctx(settings, Audience.PUBLIC), ViewState(), Audience.PUBLIC)
    (status,) = public.trend_status.values()
    assert status[-1] == "thin"  # Q3 2018/19 holds November and December


@pytest.mark.parametrize(
    "command",
    [["hexes", "--res", "8"], ["hotspots", "--res", "8"], ["emerging", "--res", "7"]],
    ids=lambda c: c[0],
)
def test_every_statistic_names_the_thin_months(settings, capsys, command):
    assert main(["--db", str(settings.db_path), *command, "--format", "json"]) == 0
    err = capsys.readouterr().err
    assert "November 2018" in err and "December 2018" in err and "thin month" in err


def test_the_data_export_carries_the_caveats(settings):
    ctx = _ctx(settings, Audience.PUBLIC)
    data = export_data(ctx, ViewState(), Audience.PUBLIC, "csv", user="t", client="t").data
    notes = [r["name"] for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
             if r["layer"] == "note"]  # fmt: skip
    assert any(n.startswith("Read with care: Thin months: November 2018") for n in notes)
    assert any(n.startswith("Read with care: Proxy:") for n in notes)


@pytest.mark.parametrize("audience", list(Audience))
def test_the_top_divisions_say_what_they_leave_out(settings, audience):
    panel = panel_model(_ctx(settings, audience), ViewState(), audience)
    assert "Medway has no county divisions" in panel.top_areas_title
    if audience is Audience.PUBLIC:
        assert "withheld counts are not ranked" in panel.top_areas_title
    assert all(r.value for r in panel.top_areas)  # published counts above zero only


def test_the_summary_names_each_sources_thin_months(settings, capsys):
    assert main(["--db", str(settings.db_path), "summary", "--format", "json"]) == 0
    police = json.loads(capsys.readouterr().out)["coverage"]["sources"]["police-uk"]
    assert [t["month"] for t in police["thin"]] == ["2018-11", "2018-12"]
    assert main(["--db", str(settings.db_path), "summary"]) == 0
    text = capsys.readouterr().out
    assert "thin month (likely incomplete): December 2018 (police.uk: 8,418 records" in text
