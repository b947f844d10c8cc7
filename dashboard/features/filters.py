"""Filters and navigation: the filter column, and the one callback that keeps URL, controls
and view state in step (the URL is the source of truth, so a view can be shared and reloaded).

Which "what" and "when" controls the column holds, and how their values map to and from the
view state, is the page's :class:`ControlSet` (:mod:`dashboard.pages.public`,
:mod:`dashboard.pages.restricted`); everything here is the same for both. Every state the
callback writes back is resolved for the app's audience (``resolve_view``): a public URL with
any period, themes, categories or sources is rewritten to the public view it shows (one
published block, one theme), so old links still open and the page says what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html, no_update

from dashboard import ids
from dashboard.features._controls import field
from dashboard.state import ViewState
from dashboard.views import navigation as nav
from dashboard.views import presets
from dashboard.views.context import AppContext, Options, options
from dashboard.views.loaded import period_notice
from dashboard.views.place_search import area_options, picker_options, place_search_ready
from dashboard.views.public import resolve_view

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
# The controls both pages show after their own "what" and "when" controls.
OTHER_CONTROLS = [
    (ids.MEASURE, "value"),
    (ids.RESOLUTION, "value"),
    (ids.LAYERS, "value"),
]

# (ctx, state, opts, control values by id) -> the state those values ask for
AfterControls = Callable[[AppContext, ViewState, Options, dict], ViewState]
# (ctx, state, opts, start) -> (the next state of playback, whether it is the last)
PlayStep = Callable[[AppContext, ViewState, Options, bool], tuple[ViewState, bool]]
# (ctx, state shown, opts, preset shown) -> the page's own controls' values, in their order
ControlValues = Callable[[AppContext, ViewState, Options, str | None], list]
# (ctx, state shown) -> the values of the page's extra outputs
Extra = Callable[[AppContext, ViewState], list]


@dataclass(frozen=True)
class ControlSet:
    """A page's "what" and "when" controls: which there are (``own``, before the measure,
    size and layers every page has), how their values change the view state, how playback
    steps, what they show for a state, and any outputs of the page's own
    (``extra_outputs``, their values from ``extra_values``)."""

    own: tuple[tuple[str, str], ...]
    after_controls: AfterControls
    play_step: PlayStep
    values: ControlValues
    play_label: str
    extra_outputs: tuple[tuple[str, str], ...] = ()
    extra_values: Extra | None = None

    @property
    def present(self) -> list[tuple[str, str]]:
        return [*self.own, *OTHER_CONTROLS]


def layout(ctx: AppContext, opts: Options, *, what: list, resolution) -> html.Aside:
    """The filter column: the page's own controls (``what``), then the measure, the hexagon
    size (``resolution``, the page's choice), layers and the area picker."""
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
            field("Hexagon size", resolution),
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


def common_controls(values: dict) -> dict:
    """The measure, size and layers as :func:`navigation.from_controls` takes them."""
    return {
        "measure": values[ids.MEASURE],
        "res": values[ids.RESOLUTION],
        "layers": values[ids.LAYERS],
    }


def register(app: Dash, ctx: AppContext, controls: ControlSet) -> None:
    present = controls.present
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
        *[Output(cid, prop) for cid, prop in controls.extra_outputs],
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
            state = controls.after_controls(ctx, state, opts, values)
        elif trigger == ids.MAP:
            state = nav.after_map_click(state, opts, (click or {}).get("points", [{}])[0])
        elif trigger == ids.AREA_PICKER and picked:
            state = nav.after_area_pick(state, opts, picked)
        elif trigger == ids.PLAY:
            playing = not playing
            if playing:
                state, _ = controls.play_step(ctx, state, opts, True)
        elif trigger == ids.PLAY_TICK and playing:
            state, finished = controls.play_step(ctx, state, opts, False)
            playing = not finished
        # Resolved once: everything written back (URL, controls, notice) is of this state.
        shown = resolve_view(ctx, state, ctx.audience)
        chosen = values[ids.PERIOD_PRESET] if trigger == ids.PERIOD_PRESET else None
        return _outputs(ctx, controls, shown, opts, playing, asked=state, preset=chosen)


def _after_month_list(state: ViewState, trigger: str, values: dict) -> ViewState:
    """A month chosen in the From or To list. The other end moves with it when the two
    would cross (From after To), so the list never refuses a choice."""
    month = presets.month_value(values[trigger])
    if month is None:
        return state
    if trigger == ids.PERIOD_FROM:
        return replace(state, month_from=month, month_to=max(month, state.month_to or month))
    return replace(state, month_to=month, month_from=min(month, state.month_from or month))


def _clicked() -> bool:
    """True for a real click: a button that has just been drawn also fires, with no clicks."""
    value = callback_context.triggered[0].get("value") if callback_context.triggered else None
    return isinstance(value, int) and value > 0


def _outputs(
    ctx: AppContext,
    controls: ControlSet,
    state: ViewState,
    opts: Options,
    playing: bool,
    *,
    asked: ViewState,
    preset: str | None = None,
) -> tuple:
    query = state.to_query()
    stop = "Stop playback" if playing else controls.play_label
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
    what = controls.values(ctx, state, opts, preset)
    others = [state.measure, state.res or "auto", list(state.layers)]
    extra = controls.extra_values(ctx, state) if controls.extra_values else []
    return (query, query, *what, *others, label, no_update, not playing, stop, *extra)
