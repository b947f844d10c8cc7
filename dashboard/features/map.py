"""The map: hexagons coloured by the chosen measure, boundaries, breadcrumb and caption.

One callback from the view state to the figure and its page text, the same for both pages;
a page that must know of every view (the restricted page audits each) passes ``on_view``."""

from __future__ import annotations

from collections.abc import Callable

from dash import Dash, Input, Output, dcc, html

from dashboard import ids
from dashboard.figures.map_figure import CUE_EDGE, map_figure
from dashboard.views import map_view
from dashboard.views.context import AppContext
from dashboard.views.public import request_view


def layout() -> html.Section:
    return html.Section(
        className="mapcol",
        children=[
            html.Nav(id=ids.BREADCRUMB, className="breadcrumb", **{"aria-label": "Area"}),
            dcc.Loading(
                dcc.Graph(
                    id=ids.MAP,
                    className="map-graph",
                    config={
                        "displaylogo": False,
                        "scrollZoom": True,
                        "modeBarButtonsToRemove": ["select2d", "lasso2d"],
                    },
                    style={"height": "640px"},
                ),
                type="default",
                delay_show=400,
            ),
            html.Div(id=ids.MAP_LEGEND, className="legend", role="list"),
            html.Div(id=ids.MAP_CAPTION, className="caption"),
        ],
    )


# Centre and zoom that fit the area's box into the map at its size in this browser (MapLibre's
# zoom: the world is 512 * 2^zoom pixels wide). The server cannot know the size: a fixed zoom
# cut off east Kent on a laptop screen. Runs on every new figure; returns no update when the
# view already fits, so it never calls itself again.
FIT_JS = """
function(fig) {
  const none = window.dash_clientside.no_update;
  const box = fig && fig.layout && fig.layout.meta && fig.layout.meta.bounds;
  const el = document.getElementById('map');
  if (!box || !el || !el.clientWidth || !el.clientHeight) { return none; }
  const [x0, y0, x1, y1] = box;
  const merc = (lat) => Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360));
  const lonFrac = Math.max(x1 - x0, 1e-6) / 360;
  const latFrac = Math.max(merc(y1) - merc(y0), 1e-6) / (2 * Math.PI);
  const fit = Math.log2(Math.min(el.clientWidth / 512 / lonFrac,
                                 el.clientHeight / 512 / latFrac));
  const zoom = Math.max(0, Math.min(fit - 0.15, 16));
  const center = {lon: (x0 + x1) / 2, lat: (y0 + y1) / 2};
  const now = fig.layout.map || {};
  if (now.zoom !== undefined && Math.abs(now.zoom - zoom) < 1e-6 && now.center &&
      Math.abs(now.center.lon - center.lon) < 1e-9 &&
      Math.abs(now.center.lat - center.lat) < 1e-9) { return none; }
  return Object.assign({}, fig, {
    layout: Object.assign({}, fig.layout, {map: Object.assign({}, now, {center, zoom})})
  });
}
"""


