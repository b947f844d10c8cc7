"""Thin months on the real Kent data: December 2018 holds 8,418 police.uk records and
November 13,815 against October's 19,385 (with three months loaded the largest month is the
reference), and reviewers read the falls into them as significant falls in crime. Every
view that counts or compares November or December says so; one that does not, does not.
The figures in the Part 2 note are checked against a direct count of the store's rows."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from dashboard.browser import Renderer
from dashboard.export import briefing_html
from dashboard.export._briefing import briefing_model
from dashboard.export._meta import new_info
from dashboard.export._rows import area_rows
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from dashboard.views.panel_view import panel_model
from geo.disclosure import Audience
from geo.store import Store, _coverage
from socmap.cli import main

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def settings(kent_stores, tmp_path_factory):
    return kent_stores.copy(tmp_path_factory.mktemp("thin"))


def _thin(notes) -> list[str]:
    return [n for n in notes if n.startswith("Thin month")]


def _map_notes(settings, audience, query):
    ctx = AppContext.create(Store(settings.db_path), settings, audience)
    model = map_model(ctx, ViewState.from_query(query), audience)
    return _thin([n.text for n in model.notes if n.warn])


def test_part_2_names_december_with_the_stores_own_figures(settings):
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        by_month = dict(
            con.execute(
                "SELECT strftime(month, '%Y-%m'), count(*) FROM incidents "
                "WHERE source = 'police-uk' GROUP BY 1"
            ).fetchall()
        )
    assert len(by_month) < 6  # few months: the largest is the reference, not the median
    largest = max(by_month.values())
    (note,) = _map_notes(settings, Audience.RESTRICTED, "?from=2018-10&to=2018-12")
    for month, name in (("2018-11", "November"), ("2018-12", "December")):
        n = by_month[month]
        assert f"{name} 2018 (police.uk: {n:,} records" in note
        assert f"{n / largest:.0%} of its largest month's {largest:,.0f}" in note
    assert sorted(m for m, n in by_month.items() if n < 0.75 * largest) == ["2018-11", "2018-12"]


@pytest.mark.parametrize(
    ("query", "warned"),
    [
        ("?from=2018-10&to=2018-12", True),
        ("?from=2018-11&to=2018-12&m=change", True),  # December in the period
        ("?from=2018-10&to=2018-11", True),  # November in the period
        ("?from=2018-10&to=2018-10", False),  # October alone, compared with nothing
        ("?from=2018-10&to=2018-10&m=change", False),
    ],
)
def test_part_2_warns_wherever_december_is_counted_or_compared(settings, query, warned):
    assert bool(_map_notes(settings, Audience.RESTRICTED, query)) is warned


def test_the_public_is_told_without_a_figure(settings):
    (note,) = _map_notes(settings, Audience.PUBLIC, "")
    assert "December 2018 (police.uk)" in note
    assert not re.search(r"\d[\d,]*\s*(records|%)", note)
    ctx = AppContext.create(Store(settings.db_path), settings, Audience.PUBLIC)
    panel = panel_model(ctx, ViewState.from_query(""), Audience.PUBLIC)
    assert _thin(panel.notes) == [note]


def test_the_panel_warns_for_its_comparison_with_the_period_before(settings):
    """The Part 2 panel sets each theme beside the period before: October, set beside a
    September with no data, has no warning; December, set beside November, has one."""
    ctx = AppContext.create(Store(settings.db_path), settings, Audience.RESTRICTED)
    for query, warned in (("?from=2018-10&to=2018-10", False), ("?from=2018-12&to=2018-12", True)):
        panel = panel_model(ctx, ViewState.from_query(query), Audience.RESTRICTED)
        assert bool(_thin(panel.notes)) is warned, query


DECEMBER_CHANGE = "?from=2018-12&to=2018-12&m=change"


@pytest.fixture(scope="module")
def renderer():
    with Renderer() as r:
        yield r


def test_a_change_into_december_is_shown_untested_everywhere(settings, renderer, capsys):
    """The reviewer's "down 40% per day, significant": the map, the panel, the export's
    area rows, the briefing pack and ``socmap change`` now give the size and direction of
    the fall into December with no test, and say why; November against October too."""

    ctx = AppContext.create(Store(settings.db_path), settings, Audience.RESTRICTED)
    state = ViewState.from_query(DECEMBER_CHANGE)
    model = map_model(ctx, state, Audience.RESTRICTED)
    classes = {f.klass for f in model.features}
    assert "down_untested" in classes and not classes & {"up_sig", "down_sig", "up", "down"}
    assert "Down (not tested: thin month)" in [c.label for c in model.legend]
    november = map_model(ctx, ViewState.from_query("?from=2018-11&to=2018-11&m=change"),
                         Audience.RESTRICTED)  # fmt: skip
    assert not {"down_sig", "up_sig", "up", "down"} & {f.klass for f in november.features}
    themes = panel_model(ctx, state, Audience.RESTRICTED).themes
    knife = next(r for r in themes if r.label == "Knife crime")
    assert "per day, not tested (thin months)" in knife.change and not knife.significant
    rows = area_rows(ctx, state, Audience.RESTRICTED)
    assert rows[0].level == "county" and rows[0].change.p is None
    assert re.fullmatch(r"down \d+% per day, not tested \(thin months\)", rows[0].change.label)
    brief = briefing_model(ctx, state, Audience.RESTRICTED)
    info = new_info(ctx, brief.state, Audience.RESTRICTED, kind="briefing", fmt="pdf",
                    title="t", user="t", client="t")  # fmt: skip
    html = briefing_html(ctx, brief, info, renderer)
    assert "Changes are not tested for significance: the periods compared include thin" in html
    assert "Change (not tested: thin months)" in html and "A change in bold is" not in html
    code = main(["--db", str(settings.db_path), "change", "--res", "7", "--from", "2018-12",
                 "--to", "2018-12", "--format", "json"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["untested"] == "thin months"
    assert all(r["significant"] is None for r in out["rows"])  # untested, not "no"
    assert any("December 2018 (police.uk: 8,418 records" in n for n in out["notes"])


def test_emerging_patterns_warn_of_the_thin_months_they_rest_on(settings, capsys, monkeypatch):
    """A month short of records reads colder in every hexagon: the emerging analysis (the
    command and the Part 2 map) says which months, and that cold patterns may be the data;
    with no thin month it says nothing of the kind."""
    said = "November 2018 (police.uk) and December 2018 (police.uk) are thin months"
    argv = ["--db", str(settings.db_path), "emerging", "--res", "7", "--format", "json"]
    assert main(argv) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any(w.startswith(said) and "cold spots" in w for w in warnings)
    ctx = AppContext.create(Store(settings.db_path), settings, Audience.RESTRICTED)
    model = map_model(ctx, ViewState.from_query("?m=emerging"), Audience.RESTRICTED)
    assert any(said in n.text for n in model.notes if n.warn)
    monkeypatch.setattr(_coverage, "THIN_SHARE", 0.0)  # no month thin: no such warning
    assert main(argv) == 0
    assert not any("thin month" in w for w in json.loads(capsys.readouterr().out)["warnings"])
