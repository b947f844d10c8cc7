"""The public page (Part 1, unrestricted) at ``/``: a fixed publication.

It shows one theme at a time (radio items) and one published period block (a dropdown):
its figures are a fixed publication (see :mod:`geo.disclosure._public`), so it has no
categories or sources to choose, no month range and one hexagon size. Playback steps block by
block. The user menu offers an analyst the restricted page. Everything else (the map, the
panel, downloads) is the shared features, over views resolved for this page's audience.
"""

from __future__ import annotations

import calendar
from dataclasses import replace

from dash import Dash, dcc, html

from dashboard import ids, layout
from dashboard.features import downloads, filters, panel
from dashboard.features import map as map_feature
from dashboard.features._controls import field, fixed_resolution, play, preset_control
from dashboard.features.filters import ControlSet, common_controls
from dashboard.state import ViewState
from dashboard.views import navigation as nav
from dashboard.views.context import AppContext, Options
from dashboard.views.public import (
    Publication,
    block_coverage,
    block_of,
    compact_label,
    play_block,
    publication,
    resolve_view,
)
from geo.accounts import Identity, Role
from geo.disclosure import Audience, DisclosurePolicy

AUDIENCE = Audience.PUBLIC
PREFIX = "/"
PLAY_LABEL = "Play block by block"
_BLOCK_NAMES = {1: "calendar months", 3: "quarters", 6: "half-years", 12: "years"}


def page(ctx: AppContext) -> html.Div:
    """The page, built on every page load."""
    return layout.page(ctx, filters=lambda opts: _filters(ctx, opts), menu=_menu)


def register(app: Dash, ctx: AppContext) -> None:
    """Every callback of the page, in the order the restricted page registers them."""
    filters.register(app, ctx, CONTROLS)
    map_feature.register(app, ctx)
    panel.register(app, ctx)
    downloads.register(app, ctx)


def _filters(ctx: AppContext, opts: Options) -> html.Aside:
    res = DisclosurePolicy.from_settings(ctx.settings).max_res
    what = controls_layout(ctx, publication(ctx), opts)
    return filters.layout(ctx, opts, what=what, resolution=fixed_resolution(res))


def _menu(identity: Identity) -> html.A | None:
    """The other page this reader may open: the restricted one, for an analyst."""
    if identity.role is Role.ANALYST:
        return html.A("Restricted view (Part 2)", href="/restricted/")
    return None


def controls_layout(ctx: AppContext, pub: Publication, opts: Options) -> list[html.Div]:
    """One theme and one published block; the themes left out are named."""
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
                    preset_control(opts),
                    play(PLAY_LABEL),
                ]
            ),
            hint=f"Figures are published for whole {year} that have ended. One marked "
            "partial lacks data for some of its months: it is never shown first, and never "
            "compared as if whole.",
        ),
    ]


def _labels(ctx: AppContext, keys: tuple[str, ...]) -> list[str]:
    return [ctx.themes.theme(k).label for k in keys]


def _year_words(pub: Publication) -> str:
    names = _BLOCK_NAMES[pub.policy.period_months]
    if pub.policy.period_months == 1:
        return names
    return f"{names} of the year from {calendar.month_name[pub.policy.year_start]}"


def _after_controls(ctx: AppContext, state: ViewState, opts: Options, values: dict) -> ViewState:
    """A theme or a block chosen: every source counts and a theme is shown whole (see
    geo.disclosure._public), so there are no categories or sources to carry over."""
    theme = values[ids.THEMES]
    after = nav.from_controls(
        state, opts, themes=[theme] if theme else None, categories=None, sources=None,
        period=None, **common_controls(values),
    )  # fmt: skip
    block = publication(ctx).block(values[ids.PERIOD])
    if block is not None:
        after = replace(after, month_from=block.first, month_to=block.last)
    return after


def _play_step(ctx: AppContext, state: ViewState, _opts: Options, start: bool):
    return play_block(ctx, resolve_view(ctx, state, AUDIENCE), start=start)


def _values(ctx: AppContext, state: ViewState, _opts: Options, preset: str | None) -> list:
    block = block_of(ctx, state)
    return [state.themes[0] if state.themes else None, block.key if block else None, preset]


def _period_options(ctx: AppContext, state: ViewState) -> list:
    return [period_options(ctx, state.themes[0] if state.themes else None)]


def period_options(ctx: AppContext, theme: str | None) -> list[dict]:
    """The published blocks, newest last, each marked when it is partial (or has no data)
    for the theme shown: a reader choosing one knows before the map draws."""
    out = []
    for block in publication(ctx).blocks:
        status = block_coverage(ctx, block, theme).status
        mark = {"partial": " (partial)", "empty": " (no data)"}.get(status, "")
        out.append({"label": compact_label(block) + mark, "value": block.key})
    return out


CONTROLS = ControlSet(
    own=((ids.THEMES, "value"), (ids.PERIOD, "value"), (ids.PERIOD_PRESET, "value")),
    after_controls=_after_controls,
    play_step=_play_step,
    values=_values,
    play_label=PLAY_LABEL,
    # The period list, each block marked partial where it is for the theme.
    extra_outputs=((ids.PERIOD, "options"),),
    extra_values=_period_options,
)