def register(
    app: Dash, ctx: AppContext, *, on_view: Callable[[str | None], None] | None = None
) -> None:
    """The map's callbacks; ``on_view(query)`` runs first on every view asked for."""

    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.BREADCRUMB, "children"),
        Output(ids.MAP_LEGEND, "children"),
        Output(ids.MAP_CAPTION, "children"),
        Output(ids.BANNER_TOP, "children"),
        Output(ids.BANNER_TOP, "className"),
        Output(ids.BANNER_BOTTOM, "children"),
        Output(ids.BANNER_BOTTOM, "className"),
        Output(ids.NOTICE, "children", allow_duplicate=True),
        Input(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def render(query):
        if on_view is not None:
            on_view(query)
        return view(ctx, query)

    # After the render callback, so that it comes first among the map's callbacks.
    app.clientside_callback(
        FIT_JS,
        Output(ids.MAP, "figure", allow_duplicate=True),
        Input(ids.MAP, "figure"),
        prevent_initial_call=True,
    )


def view(ctx: AppContext, query: str | None) -> tuple:
    """The callback's outputs for a view state. They depend only on it and the data version,
    so they are cached: everyone opening the dashboard at once shares one rendering (the
    shapes in it are shared references, so a cached map costs little memory)."""
    return ctx.cached(("map-view", query), lambda: _render(ctx, query))


def _render(ctx: AppContext, query: str | None) -> tuple:
    model = map_view.map_model(ctx, request_view(ctx, query), ctx.audience)
    banner_class = "banner sensitive" if model.marking != "OFFICIAL" else "banner"
    return (
        map_figure(model, ctx.settings),
        _breadcrumb(model.breadcrumb),
        legend(model),
        _caption(model),
        model.banner,
        banner_class,
        model.banner,
        banner_class,
        "",
    )


def _breadcrumb(trail: tuple[tuple[str, str | None, str], ...]) -> list:
    items: list = []
    for i, (level, code, name) in enumerate(trail):
        if i:
            items.append(html.Span(">", className="sep", **{"aria-hidden": "true"}))
        if i == len(trail) - 1:
            items.append(html.Span(name, className="crumb-current", **{"aria-current": "page"}))
        else:
            items.append(
                html.Button(
                    name,
                    className="crumb",
                    id={"type": ids.CRUMB, "level": level, "code": code or ""},
                )
            )
    return items


def _swatch_style(item) -> dict:
    """A class's swatch: its colour, and its outline where the outline is its second cue,
    drawn as the map draws it (map_figure._edge)."""
    style = {"background": item.colour}
    if item.outline and item.outline > 0.4:
        style["border"] = f"{item.outline:.1f}px solid {CUE_EDGE}"
    return style


def legend(model: map_view.MapModel) -> list:
    """The legend as page text: a swatch and words for every class, line and marker."""
    items = [html.Span(model.legend_title, className="legend-title")]
    items += [
        html.Span(
            [
                html.Span(className="swatch", style=_swatch_style(item)),
                f"{item.label} ({item.screen_cue})" if item.screen_cue else item.label,
            ],
            className="legend-item",
            role="listitem",
        )
        for item in model.legend
    ]
    if any(o.level == "selected" for o in model.outlines):
        items.append(
            html.Span(
                [html.Span(className="swatch selected"), "Selected hexagon"],
                className="legend-item",
            )
        )
    if model.deprivation is not None:
        items += deprivation_key(model.deprivation)
    if model.places is not None:
        items += places_key(model.places)
    if model.links:
        items.append(
            html.Span(
                [html.Span(className="swatch line"), links_key(model)],
                className="legend-item",
            )
        )
    if model.mark is not None:
        items.append(
            html.Span(
                [html.Span(className="swatch dot mark"), f"Place searched: {model.mark.name}"],
                className="legend-item",
            )
        )
    if model.base is not None and model.base.railways:
        items.append(
            html.Span(
                [html.Span(className="swatch line rail"), "Railway (approximate)"],
                className="legend-item",
            )
        )
    if model.ports:
        items.append(
            html.Span(
                [
                    html.Span(className="swatch dot"),
                    _ports_key(model),
                ],
                className="legend-item",
            )
        )
    return items


def _ports_key(model: map_view.MapModel) -> str:
    if not model.ports_counted:  # the public view: where the ports are, no count
        return "Ports of entry (no count per port in the public view)"
    return "Port-of-entry events" + (" (larger: more events)" if model.ports_sized else "")


def deprivation_key(layer) -> list:
    """The overlay's deciles in words, each with a line of its colour and width."""
    items = [html.Span(layer.title, className="legend-title")]
    for band in layer.bands:
        style = {"borderTop": f"{band.width:.1f}px solid {band.colour}", "height": 0}
        items.append(
            html.Span(
                [html.Span(className="swatch line", style=style), band.label],
                className="legend-item",
                role="listitem",
            )
        )
    items.append(
        html.Span(
            "Source: English Indices of Deprivation 2019, by 2011 LSOA (more below the map)",
            className="legend-item",
        )
    )
    return items


def places_key(layer) -> list:
    from dashboard.views.places_layer import COLOURS, REGISTER_WORDS, SIZES  # noqa: PLC0415

    present = dict.fromkeys(p.register for p in layer.places)
    return [
        html.Span(
            [
                html.Span(
                    className="swatch dot",
                    style={"background": COLOURS[r], "width": f"{SIZES[r]}px",
                           "height": f"{SIZES[r]}px"},
                ),
                REGISTER_WORDS[r],
            ],
            className="legend-item",
            role="listitem",
        )
        for r in present
    ]  # fmt: skip


def links_key(model: map_view.MapModel) -> str:
    """The county lines' key; widths are explained only where they differ (in the public
    view every route may be "fewer than 5", all drawn alike)."""
    text = "County lines: home area to Kent place"
    if len({k.lines for k in model.links}) > 1:
        text += " (wider: more lines)"
    return text + "; hover a line for its home area"


def _caption(model: map_view.MapModel) -> list:
    lines = [html.P(html.Strong(model.title)), html.P(model.subtitle)]
    lines += [html.P(note.text, className="approx" if note.warn else None) for note in model.notes]
    return lines
