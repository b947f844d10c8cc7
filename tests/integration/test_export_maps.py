"""Map exports: PDF with real text and the marking, PNG at print size with the hexagons'
colours, the file's metadata and the audit log."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import kaleido
import numpy as np
import plotly
import plotly.graph_objects as go
import pytest
from PIL import Image

from dashboard.browser import PLOTLY_JS, RenderError
from dashboard.export import Renderer, export_map
from dashboard.export._print_figure import LEADER_COLOUR, Frame, nice_length, print_figure
from dashboard.export._sheet import document
from dashboard.export._svg_layer import layered_map, split_at
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from geo.accounts import Accounts
from geo.disclosure import Audience
from geo.settings import Settings
from geo.store import Store
from tests.support.export_check import pdf_export_record, pdf_info, pdf_text, rendered_pages
from tests.support.export_store import DIST_A, PERIOD, fill_export_store
from tests.support.layers import layer_difference

VIEW = ViewState.from_query(f"?from={PERIOD[0]}&to={PERIOD[1]}")


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    s = Settings(db_path=tmp_path_factory.mktemp("export-maps") / "socmap.duckdb")
    fill_export_store(Store(s.db_path))
    return s


@pytest.fixture(scope="module")
def renderer():
    with Renderer() as r:
        yield r


def _ctx(settings, audience):
    return AppContext.create(Store(settings.db_path), settings, audience)


@pytest.mark.parametrize("audience", list(Audience))
def test_map_pdf_has_title_period_marking_and_caveats_as_text(settings, renderer, audience):
    ctx = _ctx(settings, audience)
    out = export_map(ctx, VIEW, audience, "pdf", renderer=renderer, user="ana", client="test")
    text = " ".join(pdf_text(out.data).split())
    model = map_model(ctx, VIEW, audience)
    assert model.title in text
    if audience is Audience.PUBLIC:  # the public map prints its published block's label
        assert "Kent and Medway, Q1 2024/25 (April to June 2024)" in text
        assert "April 2024 to June 2024" not in text
    else:
        assert "April 2024 to June 2024" in text
    marking = (
        "OFFICIAL-SENSITIVE: Part 2" if audience is Audience.RESTRICTED else "OFFICIAL: Part 1"
    )
    assert text.count(marking) >= 2  # at the top and at the bottom
    for words in ("North arrow: grid north", "km", "Produced", out.info.reference):
        assert words in text, words
    if audience is Audience.PUBLIC:
        assert "Counts from 1 to 4 are shown as 'fewer than 5'" in text
    info = pdf_info(out.data)
    assert info["Pages"] == "1"
    assert info["Page size"].startswith("841.92 x 59")  # A4 landscape
    assert len(rendered_pages(out.data)) == 1


def test_map_pdf_metadata_and_audit_entry_say_what_was_exported(settings, renderer):
    ctx = _ctx(settings, Audience.RESTRICTED)
    state = VIEW.go_to("district", DIST_A)
    out = export_map(
        ctx, state, Audience.RESTRICTED, "pdf", renderer=renderer, user="ana", client="10.0.0.7"
    )
    record = pdf_export_record(out.data)
    assert record["marking"] == "OFFICIAL-SENSITIVE"
    assert record["audience"] == "restricted"
    assert record["data_version"] == ctx.store.data_version()
    assert f"d={DIST_A}" in record["view"] and record["month_from"] == PERIOD[0]
    entry = next(
        e
        for e in Accounts.from_settings(settings).read(event="export")
        if e.detail["reference"] == out.info.reference
    )
    assert (entry.user, entry.client) == ("ana", "10.0.0.7")
    assert entry.detail["sha256"] == hashlib.sha256(out.data).hexdigest()
    assert entry.detail["kind"] == "map" and entry.detail["format"] == "pdf"
    assert entry.detail["period"] == "April 2024 to June 2024"


def test_map_png_is_a4_at_print_resolution_with_its_metadata(settings, renderer):
    ctx = _ctx(settings, Audience.PUBLIC)
    out = export_map(
        ctx, VIEW, Audience.PUBLIC, "png", renderer=renderer, user="ana", client="test", dpi=300
    )
    with Image.open(io.BytesIO(out.data)) as image:
        width, height = image.size
        assert abs(width - 297 / 25.4 * 300) < 3 and abs(height - 210 / 25.4 * 300) < 3
        assert width >= 8.27 * 200  # at least 200 dpi across A4
        assert round(image.info["dpi"][0]) == 300
        record = json.loads(image.info["socmap:export"])
        colours = Counter(image.convert("RGB").get_flattened_data())
    assert record["marking"] == "OFFICIAL" and record["format"] == "png"
    assert len(colours) > 50  # not blank
    assert colours[(0x1F, 0x6F, 0x43)] > 1000  # the OFFICIAL banners' green


@pytest.mark.parametrize("audience", list(Audience))
def test_the_drawn_map_shows_every_class_in_its_legend_colour(settings, renderer, audience):
    """The map alone (no legend swatches beside it): each legend class present on the map
    covers many pixels of exactly its colour."""
    ctx = _ctx(settings, audience)
    model = map_model(ctx, VIEW, audience)
    frame = Frame(600, 400)
    svg = layered_map(print_figure(model, frame), frame.width, frame.height, renderer.svg)
    png = renderer.png(document("map", svg, _Paper()), frame.width, frame.height, 2)
    with Image.open(io.BytesIO(png)) as image:
        colours = Counter(image.convert("RGB").get_flattened_data())
    drawn = Counter(f.klass for f in model.features)
    for item in model.legend:
        if item.key == "0" or drawn[item.key] < 2:
            continue
        rgb = tuple(int(item.colour[i : i + 2], 16) for i in (1, 3, 5))
        assert colours[rgb] > 200 * drawn[item.key] ** 0.5, (item.label, colours[rgb])


class _Paper:
    width_mm = 600 / 96 * 25.4
    height_mm = 400 / 96 * 25.4


@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("measure", ["count", "hotspots", "change", "emerging"])
def test_the_layered_map_draws_as_plotly_draws_the_whole_figure(
    settings, renderer, audience, measure
):
    """The bottom layer is written in Python (dashboard/export/_svg_layer.py): its fills,
    strokes and hatch patterns must look as plotly.js's own (the withheld hatch in public,
    the emerging patterns), and the top layer must sit exactly over it."""
    model = map_model(_ctx(settings, audience), replace(VIEW, measure=measure), audience)
    frame = Frame(600, 400)
    figure = print_figure(model, frame)
    assert split_at(figure) >= 1
    assert layer_difference(renderer, figure, frame) < 0.002


def test_the_pixel_check_sees_a_layer_out_of_place(settings, renderer):
    """The check above fails when the bottom layer is shifted by two pixels."""
    model = map_model(_ctx(settings, Audience.PUBLIC), VIEW, Audience.PUBLIC)
    frame = Frame(600, 400)
    figure = print_figure(model, frame)
    shifted = go.Figure(figure)
    x0, x1 = figure.layout.xaxis.range
    nudge = 2 * (x1 - x0) / frame.width
    for trace in shifted.data[: split_at(figure)]:
        trace.x = np.asarray(trace.x, dtype=float) + nudge
    assert layer_difference(renderer, figure, frame, layered=shifted) > 0.002


def test_scale_bar_lengths_are_round_numbers():
    assert nice_length(23_000) == 20_000
    assert nice_length(4_100) == 2_500
    assert nice_length(999) == 500
    assert nice_length(1) == 1


def test_one_browser_serves_many_exports(settings):
    ctx = _ctx(settings, Audience.PUBLIC)
    with Renderer() as r:
        first = export_map(ctx, VIEW, Audience.PUBLIC, "pdf", renderer=r, user="a", client="t")
        process = r._browser
        second = export_map(
            ctx,
            VIEW.go_to("district", DIST_A),
            Audience.PUBLIC,
            "pdf",
            renderer=r,
            user="a",
            client="t",
        )
        assert r._browser is process
    assert first.data[:4] == second.data[:4] == b"%PDF"
    assert not r.running


def test_a_closed_renderer_starts_again_when_next_needed():

    figure = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], text=["a", "b"], mode="text"))
    r = Renderer()
    try:
        assert "<svg" in r.svg(figure, 200, 100)
        r.close()
        assert not r.running
        assert "<svg" in r.svg(figure, 200, 100)  # the dashboard's idle close, then a download
    finally:
        r.close()


@pytest.mark.parametrize(
    ("query", "audience", "want"),
    [
        # No port events are loaded: the theme is left out of the words.
        ("", Audience.RESTRICTED, "Knife crime, County lines and Modern slavery"),
        # Part 1 shows one theme at a time, over every source.
        ("", Audience.PUBLIC, "Knife crime"),
        (
            "&src=police-uk",
            Audience.RESTRICTED,
            "Knife crime and County lines (police.uk proxies: Possession of weapons, Drugs)",
        ),
        (
            "&src=police-uk&theme=knife_crime",
            Audience.RESTRICTED,
            "Knife crime (police.uk proxy: Possession of weapons)",
        ),
        ("&src=partner-a&theme=county_lines", Audience.PUBLIC, "County lines"),
    ],
)
def test_titles_name_only_what_is_counted(settings, query, audience, want):
    from dashboard.views.labels import selection_text
    from dashboard.views.public import resolve_view

    ctx = _ctx(settings, audience)
    state = ViewState.from_query(f"?from={PERIOD[0]}&to={PERIOD[1]}{query}")
    state = resolve_view(ctx, state, audience)
    assert selection_text(ctx, state, audience) == want
    assert map_model(ctx, state, audience).title.startswith(want + ":")


def _layers_model():
    from dashboard.views.map_model import Link, MapModel, PortMarker

    kent = (0.2, 50.9, 1.45, 51.5)
    links = (
        Link("Liverpool", "Margate", (-2.98, 53.41), (1.38, 51.38), 1, ""),
        Link("Lewisham", "Maidstone", (0.25, 51.45), (0.52, 51.27), 1, ""),
    )
    ports = (
        PortMarker("Port of Ramsgate (harbour)", (1.416, 51.329), 17, "", "17"),
        PortMarker("Port of Dover, Eastern Docks (ferry terminal)", (1.337, 51.126), 301, ""),
    )
    return MapModel(
        title="t", subtitle="s", measure="count", marking="OFFICIAL", banner="b",
        features=(), legend=(), legend_title="", outlines=(), bounds=kent, notes=(),
        breadcrumb=(), links=links, ports=ports,
    )  # fmt: skip


def test_map_text_and_county_lines_stay_inside_the_frame():
    """Port names near the coast are placed inward, a line from a home area off the map is
    cut at the frame's edge and named there ("from Liverpool"), home areas are named."""
    frame = Frame(600, 400)
    fig = print_figure(_layers_model(), frame)
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    per_px = (x1 - x0) / frame.width
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(lines) == 2
    for t in lines:
        assert all(x0 <= x <= x1 for x in t.x) and all(y0 <= y <= y1 for y in t.y)
    (text,) = [t for t in fig.data if t.mode == "text"]
    labels = dict(zip(text.text, zip(text.x, text.y, strict=True), strict=True))
    assert {"from Liverpool", "Lewisham", "Ramsgate", "Dover, Eastern Docks"} <= set(labels)
    for name, (x, y) in labels.items():
        half = 0.58 * 9 * len(name) * per_px / 2
        assert x0 < x - half and x + half < x1, name
        assert y0 < y < y1, name


