"""The "what" and "when" controls, one set per audience.

The restricted (Part 2) view chooses themes, categories, sources and any month range. The
public (Part 1) view chooses one theme (radio items) and one published period block (a
dropdown): its figures are a fixed publication (see :mod:`geo.disclosure._public`), so it
has no categories or sources to choose, and no range.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.views import navigation as nav
from dashboard.views import presets
from dashboard.views.context import AppContext, Options
from dashboard.views.public import Publication, compact_label
from geo.themes import PARTNER_CATEGORIES

PLAY_LABELS = {True: "Play block by block", False: "Play month by month"}
_BLOCK_NAMES = {1: "calendar months", 3: "quarters", 6: "half-years", 12: "years"}
# The period slider's width in the filters column and its marks' font, for spacing labels.
_SLIDER_PX, _CHAR_PX, _LABEL_GAP_PX = 236, 7.2, 10


def field(label: str, control, hint: str | None = None) -> html.Div:
    children = [html.Label(label, className="field-label"), control]
    if hint:
        children.append(html.P(hint, className="hint"))
    return html.Div(children, className="field")


def public_controls(ctx: AppContext, pub: Publication, opts: Options) -> list[html.Div]:
    restricted = [ctx.themes.theme(t.key).label for t in ctx.themes.themes]
    restricted = [label for label in restricted if label not in _labels(ctx, pub.themes)]
    note = "One theme at a time."
    if restricted and pub.policy.restricted_display == "district":
        note += f" {', '.join(restricted)}: district totals only, in the side panel."
    year = _year_words(pub)
    return [
        field(
            "Theme",
            dcc.RadioItems(
                id=ids.THEMES,
                options=[
                    {"label": label, "value": key}
                    for key, label in zip(pub.themes, _labels(ctx, pub.themes), strict=True)
                ],
                className="radio",
            ),
            hint=note,
        ),
        field(
            "Period",
            html.Div(
                [
                    dcc.Dropdown(
                        id=ids.PERIOD,
                        clearable=False,
                        searchable=False,
                        options=[{"label": compact_label(b), "value": b.key} for b in pub.blocks],
                    ),
                    html.Div(id=ids.PERIOD_LABEL, className="hint", **{"aria-live": "polite"}),
                    _preset_control(opts),
                    _play(True),
                ]
            ),
            hint=f"Figures are published for whole {year} that have ended. One marked "
            "partial lacks data for some of its months: it is never shown first, and never "
            "compared as if whole.",
        ),
    ]


def restricted_controls(ctx: AppContext, opts: Options) -> list[html.Div]:
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
                    _preset_control(opts),
                    _play(False),
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


def _preset_control(opts: Options) -> html.Div:
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


def _play(public: bool) -> html.Div:
    return html.Div(
        [
            html.Button(PLAY_LABELS[public], id=ids.PLAY, className="button", n_clicks=0),
            dcc.Interval(id=ids.PLAY_TICK, interval=1500, disabled=True),
        ]
    )


def _labels(ctx: AppContext, keys: tuple[str, ...]) -> list[str]:
    return [ctx.themes.theme(k).label for k in keys]


def _year_words(pub: Publication) -> str:
    import calendar  # noqa: PLC0415

    names = _BLOCK_NAMES[pub.policy.period_months]
    if pub.policy.period_months == 1:
        return names
    return f"{names} of the year from {calendar.month_name[pub.policy.year_start]}"


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
