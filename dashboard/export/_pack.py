"""The briefing pack as one PDF: HTML pages printed by the export's headless Chromium, maps
and charts embedded as vector SVG, the marking in the header and footer of every page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape

from dashboard.browser import Renderer
from dashboard.export import _meta
from dashboard.export._briefing import Briefing, DistrictPage, briefing_model
from dashboard.export._charts import trend_figure
from dashboard.export._context import pinned
from dashboard.export._map_export import MIME, Export, area_labels, map_sheet, rules_for
from dashboard.export._meta import ExportInfo
from dashboard.export._method import method_notes
from dashboard.export._print_figure import Frame, print_figure
from dashboard.export._rows import view_resolution
from dashboard.export._sheet import PAPERS, Paper, document, environment
from dashboard.export._svg_layer import layered_map
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.labels import selection_text, sources_in_view
from dashboard.views.places import nearest_towns
from geo.disclosure import Audience
from geo.grid import str_to_cell

MARGINS_MM = (12, 0, 12, 0)  # top, right, bottom, left: the header and footer live here
SHEET = Paper("pack-sheet", 210, 297 - MARGINS_MM[0] - MARGINS_MM[2] - 1)
DISTRICT_FRAME = Frame(688, 400)  # 182 x 106 mm: room for a full-width division table
CONTENT_WIDTH_PX = 688
SYNTHETIC = "Synthetic demo data: these are not real incidents."
_COLOURS = {"OFFICIAL": "#1f6f43", "OFFICIAL-SENSITIVE": "#9a1c1c"}
_HANDLING = {
    Audience.PUBLIC: (
        "Part 1 (unrestricted). Every figure in this pack is a published one: counts from 1 to "
        "{k1} are shown as 'fewer than {k}', and some others are withheld so that no small "
        "count can be worked out by subtraction. Restricted categories appear only as district "
        "totals. The method notes list the rules applied."
    ),
    Audience.RESTRICTED: (
        "Part 2 (exempt): not for publication. This pack holds exact counts, including counts "
        "small enough to identify a victim. Handle as OFFICIAL-SENSITIVE; share only with those "
        "entitled to see Part 2 papers, and do not copy figures into a Part 1 report."
    ),
}


@dataclass(frozen=True)
class _Cell:
    hex: str
    place: str  # the division
    town: str  # "in or near Margate"
    text: str  # the published count


@dataclass(frozen=True)
class _District:
    page: DistrictPage
    svg: str
    total: str
    note: str
    cells: list[_Cell]


def export_briefing(
    ctx: AppContext,
    state: ViewState,
    audience: Audience,
    *,
    renderer: Renderer,
    user: str,
    client: str,
    progress=None,
) -> Export:
    """The county briefing pack for the period (and selection) of ``state``; audited."""
    renderer.start()  # Chromium starts while the figures are gathered
    ctx = pinned(ctx)
    brief = briefing_model(ctx, state, audience, progress)
    title = f"Serious and organised crime in Kent and Medway: briefing, {brief.period}"
    info = _meta.new_info(
        ctx,
        brief.state,
        audience,
        kind="briefing",
        fmt="pdf",
        title=title,
        user=user,
        client=client,
        rules=rules_for(ctx, brief.state, audience),
    )
    if progress:
        progress("drawing maps and charts")
    html = briefing_html(ctx, brief, info, renderer)
    pdf = renderer.pdf(html, header=_header(info), footer=_footer(info, _synthetic(ctx, brief)))
    data = _meta.pdf_with_metadata(pdf, info)
    _meta.record(ctx, info, data)
    return Export(data, _meta.filename(info, "kent-and-medway", "pdf"), MIME["pdf"], info)


def briefing_html(ctx: AppContext, brief: Briefing, info: ExportInfo, renderer: Renderer) -> str:
    """The whole pack as one HTML document (tests read its tables)."""
    from geo.stats import CATEGORY_LABELS, CLASS_LABELS  # noqa: PLC0415 - statistics load on first use

    audience = brief.audience
    k = _k(ctx)
    sheets = {
        name: map_sheet(
            ctx,
            replace(brief.state, measure=measure),
            model,
            info,
            renderer,
            SHEET,
            banners=False,
            heading=heading,
        )
        for name, measure, model, heading in (
            ("overview", "count", brief.overview, "2. County overview map"),
            ("hotspots", "hotspots", brief.hotspots, "4.1 Hot spot map (Getis-Ord Gi*)"),
            ("emerging", "emerging", brief.emerging, "4.3 Emerging hot spot map"),
        )
    }
    body = (
        environment()
        .get_template("briefing.html.j2")
        .render(
            b=brief,
            info=info,
            audience=str(audience),
            sensitive=audience is Audience.RESTRICTED,
            part="Part 2 (exempt)" if audience is Audience.RESTRICTED else "Part 1 (unrestricted)",
            selection=selection_text(ctx, brief.state, audience),
            synthetic=SYNTHETIC if _synthetic(ctx, brief) else None,
            handling=_HANDLING[audience].format(k=k, k1=k - 1),
            compare=brief.previous_period is not None,
            untested=brief.untested,
            county_total=brief.panel.total,
            class_labels=CLASS_LABELS,
            category_labels=CATEGORY_LABELS,
            trend_svg=_trend_svg(brief, renderer),
            trend_unit=_trend_unit(ctx, audience),
            trend_title=_TREND_TITLES[_trend_unit(ctx, audience)],
            districts=[_district(ctx, d, renderer) for d in brief.districts],
            method=method_notes(
                ctx,
                brief.state,
                audience,
                info,
                view_resolution(ctx, brief.state, audience),
                _district_res(ctx, brief),
            ),
            **sheets,
        )
    )
    return document(
        info.title, body, PAPERS["a4-portrait"], margins_mm=MARGINS_MM, body_class="doc"
    )


def _synthetic(ctx: AppContext, brief: Briefing) -> bool:
    """Whether the pack's figures include synthetic demo data (said on every page)."""
    return "synthetic-demo" in sources_in_view(ctx, brief.state, brief.audience)