def test_area_names_stay_inside_their_area_or_are_led_to_it():
    import shapely

    from dashboard.export._bng import lonlat_to_bng
    from dashboard.export._print_figure import Label

    model = _layers_model()
    x, y = (float(v) for v in lonlat_to_bng(1.1, 51.2))
    box = shapely.box(x - 3000, y - 1000, x + 3000, y + 1000)  # 6 km by 2 km
    fits = Label("Tiny", 1.1, 51.2, 11, box.buffer(10_000))
    too_big = Label("A very long division name indeed", 1.1, 51.2, 11, box)
    # Wide enough for the name, but a sliver: the name would cross its boundary lines.
    sx, sy = (float(v) for v in lonlat_to_bng(0.6, 51.3))
    sliver = Label("Thin", 0.6, 51.3, 11, shapely.box(sx - 5000, sy - 100, sx + 5000, sy + 100))
    labels = (fits, too_big, sliver)
    fig = print_figure(replace(model, links=(), ports=()), Frame(600, 400), labels)
    (text,) = [t for t in fig.data if t.mode == "text"]
    # Issue 18: a name with no room inside its area is not left off but placed beside it,
    # with a leader line from the area's point (one line per such name).
    shown = [t.replace("<br>", " ") for t in text.text]
    assert shown[0] == "Tiny" and sorted(shown[1:]) == ["A very long division name indeed", "Thin"]
    (leaders,) = [t for t in fig.data if t.line.color == LEADER_COLOUR and "lines" in t.mode]
    assert sum(v is None for v in leaders.x) == 2


