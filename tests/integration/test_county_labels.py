"""The county map on paper: every label is legible and belongs where it stands.

With the basemap loaded (town names compete for room): no label's box overlaps another's;
each district's name lies inside its district or is led to it by a line that starts inside
it; a name placed beside its area does not sit over another district (Gravesham once sat over
Rochester in Medway, with a faint leader). The PDF is rendered to PNG (pdftoppm) and kept in
the test artifacts for people to look at.
"""

from __future__ import annotations

import subprocess

import pytest
import shapely

from dashboard.export import Renderer, export_map
from dashboard.export._labels import _CHAR_EM, _LINE_EM
from dashboard.export._map_export import area_labels
from dashboard.export._print_figure import LEADER_COLOUR, print_figure
from dashboard.export._sheet import PAPERS
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from dashboard.views.public import resolve_view
from geo.disclosure import Audience
from geo.settings import Settings
from geo.store import Store
from tests.support.browser import artifacts

pytestmark = pytest.mark.shared_data

QUERY = "?from=2025-11&to=2026-10"


@pytest.fixture(scope="module")
def context_settings(dashboard_with_context, tmp_path_factory) -> Settings:
    return dashboard_with_context(tmp_path_factory.mktemp("county-labels"))


@pytest.fixture(scope="module", params=list(Audience), ids=lambda a: a.value)
def drawn(context_settings, request):
    audience = request.param
    ctx = AppContext.create(Store(context_settings.db_path), context_settings, audience)
    state = resolve_view(ctx, ViewState.from_query(QUERY), audience)
    model = map_model(ctx, state, audience)
    frame = PAPERS["a4-landscape"].map_frame
    labels = area_labels(ctx, state)
    fig = print_figure(model, frame, labels)
    per_px = (fig.layout.xaxis.range[1] - fig.layout.xaxis.range[0]) / frame.width
    return ctx, state, labels, fig, per_px


def _boxes(fig, per_px):
    """Every label drawn as text: (text, box in grid metres), by the placer's measure."""
    out = []
    for t in fig.data:
        if t.mode != "text":
            continue
        sizes = t.textfont.size
        for i, (text, x, y) in enumerate(zip(t.text, t.x, t.y, strict=True)):
            size = sizes[i] if isinstance(sizes, tuple | list) else sizes
            rows = text.split("<br>")
            w = max(len(r) for r in rows) * _CHAR_EM * size * per_px
            h = len(rows) * _LINE_EM * size * per_px
            out.append(
                (text.replace("<br>", " "), shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2))
            )
    return out


def test_no_label_box_overlaps_another(drawn):
    _, _, _, fig, per_px = drawn
    boxes = _boxes(fig, per_px)
    assert len(boxes) > 20
    clashes = [
        (a, b)
        for i, (a, box_a) in enumerate(boxes)
        for b, box_b in boxes[i + 1 :]
        if box_a.intersection(box_b).area > 0
    ]
    assert clashes == []


def test_each_name_is_inside_its_area_or_led_to_it_and_not_over_another(drawn):
    _, _, labels, fig, per_px = drawn
    boxes = dict(_boxes(fig, per_px))
    (leader,) = [t for t in fig.data if t.line.color == LEADER_COLOUR and "lines" in t.mode]
    xs, ys = list(leader.x), list(leader.y)
    ends = [
        (shapely.Point(xs[i], ys[i]), shapely.Point(xs[i + 1], ys[i + 1]))
        for i in range(0, len(xs), 3)
    ]
    # Visible: as heavy as a division boundary, and dark.
    assert leader.line.width >= 1.0
    areas = {lb.text: lb.shape for lb in labels}
    led = 0
    for name, shape in areas.items():
        box = boxes[name]
        if shape.contains(box):
            continue
        led += 1
        start = [a for a, b in ends if box.buffer(per_px).contains(b)]
        assert start, f"{name}: outside its area and not led to it"
        assert shape.buffer(200).contains(start[0]), f"{name}: led from outside its area"
        others = [
            o for o, s in areas.items() if o != name and s.intersection(box).area > 0.2 * box.area
        ]
        assert others == [], f"{name} sits over {others}"
    assert led >= 1  # Dartford and Gravesham have no room inside at this scale


def test_the_county_pdf_rendered_for_people_to_look_at(context_settings):
    ctx = AppContext.create(Store(context_settings.db_path), context_settings, Audience.PUBLIC)
    with Renderer() as renderer:
        out = export_map(
            ctx, ViewState.from_query(QUERY), Audience.PUBLIC, "pdf", renderer=renderer,
            user="t", client="t",
        )  # fmt: skip
    pdf = artifacts() / "county-labels.pdf"
    pdf.write_bytes(out.data)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-singlefile",
            str(pdf),
            str(artifacts() / "county-labels"),
        ],
        check=True,
        capture_output=True,
    )
    assert (artifacts() / "county-labels.png").stat().st_size > 100_000


def test_no_scrap_of_water_is_cut_by_the_data_edge(drawn):
    """The basemap files end at lon -0.02 (west of Greenwich), inside the county map's box:
    the Thames there was cut into a stray scrap of blue (a lake and a hole in the land,
    showing the sea) ending in a straight line beside white. None is drawn now."""
    ctx, state, _, _, _ = drawn
    base = map_model(ctx, state, ctx.audience).base
    west = shapely.total_bounds([shapely.geometry.shape(g) for g in base.land])[0]
    assert west > base.bbox[0] + 0.1  # the data ends inside the map's box
    edge = shapely.LineString([(west, 50), (west, 52)])
    near = [g for g in base.water if shapely.geometry.shape(g).distance(edge) < 0.005]
    holes = [
        r
        for g in base.land
        for p in shapely.get_parts(shapely.geometry.shape(g))
        for r in p.interiors
        if r.distance(edge) < 0.005
    ]
    assert near == [] and holes == []
    # The Thames further east, whole, is still drawn.
    assert any(shapely.geometry.shape(g).bounds[0] > 0.03 for g in base.water)
