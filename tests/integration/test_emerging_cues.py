"""Emerging hot spot classes carry a second cue beside colour, on screen and on paper, and
each legend says it in words (dashboard.figures.palette.EMERGING_CUES).

On the dashboard's store (shared boundaries, the 24-month demo with its planted persistent
and emerging knife-crime spots in Maidstone): the screen figure draws each class with its
outline weight, the page legend names it; the print figure fills each class with its pattern
and the sheet's legend names that. The exported PNG is kept in the test artifacts to look at.
"""

from __future__ import annotations

import pytest

from dashboard.export import Renderer, export_map
from dashboard.export._print_figure import Frame, print_figure
from dashboard.export._sheet import environment
from dashboard.features.map import legend
from dashboard.figures.map_figure import map_figure
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from geo.disclosure import Audience
from geo.store import Store
from tests.support.browser import artifacts

pytestmark = pytest.mark.shared_data

MAIDSTONE = "E07000110"
QUERY = f"?d={MAIDSTONE}&theme=knife_crime&m=emerging&from=2024-11&to=2026-10"


@pytest.fixture(scope="module")
def model(dashboard_store):
    ctx = AppContext.create(Store(dashboard_store.db_path), dashboard_store, Audience.RESTRICTED)
    return ctx, map_model(ctx, ViewState.from_query(QUERY), Audience.RESTRICTED)


def test_the_screen_map_draws_each_class_with_its_outline_and_names_it(model, dashboard_store):
    _, m = model
    patterns = [i for i in m.legend if i.key != "no_pattern"]
    assert patterns, [i.key for i in m.legend]  # the planted spots show a pattern
    assert any(i.outline == 2.6 for i in patterns)
    fig = map_figure(m, dashboard_store)
    traces = {t["legendgroup"]: t for t in fig["data"] if t["type"] == "choroplethmap"}
    for item in m.legend:
        line = traces[item.key]["marker"]["line"]
        assert line["width"] == item.outline, item.key
        assert item.screen_cue == {2.6: "heavy", 1.4: "medium", 0.4: "thin"}[item.outline] + (
            " outline"
        )
    words = " ".join(str(c.children[1]) for c in legend(m)[1:] if hasattr(c, "children"))
    for item in m.legend:
        assert f"{item.label} ({item.screen_cue})" in words


def test_the_paper_map_fills_each_class_with_its_pattern_and_names_it(model):
    _, m = model
    fig = print_figure(m, Frame(600, 400))
    fills = {t.name: t.fillpattern.shape for t in fig.data if t.fill == "toself"}
    for item in m.legend:
        assert (fills[item.label] or "") == item.hatch, item.key
    html = environment().from_string("{% import '_macros.html.j2' as m %}{{ m.legend(model) }}")
    text = html.render(model=m)
    for item in m.legend:
        assert f"{item.label} ({item.paper_cue})" in text
        if item.hatch:
            assert "pat-" in text


@pytest.mark.parametrize("area", ["county", MAIDSTONE])
def test_an_exported_emerging_map_png_for_people_to_look_at(model, area):
    ctx, _ = model
    query = QUERY.replace(f"d={MAIDSTONE}&", "") if area == "county" else QUERY
    with Renderer() as renderer:
        out = export_map(
            ctx,
            ViewState.from_query(query),
            Audience.RESTRICTED,
            "png",
            renderer=renderer,
            user="test",
            client="test",
            dpi=200,
        )
    (artifacts() / f"emerging-{area}-export.png").write_bytes(out.data)
    assert len(out.data) > 100_000
