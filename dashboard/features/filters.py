"""Filters and navigation: the controls, and the one callback that keeps URL, controls and
view state in step (the URL is the source of truth, so a view can be shared and reloaded)."""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html, no_update

from dashboard import ids
from dashboard.state import ViewState
from dashboard.views import navigation as nav
from dashboard.views.context import AppContext, Options, options
from geo.filters import month_str
from geo.themes import PARTNER_CATEGORIES

MEASURE_LABELS = {
    "count": "Count of incidents",
    "hotspots": "Hot spots (Getis-Ord Gi*)",
    "change": "Change on the previous period",
    "emerging": "Emerging hot spots (trend)",
}
LAYER_LABELS = {"lines": "County lines (origin to destination)", "ports": "Ports of entry"}


def layout(ctx: AppContext, opts: Options) -> html.Aside:
    n_months = nav.month_index(opts, opts.last_month) + 1
    return html.Aside(
        className="filters",
        **{"aria-label": "Filters"},
        children=[
            html.H2("What to show"),
            _field(
                "Themes",
                dcc.Checklist(
                    id=ids.THEMES,
                    options=[{"label": t.label, "value": t.key} for t in ctx.themes.themes],
                    className="checklist",
                ),
            ),
            _field(
                "Categories",
                dcc.Dropdown(
                    id=ids.CATEGORIES,
                    multi=True,
                    placeholder="Add police.uk or partner categories",
                    options=[
                        {"label": ctx.themes.label(c), "value": c}
                        for c in opts.categories
                        if c not in PARTNER_CATEGORIES
                    ],
                ),
                hint="Proxies for a theme are marked; see the notes under the map.",
            ),
            _field(
                "Sources",
                dcc.Checklist(
                    id=ids.SOURCES,
                    options=[{"label": _source_label(s), "value": s} for s in opts.sources],
                    className="checklist",
                ),
                hint="None ticked means every source.",
            ),
            _field(
                "Period",
                html.Div(
                    [
                        html.Div(id=ids.PERIOD_LABEL, className="period-label"),
                        dcc.RangeSlider(
                            id=ids.PERIOD,
                            min=0,
                            max=max(n_months - 1, 0),
                            step=1,
                            marks=_month_marks(opts, n_months),
                            allowCross=False,
                            tooltip=None,
                            updatemode="mouseup",
                        ),
                        html.Button(
                            "Play month by month", id=ids.PLAY, className="button", n_clicks=0
                        ),
                        dcc.Interval(id=ids.PLAY_TICK, interval=1500, disabled=True),
                    ]
                ),
            ),
            _field(
                "Measure",
                dcc.RadioItems(
                    id=ids.MEASURE,
                    options=[{"label": v, "value": k} for k, v in MEASURE_LABELS.items()],
                    className="radio",
                ),
            ),
            _field(
                "Hexagon size",
                dcc.Dropdown(
                    id=ids.RESOLUTION,
                    clearable=False,
                    options=[{"label": "Automatic (by level)", "value": "auto"}]
                    + [{"label": f"Resolution {r}", "value": r} for r in range(5, 11)],
                ),
            ),
            _field(
                "Layers",
                dcc.Checklist(
                    id=ids.LAYERS,
                    options=[{"label": v, "value": k} for k, v in LAYER_LABELS.items()],
                    className="checklist",
                ),
            ),
            _field(
                "Go to an area",
                dcc.Dropdown(
                    id=ids.AREA_PICKER,
                    placeholder="District or division",
                    options=[{"label": "Kent and Medway", "value": "county:"}]
                    + [{"label": a.name, "value": f"district:{a.code}"} for a in opts.districts]
                    + [
                        {"label": f"{a.name} (division)", "value": f"division:{a.code}"}
                        for a in opts.divisions
                    ],
                ),
            ),
        ],
    )


def _field(label: str, control, hint: str | None = None) -> html.Div:
    children = [html.Label(label, className="field-label"), control]
    if hint:
        children.append(html.P(hint, className="hint"))
    return html.Div(children, className="field")


def _source_label(source: str) -> str:
    return {
        "police-uk": "police.uk (public)",
        "synthetic-demo": "Synthetic demo data",
    }.get(source, source)


