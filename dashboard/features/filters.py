"""Filters and navigation: the controls, and the one callback that keeps URL, controls and
view state in step (the URL is the source of truth, so a view can be shared and reloaded).

Every state the callback writes back is resolved for the app's audience: a public URL with
any period, themes, categories or sources is rewritten to the public view it shows (one
published block, one theme), so old links still open and the page says what it shows.
"""

from __future__ import annotations

from dataclasses import replace

from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html, no_update

from dashboard import ids
from dashboard.features import _controls
from dashboard.features._controls import field
from dashboard.state import ViewState
from dashboard.views import navigation as nav
from dashboard.views import presets
from dashboard.views.context import AppContext, Options, options
from dashboard.views.loaded import period_notice
from dashboard.views.place_search import area_options, picker_options, place_search_ready
from dashboard.views.public import (
    block_coverage,
    block_of,
    compact_label,
    play_block,
    publication,
    resolve_view,
)
from geo.disclosure import Audience, DisclosurePolicy
from geo.filters import month_str

MEASURE_LABELS = {
    "count": "Count of incidents",
    "hotspots": "Hot spots (Getis-Ord Gi*)",
    "change": "Change on the previous period",
    "emerging": "Emerging hot spots (trend)",
}
LAYER_LABELS = {
    "lines": "County lines (origin to destination)",
    "ports": "Ports of entry",
    "imd": "Deprivation (IMD 2019 decile)",
    "places": "Schools and care locations",
}


def layout(ctx: AppContext, opts: Options) -> html.Aside:
    if ctx.audience is Audience.PUBLIC:
        what = _controls.public_controls(ctx, publication(ctx), opts)
    else:
        what = _controls.restricted_controls(ctx, opts)
    return html.Aside(
        className="filters",
        **{"aria-label": "Filters"},
        children=[
            html.H2("What to show"),
            *what,
            field(
                "Measure",
                dcc.RadioItems(
                    id=ids.MEASURE,
                    options=[{"label": v, "value": k} for k, v in MEASURE_LABELS.items()],
                    className="radio",
                ),
            ),
            field("Hexagon size", _resolution_control(ctx)),
            field(
                "Layers",
                dcc.Checklist(
                    id=ids.LAYERS,
                    options=[{"label": v, "value": k} for k, v in LAYER_LABELS.items()],
                    className="checklist",
                ),
            ),
            field(
                "Go to an area",
                dcc.Dropdown(
                    id=ids.AREA_PICKER,
                    placeholder=_picker_hint(ctx),
                    options=area_options(opts),
                    search_order="original",  # places found first, in the search's order
                ),
            ),
        ],
    )


def _picker_hint(ctx: AppContext) -> str:
    if place_search_ready(ctx):
        return "District, division, town, village or postcode"
    return "District or division"


def _resolution_control(ctx: AppContext) -> dcc.Dropdown:
    """Analysts choose any size; the public view publishes one size only, and says so."""
    if ctx.audience is Audience.PUBLIC:
        res = DisclosurePolicy.from_settings(ctx.settings).max_res
        label = f"Resolution {res} only"
        options = [{"label": label, "value": "auto"}]
        return dcc.Dropdown(id=ids.RESOLUTION, clearable=False, options=options, disabled=True)
    return dcc.Dropdown(
        id=ids.RESOLUTION,
        clearable=False,
        options=[{"label": "Automatic (by level)", "value": "auto"}]
        + [{"label": f"Resolution {r}", "value": r} for r in range(5, 11)],
    )


_OTHER_CONTROLS = [
    (ids.MEASURE, "value"),
    (ids.RESOLUTION, "value"),
    (ids.LAYERS, "value"),
]
# The public view has no categories or sources to choose: every source counts, and a theme
# is shown whole (see geo.disclosure._public).
PUBLIC_CONTROLS = [
    (ids.THEMES, "value"),
    (ids.PERIOD, "value"),
    (ids.PERIOD_PRESET, "value"),
    *_OTHER_CONTROLS,
]
RESTRICTED_CONTROLS = [
    (ids.THEMES, "value"),
    (ids.CATEGORIES, "value"),
    (ids.SOURCES, "value"),
    (ids.PERIOD, "value"),
    (ids.PERIOD_FROM, "value"),
    (ids.PERIOD_TO, "value"),
    (ids.PERIOD_PRESET, "value"),
    *_OTHER_CONTROLS,
]


