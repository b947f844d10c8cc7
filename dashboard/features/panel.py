"""The side panel: totals by theme with change, trend chart, top hexagons and divisions,
hotspot summary and the selected hexagon's detail."""

from __future__ import annotations

import functools

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from dashboard import ids
from dashboard.features import _deprivation_panel, downloads
from dashboard.figures.trend import PARTIAL_NAME, THIN_NAME, series_traces
from dashboard.views.context import AppContext
from dashboard.views.panel_view import PanelModel, hotspot_summary, panel_model
from dashboard.views.places import nearest_towns
from dashboard.views.public import request_view
from geo.grid import str_to_cell

EMPTY_TREND = "Figures are published<br>for the county and districts only."
_TREND_COLOURS = ["#0b4f8a", "#b35806", "#1b7837", "#762a83", "#57606a"]  # Okabe-Ito-like


def layout() -> html.Aside:
    return html.Aside(
        id=ids.PANEL,
        className="panel",
        **{"aria-label": "Area summary"},
        children=[
            html.H2(id=ids.PANEL_TITLE),
            html.Div(id=ids.TOTALS),
            dcc.Graph(id=ids.TREND, config={"displayModeBar": False}, style={"height": "200px"}),
            # The trend's key as page text under the chart: a legend inside a 200-pixel chart
            # covered its axis and hid a line once four themes wrapped it onto two rows.
            html.Div(id=ids.TREND_LEGEND, className="legend trend-legend", role="list"),
            html.Div(id=ids.HOTSPOT_SUMMARY),
            html.Div(id=ids.DEPRIVATION, **{"aria-live": "polite"}),
            html.Div(id=ids.TOP_AREAS),
            html.Div(id=ids.TOP_CELLS),
            html.Div(id=ids.CELL_DETAIL),
            downloads.layout(),
        ],
    )