def test_the_vendored_plotly_bundle_is_the_plotly_packages_release():
    """The renderer's basic bundle must be the plotly.js release the plotly package ships,
    or figures built by this plotly could draw differently (dashboard/vendor/README.md)."""

    def release(path: Path) -> str:
        head = path.read_text(encoding="utf-8")[:300]
        return next(w for w in head.split() if w.startswith("v") and w[1:2].isdigit())

    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert "(basic - minified)" in PLOTLY_JS.read_text(encoding="utf-8")[:300]
    assert release(PLOTLY_JS) == release(full)


def test_a_print_figure_draws_the_same_with_the_basic_bundle(settings, renderer):
    """The same print figure as SVG from the renderer (basic bundle) and from kaleido's own
    page with the plotly package's full bundle: identical drawings."""
    model = map_model(_ctx(settings, Audience.RESTRICTED), VIEW, Audience.RESTRICTED)
    frame = Frame(600, 400)
    figure = print_figure(model, frame)
    ours = renderer.svg(figure, frame.width, frame.height)

    async def full_bundle() -> bytes:
        async with kaleido.Kaleido(n=1, mathjax=False) as k:
            opts = {"format": "svg", "width": frame.width, "height": frame.height, "scale": 1}
            return await k.calc_fig(figure, opts=opts)

    def same_ids(svg: str) -> str:  # plotly gives each drawing and trace a random id
        uid = re.search(r'id="defs-([0-9a-f]+)"', svg).group(1)
        return re.sub(r"\btrace[0-9a-f]{6}\b", "traceUID", svg.replace(uid, "UID"))

    reference = asyncio.run(full_bundle()).decode("utf-8")
    assert ours.count("<path") > 20
    assert same_ids(ours) == same_ids(reference)


def test_a_trace_the_print_bundle_lacks_is_refused_by_name():
    figure = go.Figure(go.Choroplethmap())
    with Renderer() as r, pytest.raises(RenderError, match="cannot print choroplethmap traces"):
        r.svg(figure, 200, 100)