def controls(audience: Audience) -> list[tuple[str, str]]:
    return PUBLIC_CONTROLS if audience is Audience.PUBLIC else RESTRICTED_CONTROLS


def register(app: Dash, ctx: AppContext) -> None:
    present = controls(ctx.audience)
    control_ids = [cid for cid, _ in present]

    @app.callback(
        Output(ids.AREA_PICKER, "options"),
        Input(ids.AREA_PICKER, "search_value"),
        prevent_initial_call=True,
    )
    def find_places(text):
        # The dropdown clears its search as an option is clicked: the list must stay as it
        # is then, or the place clicked is gone before it is chosen.
        if not text:
            return no_update
        return picker_options(ctx, options(ctx), text)

    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.STATE, "data"),
        *[Output(cid, prop) for cid, prop in present],
        Output(ids.PERIOD_LABEL, "children"),
        Output(ids.AREA_PICKER, "value"),
        Output(ids.PLAY_TICK, "disabled"),
        Output(ids.PLAY, "children"),
        # Public: the period list, each block marked partial where it is for the theme.
        *([Output(ids.PERIOD, "options")] if ctx.audience is Audience.PUBLIC else []),
        Input(ids.URL, "search"),
        *[Input(cid, prop) for cid, prop in present],
        Input(ids.MAP, "clickData"),
        Input({"type": ids.CRUMB, "level": ALL, "code": ALL}, "n_clicks"),
        Input({"type": ids.AREA_LINK, "level": ALL, "code": ALL}, "n_clicks"),
        Input(ids.AREA_PICKER, "value"),
        Input(ids.PLAY, "n_clicks"),
        Input(ids.PLAY_TICK, "n_intervals"),
        State(ids.STATE, "data"),
        State(ids.PLAY_TICK, "disabled"),
    )
    def sync(search, *args):
        values = dict(zip(control_ids, args[: len(present)], strict=True))
        click, _crumbs, _links, picked, _play, _tick, current, stopped = args[len(present) :]
        opts = options(ctx)
        trigger = callback_context.triggered_id
        state = ViewState.from_query(current if isinstance(current, str) else search)
        playing = not stopped
        if isinstance(trigger, dict):
            if _clicked():
                state = state.go_to(trigger["level"], trigger["code"] or None)
        elif trigger in (None, ids.URL):
            state = ViewState.from_query(search)
        elif trigger == ids.PERIOD_PRESET:
            chosen = presets.preset(opts.months, values[trigger])
            if chosen is not None:
                state = replace(state, month_from=chosen.first, month_to=chosen.last)
        elif trigger in (ids.PERIOD_FROM, ids.PERIOD_TO):
            state = _after_month_list(state, trigger, values)
        elif trigger in values:
            state = _after_controls(ctx, state, opts, values)
        elif trigger == ids.MAP:
            state = nav.after_map_click(state, opts, (click or {}).get("points", [{}])[0])
        elif trigger == ids.AREA_PICKER and picked:
            state = nav.after_area_pick(state, opts, picked)
        elif trigger == ids.PLAY:
            playing = not playing
            if playing:
                state, _ = _play_step(ctx, state, opts, start=True)
        elif trigger == ids.PLAY_TICK and playing:
            state, finished = _play_step(ctx, state, opts, start=False)
            playing = not finished
        shown = resolve_view(ctx, state, ctx.audience)
        chosen = values[ids.PERIOD_PRESET] if trigger == ids.PERIOD_PRESET else None
        return _outputs(ctx, shown, opts, playing, asked=state, preset=chosen)