def register(app: Dash, ctx: AppContext) -> None:
    _register_hotspots(app, ctx)
    _deprivation_panel.register(app, ctx)

    @app.callback(
        Output(ids.PANEL_TITLE, "children"),
        Output(ids.TOTALS, "children"),
        Output(ids.TREND, "figure"),
        Output(ids.TREND_LEGEND, "children"),
        Output(ids.TOP_AREAS, "children"),
        Output(ids.TOP_CELLS, "children"),
        Output(ids.CELL_DETAIL, "children"),
        Input(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def render(query):
        return view(ctx, query)


def view(ctx: AppContext, query: str | None) -> tuple:
    """The panel's outputs for a view state (cached, like the map's)."""
    return ctx.cached(("panel-view", query), lambda: _render(ctx, query))


def _render(ctx: AppContext, query: str | None) -> tuple:
    m = panel_model(ctx, request_view(ctx, query), ctx.audience)
    return (
        [m.title, html.Div(m.period, className="small")],
        _totals(m),
        _trend_figure(m),
        trend_legend(m),
        _top_areas(m),
        _section(
            "Busiest hexagons",
            [html.Ol([html.Li(line) for line in _top_cell_lines(m)])]
            if m.top_cells
            else [html.P(m.top_cells_note, className="small")],
        ),
        _cell(m),
    )


ID_CHARS = 10  # police.uk ids are 64 hex characters: too wide for the panel


def short_id(incident_id: str) -> str:
    """The first characters of a long id (enough to tell incidents apart in one hexagon)."""
    return incident_id if len(incident_id) <= ID_CHARS + 1 else incident_id[:ID_CHARS] + "…"


def _incident_row(row) -> html.Tr:
    """One incident: the id cut short, whole on hover (title) and for copying: the full id is
    in the cell as text a screen reader reads and a copy takes, only not shown."""
    when, category, incident_id, *rest = row
    cell = html.Td(
        [
            html.Span(short_id(incident_id), title=incident_id, **{"aria-hidden": "true"}),
            html.Span(incident_id, className="full-id"),
        ],
        className="incident-id",
    )
    where, source = ([*rest, "", ""])[:2]
    # Where and the source in one cell: five columns do not fit the panel's width.
    place = html.Td([where, html.Br(), html.Span(source, className="small")])
    return html.Tr([html.Td(when), html.Td(category), cell, place])


def _top_cell_lines(m: PanelModel) -> list[str]:
    """ "Dover Town, in or near Dover: 301": places, not H3 ids."""
    towns = nearest_towns([str_to_cell(h) for h, _, _ in m.top_cells])
    return [
        f"{place}, {town}: {text}"
        for (_, place, text), town in zip(m.top_cells, towns, strict=True)
    ]


def _register_hotspots(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output(ids.HOTSPOT_SUMMARY, "children"),
        Input(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def render_hotspots(query):
        return hotspots_view(ctx, query)


def hotspots_view(ctx: AppContext, query: str | None) -> list:
    """The hotspot summary's output for a view state (cached, like the map's)."""
    lines = ctx.cached(
        ("hotspot-lines", query),
        lambda: hotspot_summary(ctx, request_view(ctx, query), ctx.audience),
    )
    return _section("Hot spots", [html.P(line) for line in lines])


def _section(title: str, children: list) -> list:
    return [html.H3(title), *children] if children else []


def _totals(m: PanelModel) -> list:
    head = html.Tr(
        [
            html.Th("Theme"),
            html.Th("This period", className="num"),
            html.Th("Previous", className="num"),
            html.Th("Change"),
        ]
    )
    rows = [
        html.Tr(
            [
                html.Td(r.label),
                html.Td(r.current, className="num"),
                html.Td(r.previous, className="num"),
                html.Td(r.change, className="sig" if r.significant else "notsig"),
            ]
        )
        for r in m.themes
    ]
    located = " incidents with a location" if m.status != "empty" else ""
    out = [html.P([html.Strong(f"{m.total_label}: {m.total}"), located])]
    if m.rate:
        out.append(html.P(f"Rate: {m.rate}", className="small rate"))
    if rows:
        out.append(html.Table([html.Thead(head), html.Tbody(rows)], className="totals"))
    out += [html.P(note, className="small") for note in m.notes]
    if m.restricted_districts:
        out += _section(
            "Restricted category: district totals only",
            [
                html.Table(
                    [
                        html.Tbody(
                            [
                                html.Tr([html.Td(n), html.Td(t, className="num")])
                                for n, t in m.restricted_districts
                            ]
                        )
                    ],
                    className="totals",
                )
            ],
        )
    if m.coverage:
        out += [
            html.Details(
                [
                    html.Summary("Data loaded, by theme"),
                    html.Ul([html.Li(line) for line in m.coverage], className="small"),
                ],
                className="coverage",
                open=m.status != "complete",
            )
        ]
    return out


def _trend_figure(m: PanelModel) -> dict:
    """The trend chart as a plain dict (with the template a ``go.Figure`` would carry, so it
    looks the same): plotly's validation of a Figure cost more than the rest of the panel.
    A partial point is a hollow marker on a dashed line; a period without data is a gap."""
    # Public: one point per period block, named as the block is ("Q2 2026/27").
    x = m.trend_labels or m.trend_months
    data = []
    partial_named = False
    for i, (name, values) in enumerate(m.trend.items()):
        traces = series_traces(
            x,
            values,
            m.trend_status.get(name),
            name=name,
            colour=_TREND_COLOURS[i % len(_TREND_COLOURS)],
            show_partial_legend=not partial_named,
        )
        partial_named = partial_named or len(traces) > 1
        data += traces
    layout = {
        "template": _template(),
        "title": {"text": m.trend_title, "font": {"size": 13}},
        "margin": {"l": 36, "r": 8, "t": 30, "b": 44 if m.trend_labels else 30},
        "showlegend": False,  # the key is page text under the chart (trend_legend)
        "yaxis": {"rangemode": "tozero", "title": {}},
        "xaxis": _trend_axis(m),
        "plot_bgcolor": "white",
    }
    if not m.trend:
        layout["xaxis"]["visible"] = False
        layout["yaxis"]["visible"] = False
        layout["annotations"] = [
            {
                # Two short lines: the panel is narrow, and plotly does not wrap annotations.
                "text": m.trend_empty or EMPTY_TREND,
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"size": 12, "color": "#57606a"},
            }
        ]
    return {"data": data, "layout": layout}


def trend_legend(m: PanelModel) -> list:
    """The trend's key: each theme's line in its colour, and the hollow partial (thin)
    marker when a point is partial (thin)."""
    if not m.trend:
        return []
    items = [
        html.Span(
            [
                html.Span(
                    className="swatch line",
                    style={"background": _TREND_COLOURS[i % len(_TREND_COLOURS)]},
                ),
                name,
            ],
            className="legend-item",
            role="listitem",
        )
        for i, name in enumerate(m.trend)
    ]
    marks = (("partial", "hollow", PARTIAL_NAME), ("thin", "hollow thin", THIN_NAME))
    for kind, swatch, words in marks:
        if any(kind in (m.trend_status.get(name) or []) for name in m.trend):
            items.append(
                html.Span(
                    [html.Span(className=f"swatch {swatch}"), words],
                    className="legend-item",
                    role="listitem",
                )
            )
    return items


@functools.cache
def _template() -> dict:
    return go.Figure().to_plotly_json()["layout"]["template"]


def _trend_axis(m: PanelModel) -> dict:
    if m.trend_labels:
        return {"title": {}, "type": "category", "tickangle": 0, "tickfont": {"size": 10}}
    return {
        "title": {},
        **_month_ticks(len(m.trend_months)),
    }


def _month_ticks(months: int) -> dict:
    """Month ticks far enough apart that their labels never overlap in the panel (about six
    fit): every month up to 6, a quarter up to 18, half-years to 36, then years."""
    for most, step in ((6, 1), (18, 3), (36, 6), (72, 12)):
        if months <= most:
            return {"dtick": f"M{step}", "tickformat": "%b %Y" if step < 12 else "%Y"}
    return {"dtick": "M24", "tickformat": "%Y"}


def _top_areas(m: PanelModel) -> list:
    if not m.top_areas:
        return []
    items = [
        html.Li(
            [
                html.Button(
                    r.name,
                    className="link-button",
                    id={"type": ids.AREA_LINK, "level": r.level, "code": r.code},
                ),
                f": {r.count}",
            ]
        )
        for r in m.top_areas
    ]
    return _section(m.top_areas_title, [html.Ol(items)])


def _cell_trend(t) -> list:
    """The hexagon's series: a small chart (gaps where no data is loaded or a figure is
    withheld, partial points hollow), the gaps in words, and the figures as a table for
    keyboard and screen-reader users."""
    if t is None or not t.x:
        return []
    monthly = bool(t.x) and not isinstance(t.x[0], str)
    figure = {
        "data": series_traces(t.x, t.values, t.status, name="This hexagon", colour="#0b4f8a"),
        "layout": {
            "template": _template(),
            "title": {"text": t.title, "font": {"size": 12}},
            "margin": {"l": 30, "r": 8, "t": 26, "b": 40 if not monthly else 28},
            "showlegend": False,
            "height": 170,
            "yaxis": {"rangemode": "tozero", "title": {}},
            "xaxis": {"title": {}, **_month_ticks(len(t.x))}
            if monthly
            else {"title": {}, "type": "category", "tickangle": 0, "tickfont": {"size": 9}},
            "plot_bgcolor": "white",
        },
    }
    rows = [
        html.Tr(
            [
                html.Td(f"{x:%b %Y}" if monthly else x.replace("<br>", " ")),
                html.Td(_point_text(v, s), className="num"),
            ]
        )
        for x, v, s in zip(t.x, t.values, t.status, strict=True)
    ]
    out = [
        dcc.Graph(
            id=ids.CELL_TREND,
            figure=figure,
            config={"displayModeBar": False},
            style={"height": "170px"},
        )
    ]
    if t.note:
        out.append(html.P(t.note, className="small"))
    out.append(
        html.Details(
            [
                html.Summary("This hexagon's figures"),
                html.Table(html.Tbody(rows), className="totals"),
            ]
        )
    )
    return out


def _point_text(value, status: str) -> str:
    if status == "empty":
        return "no data loaded"
    if status == "withheld":
        return "not published"
    text = f"{value:,}"
    return f"{text} ({status})" if status in ("partial", "thin") else text


def _cell(m: PanelModel) -> list:
    if not m.cell:
        return []
    c = m.cell
    children = [
        html.P(f"Incidents in this hexagon in the period: {c['count']}"),
    ]
    if c["parts"]:
        children.append(
            html.Table(
                [
                    html.Thead(html.Tr([html.Th("Part in division"), html.Th("Incidents")])),
                    html.Tbody(
                        [
                            html.Tr([html.Td(name), html.Td(text, className="num")])
                            for name, text in c["parts"]
                        ]
                    ),
                ],
                className="totals",
            )
        )
    children.append(html.P(f"H3 cell {c['hex']}", className="small"))
    children += _cell_trend(c.get("trend"))
    if c["incidents"]:
        children.append(
            html.Table(
                [
                    html.Thead(
                        html.Tr([html.Th(h) for h in ("When", "Category", "Id", "Where (source)")])
                    ),
                    html.Tbody([_incident_row(row) for row in c["incidents"]]),
                ],
                className="totals incidents",
            )
        )
    return _section(f"Selected hexagon: {c['place']}", children)