def _month_marks(opts: Options, n_months: int) -> dict[int, str]:
    """The two ends, and Januaries spaced so that about five labels fit the slider."""
    marks = {0: f"{nav.month_at(opts, 0):%b %Y}"}
    if n_months > 1:
        marks[n_months - 1] = f"{nav.month_at(opts, n_months - 1):%b %Y}"
    step = max(1, -(-n_months // 60))  # years between labels
    gap = max(4, n_months // 8)  # months kept clear of the end labels
    for i in range(gap, n_months - gap):
        m = nav.month_at(opts, i)
        if m.month == 1 and m.year % step == 0:
            marks[i] = str(m.year)
    return marks


_CONTROLS = [
    (ids.THEMES, "value"),
    (ids.CATEGORIES, "value"),
    (ids.SOURCES, "value"),
    (ids.PERIOD, "value"),
    (ids.MEASURE, "value"),
    (ids.RESOLUTION, "value"),
    (ids.LAYERS, "value"),
]


_CONTROL_IDS = frozenset(cid for cid, _ in _CONTROLS)


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.STATE, "data"),
        *[Output(cid, prop) for cid, prop in _CONTROLS],
        Output(ids.PERIOD_LABEL, "children"),
        Output(ids.AREA_PICKER, "value"),
        Output(ids.PLAY_TICK, "disabled"),
        Output(ids.PLAY, "children"),
        Input(ids.URL, "search"),
        *[Input(cid, prop) for cid, prop in _CONTROLS],
        Input(ids.MAP, "clickData"),
        Input({"type": ids.CRUMB, "level": ALL, "code": ALL}, "n_clicks"),
        Input({"type": ids.AREA_LINK, "level": ALL, "code": ALL}, "n_clicks"),
        Input(ids.AREA_PICKER, "value"),
        Input(ids.PLAY, "n_clicks"),
        Input(ids.PLAY_TICK, "n_intervals"),
        State(ids.STATE, "data"),
        State(ids.PLAY_TICK, "disabled"),
    )
    def sync(
        search,
        themes,
        cats,
        sources,
        period,
        measure,
        res,
        layers,
        click,
        _crumbs,
        _links,
        picked,
        _play,
        _tick,
        current,
        stopped,
    ):
        opts = options(ctx)
        trigger = callback_context.triggered_id
        state = ViewState.from_query(current if isinstance(current, str) else search)
        playing = not stopped
        if isinstance(trigger, dict):
            if _clicked():
                state = state.go_to(trigger["level"], trigger["code"] or None)
        elif trigger in (None, ids.URL):
            state = ViewState.from_query(search)
        elif trigger in _CONTROL_IDS:
            state = nav.from_controls(
                state,
                opts,
                themes=themes,
                categories=cats,
                sources=sources,
                period=period,
                measure=measure,
                res=res,
                layers=layers,
            )
        elif trigger == ids.MAP:
            state = nav.after_map_click(state, (click or {}).get("points", [{}])[0])
        elif trigger == ids.AREA_PICKER and picked:
            state = nav.after_area_pick(state, opts, picked)
        elif trigger == ids.PLAY:
            playing = not playing
            if playing:
                state, _ = nav.play_step(state, opts)
        elif trigger == ids.PLAY_TICK and playing:
            state, finished = nav.play_step(state, opts)
            playing = not finished
        return _outputs(nav.resolve(state, opts, ctx.themes), opts, playing)


def _clicked() -> bool:
    """True for a real click: a button that has just been drawn also fires, with no clicks."""
    value = callback_context.triggered[0].get("value") if callback_context.triggered else None
    return isinstance(value, int) and value > 0


def _outputs(state: ViewState, opts: Options, playing: bool) -> tuple:
    query = state.to_query()
    period = [nav.month_index(opts, state.month_from), nav.month_index(opts, state.month_to)]
    label = (
        month_str(state.month_from)
        if state.month_from == state.month_to
        else f"{state.month_from:%b %Y} to {state.month_to:%b %Y}"
    )
    return (
        query,
        query,
        list(state.themes or ()),
        list(state.categories),
        list(state.sources),
        period,
        state.measure,
        state.res or "auto",
        list(state.layers),
        label,
        no_update,
        not playing,
        "Stop playback" if playing else "Play month by month",
    )
