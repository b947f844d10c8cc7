"""The method notes page of the briefing pack: sources, definitions, statistics, disclosure
rules and boundary caveats, in words a committee reader can follow."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.export._meta import ExportInfo
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.labels import CELL_AREA_KM2, SOURCE_NAMES, sources_in_view
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
        Section("Sources", _sources(ctx, state, audience)),
        Section("What is counted", _definitions(ctx, state)),
        Section("Hexagons and areas", _hexagons(res, district_res)),
        Section("Statistics used", _statistics(audience)),
        Section("Disclosure control", _disclosure(ctx, audience, info)),
        Section("Boundaries", [_boundary(ctx)]),
        Section("This pack", _production(info)),
    ]


def _sources(ctx: AppContext, state: ViewState, audience: Audience) -> list[str]:
    used = sources_in_view(ctx, state, audience)
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


def _statistics(audience: Audience) -> list[str]:
    public = audience is Audience.PUBLIC
    return [
        "Change on the previous period: the period is compared with the period of the same "
        "length just before it, as rates per day, so that a 28-day month is not read as a fall "
        "against a 31-day one. Whether a change is more than chance is an exact test: if the "
        "daily rate did not change, this period's share of the two periods' total follows a "
        "binomial distribution whose probability is this period's share of the days with data. "
        "Across many areas the p-values are adjusted with the Benjamini-Hochberg "
        "false-discovery-rate method (within each level), and a change is called significant "
        "when the adjusted value is below 0.05. The test assumes each month's records are "
        "complete: where either period holds a thin month (under three quarters of its "
        "source's typical month, as a month often is when first published), no change is "
        "tested and only its size and direction are given.",
        "Hot spots: the Getis-Ord Gi* statistic compares each hexagon and its six neighbours "
        "with the whole study region (every hexagon that overlaps the area's boundary, quiet "
        "ones included; it depends on the boundary alone). A hot spot has more incidents in and "
        "around it than chance would give; a cold spot fewer. Whether a neighbourhood is more "
        "than chance is an exact test: if the area's hexagon counts were shuffled at random "
        "over its hexagons, how often would seven of them, taken together, hold as many? The "
        "classes control the false discovery rate across the map (Benjamini-Hochberg): 'at "
        "most 1 in 20 false alarms' means that of all the hexagons marked at that level or a "
        "stricter one, on average no more than 1 in 20 is a neighbourhood no busier than "
        "chance. 'not significant' does not mean 'no crime here'."
        + (
            " In this public pack the classes are computed from the published figures on the "
            "map, counts below the threshold read as the middle of their range (see Disclosure "
            "control), and no score is printed."
            if public
            else ""
        ),
        "Emerging hot spots: Gi* is computed for every "
        + ("published period" if public else "month")
        + ", each hexagon's neighbourhood taking in the step before (as ArcGIS Pro does by "
        "default), and a step is hot or cold by the same exact test, with the false discovery "
        "rate held at 10% across every hexagon and step. The Mann-Kendall test asks whether each "
        "hexagon's Gi* rises or falls over time. Hexagons are then named with ArcGIS Pro's "
        "Emerging Hot Spot Analysis categories (new, consecutive, intensifying, persistent, "
        "diminishing, sporadic, oscillating, historical). ArcGIS Pro requires at least ten time "
        "steps; with fewer, the map carries a warning and the patterns are weak evidence.",
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
    out.append(
        "Hot spot and emerging hot spot classes are computed from the published figures "
        "only ('fewer than k' and 'suppressed' read as fixed stand-ins), and shown as classes "
        "with no score: a z-score computed from exact counts would let anyone work out every "
        "hexagon's count from one published total."
    )
    return out


def _boundary(ctx: AppContext) -> str:
    from geo.areas.boundaries import boundary_note  # noqa: PLC0415 - geopandas loads on first use

    return boundary_note(ctx.store) or "No boundary files are loaded."


def _production(info: ExportInfo) -> list[str]:
    part = "Part 2, exempt" if info.audience == "restricted" else "Part 1, unrestricted"
    return [
        info.line(),
        f"Marked {info.marking} ({part}).",
        f"The view exported, as a dashboard link: {info.view or '(the default view)'}",
    ]
