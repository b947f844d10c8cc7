"""The panel's "By deprivation" section (``dashboard.views.harm_panel``), drawn by a callback
of its own: the Part 1 breakdown is checked with the map by linear programmes, which can
take seconds the first time a filter is asked for, and the totals must not wait for it."""

from __future__ import annotations

from dash import Dash, Input, Output, html

from dashboard import ids
from dashboard.views.context import AppContext
from dashboard.views.harm import HarmPage
from dashboard.views.harm_panel import panel_deprivation
from dashboard.views.public import request_view

TITLE = "By deprivation (IMD 2019 decile)"


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output(ids.DEPRIVATION, "children"),
        Input(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def render(query):
        return view(ctx, query)


def view(ctx: AppContext, query: str | None) -> list:
    # Not memoised here: the page is (per data version), except a check cut short, which a
    # later request must try again (see dashboard.views.harm_panel).
    return section(panel_deprivation(ctx, request_view(ctx, query), ctx.audience))


def _decile(label: str) -> str:
    """ "Decile 1 (most deprived)": a bare "1" in a table reads as a count."""
    if not label.isdigit():
        return label.capitalize()
    words = {"1": " (most deprived)", "10": " (least deprived)"}.get(label, "")
    return f"Decile {label}{words}"


def section(page: HarmPage) -> list:
    if page.reason:
        return [html.H3(TITLE), html.P(page.reason, className="small")]
    if not page.deciles:
        return [html.H3(TITLE), *(html.P(s, className="small") for s in page.shares)]
    head = html.Tr(
        [
            html.Th("Decile"),
            html.Th("Incidents", className="num"),
            html.Th("Share", className="num"),
            html.Th("Residents' share", className="num"),
            html.Th("Per 1,000", className="num"),
        ]
    )
    rows = [
        html.Tr(
            [
                html.Td(_decile(d.label)),
                html.Td(d.incidents, className="num"),
                html.Td(d.incident_share, className="num"),
                html.Td(d.resident_share, className="num"),
                html.Td(d.rate, className="num"),
            ]
        )
        for d in page.deciles
    ]
    return [
        html.H3(TITLE),
        html.P(
            f"{page.name}: incidents by the IMD 2019 decile of their neighbourhood (LSOA); "
            "decile 1 = the most deprived 10% of neighbourhoods in England. Rates per 1,000 "
            f"{page.population}.",
            className="small",
        ),
        html.Table(
            [html.Thead(head), html.Tbody(rows)],
            className="totals deciles",
            **{"aria-label": f"{page.name}: incidents by deprivation decile"},
        ),
        *(html.P(s, className="small") for s in page.shares),
        html.P(page.index, className="small"),
        *(html.P(n, className="small") for n in page.notes),
        html.P(page.attribution, className="small attribution"),
    ]
