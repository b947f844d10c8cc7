"""The basemap in every exported map (issue 18): the map PDF and PNG of the county, a district,
a division and Medway draw land, sea, water and railways under the hexagons and place names
over them, print the attribution on the map, and name the division on its own map. Without
context data the same exports print no basemap and no attribution. Rendered pages go to
$SOCMAP_TEST_ARTIFACTS for people to look at."""

from __future__ import annotations

import pytest

from dashboard.export import Renderer, export_map
from dashboard.export._basemap_print import attribution_lines
from dashboard.export._print_figure import Frame, print_figure
from dashboard.export._svg_layer import split_at
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from geo.disclosure import Audience
from geo.settings import Settings
from geo.store import Store
from tests.support.browser import artifacts
from tests.support.export_check import pdf_text, rendered_pages
from tests.support.layers import layer_difference

pytestmark = pytest.mark.shared_data

PERIOD = "from=2025-11&to=2026-10"
VIEWS = {
    "county": f"?{PERIOD}",
    "district": f"?d=E07000114&{PERIOD}",
    "division": f"?v=E58000720&{PERIOD}",
    "medway": f"?d=E06000035&{PERIOD}",
}
# Names the map of each view must print (towns at county level, more drilled down).
TOWNS = {
    "county": ("Canterbury", "Maidstone", "Ashford"),
    "district": ("Margate", "Ramsgate"),
    "division": (),
    "medway": ("Gillingham", "Chatham"),
}


@pytest.fixture(scope="module")
def context_settings(dashboard_with_context, tmp_path_factory) -> Settings:
    return dashboard_with_context(tmp_path_factory.mktemp("export-basemap"))


@pytest.fixture(scope="module")
def renderer():
    with Renderer() as r:
        yield r


@pytest.mark.parametrize("view", list(VIEWS))
def test_every_exported_map_has_its_basemap_names_and_attribution(context_settings, renderer, view):
    ctx = AppContext.create(Store(context_settings.db_path), context_settings, Audience.RESTRICTED)
    state = ViewState.from_query(VIEWS[view])
    model = map_model(ctx, state, Audience.RESTRICTED)
    assert model.base is not None and model.base.land and model.base.railways
    out = export_map(
        ctx, state, Audience.RESTRICTED, "pdf", renderer=renderer, user="t", client="t"
    )
    text = " ".join(pdf_text(out.data).split())
    for line in attribution_lines(model.base):
        assert line in text, line
    assert "Railways approximate" in text
    for town in TOWNS[view]:
        assert town in text, town
    if view == "division":
        assert "Margate Central" in text or model.breadcrumb[-1][2] in text
    assert len(rendered_pages(out.data)) == 1
    (artifacts() / f"export-basemap-{view}.pdf").write_bytes(out.data)


def test_an_export_without_context_data_has_no_basemap(dashboard_store, renderer):
    ctx = AppContext.create(Store(dashboard_store.db_path), dashboard_store, Audience.RESTRICTED)
    state = ViewState.from_query(VIEWS["medway"])
    assert map_model(ctx, state, Audience.RESTRICTED).base is None
    out = export_map(
        ctx, state, Audience.RESTRICTED, "pdf", renderer=renderer, user="t", client="t"
    )
    text = " ".join(pdf_text(out.data).split())
    assert "OpenStreetMap" not in text and "Network Rail" not in text


@pytest.mark.parametrize("view", ["county", "medway"])
def test_the_basemap_layer_draws_as_plotly_draws_it(context_settings, renderer, view):
    """The basemap's fills and lines (railways dashed) are in the bottom layer written in
    Python (dashboard/export/_svg_layer.py): the picture equals plotly.js's drawing of the
    whole figure, pixel for pixel within anti-aliasing."""
    ctx = AppContext.create(Store(context_settings.db_path), context_settings, Audience.PUBLIC)
    model = map_model(ctx, ViewState.from_query(VIEWS[view]), Audience.PUBLIC)
    figure = print_figure(model, Frame(700, 500))
    dashed = [t for t in figure.data if t.mode == "lines" and t.line.dash == "dash"]
    assert dashed and figure.data.index(dashed[0]) < split_at(figure)  # in the bottom layer
    assert layer_difference(renderer, figure, Frame(700, 500)) < 0.002