_TREND_TITLES = {
    "month": "Monthly",
    "quarter": "Quarterly",
    "half-year": "Half-yearly",
    "year": "Yearly",
}


def _trend_unit(ctx: AppContext, audience: Audience) -> str:
    """What one point of the trend charts is: a month (Part 2), or a published block."""
    if audience is Audience.RESTRICTED:
        return "month"
    from dashboard.views.panel_view import BLOCK_UNITS  # noqa: PLC0415
    from geo.disclosure import DisclosurePolicy  # noqa: PLC0415

    return BLOCK_UNITS[DisclosurePolicy.from_settings(ctx.settings).period_months]


def _district_res(ctx: AppContext, brief: Briefing) -> int:
    if brief.districts:
        return view_resolution(ctx, brief.districts[0].state, brief.audience)
    return view_resolution(ctx, brief.state, brief.audience)


def _k(ctx: AppContext) -> int:
    from geo.disclosure import DisclosurePolicy  # noqa: PLC0415

    return DisclosurePolicy.from_settings(ctx.settings).k


def _trend_svg(brief: Briefing, renderer: Renderer) -> str | None:
    if not brief.trends or not brief.trend_months:
        return None
    fig = trend_figure(
        brief.trend_months,
        brief.trends,
        CONTENT_WIDTH_PX,
        brief.trend_labels or None,
        status=brief.trend_status,
    )
    return renderer.svg(fig, CONTENT_WIDTH_PX, int(fig.layout.height))


def _district(ctx: AppContext, page: DistrictPage, renderer: Renderer) -> _District:
    fig = print_figure(page.model, DISTRICT_FRAME, area_labels(ctx, page.state))
    svg = layered_map(fig, DISTRICT_FRAME.width, DISTRICT_FRAME.height, renderer.svg)
    res_note = next((n.text for n in page.model.notes if n.text.startswith("Hexagons:")), "")
    note = f"{res_note} Sources, caveats and the rules applied: see the method notes."
    top = page.panel.top_cells
    towns = nearest_towns([str_to_cell(h) for h, _, _ in top])
    cells = [_Cell(h, place, town, text) for (h, place, text), town in zip(top, towns, strict=True)]
    return _District(page, svg, page.panel.total, note.strip(), cells)


def _header(info: ExportInfo) -> str:
    colour = _COLOURS.get(info.marking, "#1f2328")
    return (
        "<div style=\"width:100%;text-align:center;font-family:'Liberation Sans',Arial,"
        f"sans-serif;font-size:9pt;font-weight:700;letter-spacing:0.08em;color:{colour};"
        f'-webkit-print-color-adjust:exact">{escape(info.marking)}</div>'
    )


def _footer(info: ExportInfo, synthetic: bool = False) -> str:
    colour = _COLOURS.get(info.marking, "#1f2328")
    demo = (
        '<span style="color:#7d4e00;font-weight:700">&nbsp;&middot; synthetic demo data, '
        "not real incidents</span>"
        if synthetic
        else ""
    )
    return (
        '<div style="width:100%;margin:0 14mm;display:flex;justify-content:space-between;'
        "font-family:'Liberation Sans',Arial,sans-serif;font-size:7.5pt;color:#57606a\">"
        f"<span>{escape(info.reference)}{demo}</span>"
        f'<span style="font-weight:700;letter-spacing:0.08em;color:{colour}">'
        f"{escape(info.marking)}</span>"
        '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span>'
        "</span></div>"
    )