def _after_month_list(state: ViewState, trigger: str, values: dict) -> ViewState:
    """A month chosen in the From or To list. The other end moves with it when the two
    would cross (From after To), so the list never refuses a choice."""
    month = presets.month_value(values[trigger])
    if month is None:
        return state
    if trigger == ids.PERIOD_FROM:
        return replace(state, month_from=month, month_to=max(month, state.month_to or month))
    return replace(state, month_to=month, month_from=min(month, state.month_from or month))


def _after_controls(ctx: AppContext, state: ViewState, opts: Options, values: dict) -> ViewState:
    common = {
        "measure": values[ids.MEASURE],
        "res": values[ids.RESOLUTION],
        "layers": values[ids.LAYERS],
    }
    if ctx.audience is Audience.PUBLIC:
        theme = values[ids.THEMES]
        after = nav.from_controls(
            state, opts, themes=[theme] if theme else None, categories=None, sources=None,
            period=None, **common,
        )  # fmt: skip
        block = publication(ctx).block(values[ids.PERIOD])
        if block is not None:
            after = replace(after, month_from=block.first, month_to=block.last)
        return after
    return nav.from_controls(
        state,
        opts,
        themes=values[ids.THEMES],
        categories=values[ids.CATEGORIES],
        sources=values[ids.SOURCES],
        period=values[ids.PERIOD],
        **common,
    )


def _play_step(ctx: AppContext, state: ViewState, opts: Options, *, start: bool):
    if ctx.audience is Audience.PUBLIC:
        return play_block(ctx, resolve_view(ctx, state, ctx.audience), start=start)
    return nav.play_step(state, opts)


def _clicked() -> bool:
    """True for a real click: a button that has just been drawn also fires, with no clicks."""
    value = callback_context.triggered[0].get("value") if callback_context.triggered else None
    return isinstance(value, int) and value > 0


def _outputs(
    ctx: AppContext,
    state: ViewState,
    opts: Options,
    playing: bool,
    *,
    asked: ViewState,
    preset: str | None = None,
) -> tuple:
    query = state.to_query()
    public = ctx.audience is Audience.PUBLIC
    stop = "Stop playback" if playing else _controls.PLAY_LABELS[public]
    # What is shown, and why it is not what a link asked for, if it is not (never silently
    # another period), and whether it is partial or has no data.
    label = period_notice(ctx, asked, state, ctx.audience)
    chosen = presets.preset(opts.months, preset)
    if chosen is not None and chosen.note:
        # Said first: a preset reaching past the loaded months covers what is loaded only.
        label = f"{chosen.note} {label}"
    # The preset list shows the one chosen, or the one the period shown is exactly.
    ends_shown = (state.month_from, state.month_to)
    preset = chosen.key if chosen else presets.matching(opts.months, *ends_shown)
    if public:
        block = block_of(ctx, state)
        what = [
            state.themes[0] if state.themes else None,
            block.key if block else None,
            preset,
        ]
    else:
        last = nav.month_index(opts, opts.last_month)
        ends = [nav.month_index(opts, state.month_from), nav.month_index(opts, state.month_to)]
        what = [
            list(state.themes or ()),
            list(state.categories),
            list(state.sources),
            # A period kept as asked outside the loaded months sits at the slider's end.
            [min(max(i, 0), last) for i in ends],
            *[month_str(nav.month_at(opts, min(max(i, 0), last))) for i in ends],
            preset,
        ]
    others = [state.measure, state.res or "auto", list(state.layers)]
    extra = [period_options(ctx, state.themes[0] if state.themes else None)] if public else []
    return (query, query, *what, *others, label, no_update, not playing, stop, *extra)


def period_options(ctx: AppContext, theme: str | None) -> list[dict]:
    """The published blocks, newest last, each marked when it is partial (or has no data)
    for the theme shown: a reader choosing one knows before the map draws."""
    out = []
    for block in publication(ctx).blocks:
        status = block_coverage(ctx, block, theme).status
        mark = {"partial": " (partial)", "empty": " (no data)"}.get(status, "")
        out.append({"label": compact_label(block) + mark, "value": block.key})
    return out
