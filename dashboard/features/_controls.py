"""Control builders both pages use: a labelled field, the quick-period list, the play button
and the hexagon-size list. Plain functions of explicit options: which controls a page shows,
and with which labels, is the page's choice (:mod:`dashboard.pages`)."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.views import presets
from dashboard.views.context import Options


def field(label: str, control, hint: str | None = None) -> html.Div:
    children = [html.Label(label, className="field-label"), control]
    if hint:
        children.append(html.P(hint, className="hint"))
    return html.Div(children, className="field")


def preset_control(opts: Options) -> html.Div:
    """Quick periods: the last 3, 6 and 12 months loaded and financial years, each marked
    when only part of it is loaded (the public view snaps one to a published block)."""
    return field(
        "Quick period",
        dcc.Dropdown(
            id=ids.PERIOD_PRESET,
            searchable=False,
            placeholder="Last months or a financial year",
            options=[p.option() for p in presets.presets(opts.months)],
        ),
    )


def play(label: str) -> html.Div:
    """The play button (``label`` says what a step is) and its timer."""
    return html.Div(
        [
            html.Button(label, id=ids.PLAY, className="button", n_clicks=0),
            dcc.Interval(id=ids.PLAY_TICK, interval=1500, disabled=True),
        ]
    )


def fixed_resolution(res: int) -> dcc.Dropdown:
    """A hexagon size that cannot be changed, saying which it is (the public view publishes
    one size only)."""
    options = [{"label": f"Resolution {res} only", "value": "auto"}]
    return dcc.Dropdown(id=ids.RESOLUTION, clearable=False, options=options, disabled=True)


def any_resolution() -> dcc.Dropdown:
    """Any hexagon size, or the automatic one for the level shown."""
    return dcc.Dropdown(
        id=ids.RESOLUTION,
        clearable=False,
        options=[{"label": "Automatic (by level)", "value": "auto"}]
        + [{"label": f"Resolution {r}", "value": r} for r in range(5, 11)],
    )
