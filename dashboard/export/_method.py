"""The method notes page of the briefing pack: sources, definitions, statistics, disclosure
rules and boundary caveats, in words a committee reader can follow."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.export._meta import ExportInfo
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.labels import CELL_AREA_KM2, SOURCE_NAMES, sources_in_view
from dashboard.views.measures import PERMUTATIONS
from geo.disclosure import Audience, DisclosurePolicy, legend_notes


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[str]


def method_notes(
    ctx: AppContext,
    state: ViewState,
    audience: Audience,
    info: ExportInfo,
    res: int,
    district_res: int,
) -> list[Section]:
    return [
        Section("Sources", _sources(ctx, state)),
        Section("What is counted", _definitions(ctx, state)),
        Section("Hexagons and areas", _hexagons(res, district_res)),
        Section("Statistics used", _statistics()),
        Section("Disclosure control", _disclosure(ctx, audience, info)),
        Section("Boundaries", [_boundary(ctx)]),
        Section("This pack", _production(info)),
    ]


def _sources(ctx: AppContext, state: ViewState) -> list[str]:
    used = sources_in_view(ctx, state)
    out = [
        f"{name}: {SOURCE_NAMES.get(name, 'partner data supplied to Kent County Council')}."
        for name in used
    ] or ["No incidents are loaded for this period."]
    if "synthetic-demo" in used:
        out.append("This pack contains synthetic demo data: these are not real incidents.")
    return out


def _definitions(ctx: AppContext, state: ViewState) -> list[str]:
    out = []
    for key in state.themes or ():
        theme = ctx.themes.theme(key)
        cats = [ctx.themes.label(c) for c in ctx.themes.categories_for(key)]
        out.append(f"{theme.label}: {theme.description} Counted from: {', '.join(cats)}.")
        for c in ctx.themes.categories_for(key):
            rule = ctx.themes.rule_for(c)
            if rule and rule.proxy and rule.note:
                out.append(f"Proxy: {rule.note}")
    out += [f"Also counted: {ctx.themes.label(c)}." for c in state.categories]
    out.append(
        "Only incidents with a location are counted (a few police.uk records have "
        "none); each is counted once, in the division or district it was placed in."
    )
    return out


def _hexagons(res: int, district_res: int) -> list[str]:
    if res == district_res:
        sizes = f"resolution {res} (about {CELL_AREA_KM2[res]:g} km² each) on every map"
    else:
        sizes = (
            f"resolution {res} on county maps (about {CELL_AREA_KM2[res]:g} km² each) and "
            f"{district_res} on district maps (about {CELL_AREA_KM2[district_res]:g} km²)"
        )
    return [
        f"Maps divide the area into hexagons of Uber's H3 grid: {sizes}. A hexagon's count "
        "is the incidents whose location lies in that hexagon at that resolution. Each "
        "hexagon is cut where a division boundary crosses it, so the pieces of a map add up "
        "exactly to the district and division totals. Kent and Medway is every district "
        "together: incidents placed outside every district boundary (police.uk snaps a few "
        "to points at sea or just over the county edge) are not drawn and are counted in no "
        "area; the county maps' notes say how many there are.",
        "District and division totals come from where each incident was placed by its "
        "coordinates, never from adding up hexagons.",
    ]


def _statistics() -> list[str]:
    return [
        "Change on the previous period: the period is compared with the period of the same "
        "length just before it. Whether a change is more than chance is an exact test: if "
        "the rate did not change, this period's share of the two periods' total follows a "
        "binomial distribution with probability one half. Across many areas the p-values are "
        "adjusted with the Benjamini-Hochberg false-discovery-rate method (within each level), "
        "and a change is called significant when the adjusted value is below 0.05.",
        "Hot spots: the Getis-Ord Gi* statistic compares each hexagon and its six neighbours "
        "with the whole study region (every hexagon of the area, quiet ones included). A hot "
        "spot has more incidents around it than chance would give; a cold spot fewer. Classes "
        "(90%, 95%, 99% confidence) come from Benjamini-Hochberg adjusted p-values; "
        f"{PERMUTATIONS} random permutations give a check that does not rely on the normal "
        "approximation.",
        "Emerging hot spots: Gi* is computed for every month, and the Mann-Kendall test asks "
        "whether each hexagon's Gi* rises or falls over time. Hexagons are then named with "
        "ArcGIS Pro's Emerging Hot Spot Analysis categories (new, consecutive, intensifying, "
        "persistent, diminishing, sporadic, oscillating, historical). Fewer than ten months "
        "make these patterns weak evidence.",
        "A hot spot says where incidents concentrate, not why, and not that anyone there is "
        "at risk or to blame. Recorded crime depends on reporting and policing as well as on "
        "offending.",
    ]


def _disclosure(ctx: AppContext, audience: Audience, info: ExportInfo) -> list[str]:
    if audience is Audience.RESTRICTED:
        return [
            "This pack is Part 2 (exempt) and marked OFFICIAL-SENSITIVE: its figures are exact, "
            "including counts small enough to identify a victim. It must not be published. "
            "Share it only with those entitled to see Part 2 papers.",
            "The public (Part 1) pack for the same period shows fewer figures: counts below "
            f"{DisclosurePolicy.from_settings(ctx.settings).k} and others are withheld there.",
        ]
    out = [r["text"] for r in info.rules]
    out += [
        f"'{label}' means {meaning}."
        for label, meaning in legend_notes(DisclosurePolicy.from_settings(ctx.settings).k)
    ]
    out.append("Hot spot classes are computed from exact counts and shown as classes only.")
    return out


def _boundary(ctx: AppContext) -> str:
    from geo.boundaries import boundary_note  # noqa: PLC0415 - geopandas loads on first use

    return boundary_note(ctx.store) or "No boundary files are loaded."


def _production(info: ExportInfo) -> list[str]:
    part = "Part 2, exempt" if info.audience == "restricted" else "Part 1, unrestricted"
    return [
        info.line(),
        f"Marked {info.marking} ({part}).",
        f"The view exported, as a dashboard link: {info.view or '(the default view)'}",
    ]
