"""The restricted page (Part 2, exempt) at ``/restricted/``, for signed-in analysts only
(the guard in :mod:`dashboard.auth` refuses everyone else before any of it runs).

It chooses themes, categories, sources and any month range (a slider and From/To lists),
any hexagon size, and plays month by month. Every change of the view is written to the audit
log (who saw which filters). The user menu offers the public page.
"""

from __future__ import annotations

from dash import Dash, dcc, html

from dashboard import auth, ids, layout
from dashboard.features import downloads, filters, panel
from dashboard.features import map as map_feature
from dashboard.features._controls import any_resolution, field, play, preset_control
from dashboard.features.filters import ControlSet, common_controls
from dashboard.state import ViewState
from dashboard.views import navigation as nav
from dashboard.views import presets
from dashboard.views.context import AppContext, Options
from geo.accounts import Identity
from geo.disclosure import Audience
from geo.filters import month_str
from geo.themes import PARTNER_CATEGORIES

AUDIENCE = Audience.RESTRICTED
PREFIX = auth.RESTRICTED_PREFIX
PLAY_LABEL = "Play month by month"
# The period slider's width in the filters column and its marks' font, for spacing labels.
_SLIDER_PX, _CHAR_PX, _LABEL_GAP_PX = 236, 7.2, 10


def page(ctx: AppContext) -> html.Div:
    """The page, built on every page load."""
    return layout.page(ctx, filters=lambda opts: _filters(ctx, opts), menu=_menu)


def register(app: Dash, ctx: AppContext) -> None:
    """Every callback of the page, in the order the public page registers them."""
    filters.register(app, ctx, CONTROLS)
    # Every change of a Part 2 view is audited: who saw which filters.
    map_feature.register(app, ctx, on_view=auth.audit_view)
    panel.register(app, ctx)
    downloads.register(app, ctx)


def _filters(ctx: AppContext, opts: Options) -> html.Aside:
    what = controls_layout(ctx, opts)
    return filters.layout(ctx, opts, what=what, resolution=any_resolution())


def _menu(_identity: Identity) -> html.A:
    """The other page: the public one (only an analyst reaches this page)."""
    return html.A("Public view (Part 1)", href="/")


def controls_layout(ctx: AppContext, opts: Options) -> list[html.Div]:
    """Themes, categories, sources and a month range."""
    n_months = nav.month_index(opts, opts.last_month) + 1
    return [
        field(
            "Themes",
            dcc.Checklist(
                id=ids.THEMES,
                options=[{"label": t.label, "value": t.key} for t in ctx.themes.themes],
                className="checklist",
            ),
        ),
        field(
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
        field(
            "Sources",
            dcc.Checklist(
                id=ids.SOURCES,
                options=[{"label": _source_label(s), "value": s} for s in opts.sources],
                className="checklist",
            ),
            hint="None ticked means every source.",
        ),
        field(
            "Period",
            html.Div(
                [
                    html.Div(
                        id=ids.PERIOD_LABEL, className="period-label", **{"aria-live": "polite"}
                    ),
                    dcc.RangeSlider(
                        id=ids.PERIOD,
                        min=0,
                        max=max(n_months - 1, 0),
                        step=1,
                        marks=month_marks(opts, n_months),
                        allowCross=False,
                        tooltip=None,
                        updatemode="mouseup",
                    ),
                    html.Div(
                        [
                            field("From", _month_list(ids.PERIOD_FROM, opts)),
                            field("To", _month_list(ids.PERIOD_TO, opts)),
                        ],
                        className="period-ends",
                    ),
                    preset_control(opts),
                    play(PLAY_LABEL),
                ]
            ),
        ),
    ]


def _month_list(cid: str, opts: Options) -> dcc.Dropdown:
    """One end of the period, by name: the slider is hard to set month by month over years,
    and cannot be set by keyboard to a month far away in few key presses."""
    return dcc.Dropdown(
        id=cid,
        clearable=False,
        options=presets.month_options(opts.first_month, opts.last_month),
    )


def _source_label(source: str) -> str:
    return {
        "police-uk": "police.uk (public)",
        "synthetic-demo": "Synthetic demo data",
    }.get(source, source)


def month_marks(opts: Options, n_months: int) -> dict[int, str | dict]:
    """The two ends, held inside the slider (the first label starts at the left end, the
    last ends at the right end), and Januaries between them, every one, two, five or ten
    years, wherever a label fits clear of its neighbours."""
    first = f"{nav.month_at(opts, 0):%b %Y}"
    marks: dict[int, str | dict] = {0: {"label": first, "style": {"transform": "none"}}}
    if n_months <= 1:
        return marks
    last = f"{nav.month_at(opts, n_months - 1):%b %Y}"
    marks[n_months - 1] = {"label": last, "style": {"transform": "translateX(-100%)"}}
    per_month = _SLIDER_PX / (n_months - 1)
    left_edge = len(first) * _CHAR_PX + _LABEL_GAP_PX
    right_edge = _SLIDER_PX - len(last) * _CHAR_PX - _LABEL_GAP_PX
    half = 4 * _CHAR_PX / 2  # "2020"
    step = next(s for s in (1, 2, 5, 10, 20, 50) if s * 12 * per_month >= 2 * half + _LABEL_GAP_PX)
    for i in range(1, n_months - 1):
        m = nav.month_at(opts, i)
        x = i * per_month
        if m.month == 1 and m.year % step == 0 and left_edge <= x - half and x + half <= right_edge:
            marks[i] = str(m.year)
    return marks


def _after_controls(_ctx: AppContext, state: ViewState, opts: Options, values: dict) -> ViewState:
    return nav.from_controls(
        state,
        opts,
        themes=values[ids.THEMES],
        categories=values[ids.CATEGORIES],
        sources=values[ids.SOURCES],
        period=values[ids.PERIOD],
        **common_controls(values),
    )


def _play_step(_ctx: AppContext, state: ViewState, opts: Options, _start: bool):
    return nav.play_step(state, opts)


def _values(_ctx: AppContext, state: ViewState, opts: Options, preset: str | None) -> list:
    last = nav.month_index(opts, opts.last_month)
    ends = [nav.month_index(opts, state.month_from), nav.month_index(opts, state.month_to)]
    return [
        list(state.themes or ()),
        list(state.categories),
        list(state.sources),
        # A period kept as asked outside the loaded months sits at the slider's end.
        [min(max(i, 0), last) for i in ends],
        *[month_str(nav.month_at(opts, min(max(i, 0), last))) for i in ends],
        preset,
    ]


CONTROLS = ControlSet(
    own=(
        (ids.THEMES, "value"),
        (ids.CATEGORIES, "value"),
        (ids.SOURCES, "value"),
        (ids.PERIOD, "value"),
        (ids.PERIOD_FROM, "value"),
        (ids.PERIOD_TO, "value"),
        (ids.PERIOD_PRESET, "value"),
    ),
    after_controls=_after_controls,
    play_step=_play_step,
    values=_values,
    play_label=PLAY_LABEL,
)
