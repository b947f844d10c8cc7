"""The four measures a map can show, as a class, a value and a hover line per piece.

* count: the published count of the piece, in whole-number classes;
* hotspots: the cell's Getis-Ord Gi* class (exact randomisation test, false discovery rate
  across the map); public classes come from the published figures only, with no score (see
  ``public_stats``);
* change: the piece's count against the previous period of the same length (public: the
  previous block), with an exact test of whether the change is more than chance;
* emerging: the cell's emerging hot spot category (ArcGIS Pro's definitions).

Public (Part 1) figures come only from the suppressed counts: a change is shown only where
both periods' counts are published, and hot spot and emerging classes are computed from the
published map (:mod:`dashboard.views.public_stats`), never from exact counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from dashboard.figures import palette
from dashboard.state import ViewState
from dashboard.views import public_stats
from dashboard.views.context import AppContext
from dashboard.views.counts import ViewCounts, view_counts
from dashboard.views.loaded import comparable, previous_coverage, view_coverage, view_thin
from dashboard.views.public import period_label
from geo.disclosure import Audience
from geo.filters import Filters
from geo.store import untested_reason

# An emerging analysis needs two periods at least: with one there is no trend to analyse.
MIN_TREND_STEPS = public_stats.MIN_STEPS


@dataclass
class Classified:
    title: str
    legend_title: str
    legend: list[palette.LegendClass]
    by_piece: dict[str, tuple[str, float | None, str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # drawn as "read with care"


def classify(
    ctx: AppContext,
    state: ViewState,
    audience: Audience,
    res: int,
    counts: ViewCounts,
    pieces: list[dict],
) -> Classified:
    if state.measure == "hotspots":
        return _hotspots(ctx, state, audience, res, counts, pieces)
    if state.measure == "change":
        return _change(ctx, state, audience, res, counts, pieces)
    if state.measure == "emerging":
        return _emerging(ctx, state, audience, res, counts, pieces)
    return _counts(counts, pieces)


def p_text(p: float) -> str:
    """A p-value as printed: "= 0.042", or "< 0.001" (never "= 0.000")."""
    if not np.isfinite(p):
        return "= n/a"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def piece_key(piece: dict) -> str:
    return f"{piece['hex']}|{piece['leaf'] or ''}"


def _withheld(k: int) -> palette.LegendClass:
    return palette.LegendClass(
        "withheld",
        f"Fewer than {k} in all, or withheld (shaded over the whole area it covers)",
        palette.WITHHELD,
    )


def withheld_note(k: int) -> str:
    return (
        f"Grey: a count from 1 to {k - 1} (or withheld) is shaded over the whole area it "
        "belongs to, a division or a district, since its parts are not published; "
        "most of a grey area may hold no incident at all."
    )


def _counts(counts: ViewCounts, pieces: list[dict]) -> Classified:
    shown = np.array([p["count"].value or 0 for p in pieces], dtype=float)
    legend, index = palette.count_classes(shown)
    out = Classified("incidents", "Incidents per hexagon", [*legend, _withheld(counts.k)])
    for p, i in zip(pieces, index, strict=True):
        c = p["count"]
        klass = "withheld" if c.withheld else legend[i].key
        out.by_piece[piece_key(p)] = (klass, c.value, c.text, f"Incidents: {_said(c, counts.k)}")
    if any(p["count"].withheld for p in pieces):
        out.notes.append(withheld_note(counts.k))
    return out


def _said(count, k: int) -> str:
    """A piece's count for its hover card; a merged piece says what the grey stands for."""
    if count.status == "merged":
        return f"part of a larger area with fewer than {k} in all (see the legend)"
    return count.text


def stats_filters(ctx: AppContext, state: ViewState, audience: Audience) -> Filters | None:
    """The filters statistics run on: the public ones leave restricted categories out."""
    filters = state.filters()
    if audience is Audience.RESTRICTED:
        return filters
    counts = view_counts(ctx, filters, audience, 8)
    public = counts.split.public if counts.split is not None else filters
    if public is None:
        return None
    return replace(public, district=filters.district, division=filters.division)


def _hotspots(ctx, state, audience, res, counts, pieces) -> Classified:
    if audience is Audience.PUBLIC:
        return _public_hotspots(ctx, state, audience, res, counts, pieces)
    return _exact_hotspots(ctx, state, audience, res, counts, pieces)


def _public_hotspots(ctx, state, audience, res, counts, pieces) -> Classified:
    """Part 1: classes only, computed from the published map (see ``public_stats``): a
    z-score or p-value from exact counts would let anyone solve for the withheld counts."""
    from geo.stats import CLASS_LABELS, CLASS_NOTE  # noqa: PLC0415 - loads on first use

    out = Classified(
        "hot spots (Getis-Ord Gi*)", "Gi* hot and cold spots", list(palette.HOTSPOT_CLASSES)
    )
    if counts.split is not None and counts.split.public is None:
        return _nothing_public(out, pieces, "not_significant")
    result = public_stats.public_hotspots(ctx, state, res)
    for p in pieces:
        klass = result.classes.get(p["cell"], "not_significant")
        detail = f"Incidents: {_said(p['count'], counts.k)}<br>{CLASS_LABELS[klass]}"
        out.by_piece[piece_key(p)] = (klass, None, CLASS_LABELS[klass], detail)
    out.notes.append(public_hotspot_note(res, counts.k))
    out.notes.append(CLASS_NOTE)
    _result_notes(out, result, result.notes)
    return out


def public_hotspot_note(res: int, k: int) -> str:
    """What a public hot spot class means, for the map and the public exports."""
    standin = public_stats.fewer_than_standin(k)
    return (
        f"Hot spots: Getis-Ord Gi* on resolution-{res} hexagons, neighbours one step away, "
        "classes from the exact randomisation test with the false discovery rate held across "
        "the map (Benjamini-Hochberg), computed from the published "
        f"figures on this map only: 'fewer than {k}' is taken as {standin:g}, 'suppressed' as "
        f"{public_stats.suppressed_standin(k):g}, and a grey area's 'fewer than {k}' is spread "
        "evenly over its hexagons. A class says where the published figures cluster; it "
        "cannot be read back into counts, and no score is published with it."
    )


def _exact_hotspots(ctx, state, audience, res, counts, pieces) -> Classified:
    """Part 2: Gi* on exact counts, with z and p-values on each hexagon's card."""
    from geo.stats import CLASS_LABELS, CLASS_NOTE  # noqa: PLC0415 - loads on first use

    out = Classified(
        "hot spots (Getis-Ord Gi*)", "Gi* hot and cold spots", list(palette.HOTSPOT_CLASSES)
    )
    filters = stats_filters(ctx, state, audience)
    if filters is None:
        return _nothing_public(out, pieces, "not_significant")
    result = hotspot_result(ctx, filters, res)
    frame = result.cells
    by_cell = dict(
        zip(
            frame["cell"].astype(np.uint64).tolist(),
            zip(frame["class"], frame["gi_z"], frame["gi_p"], frame["gi_q"], strict=True),
            strict=True,
        )
    )
    for p in pieces:
        klass, z, p_exact, q = by_cell.get(p["cell"], ("not_significant", np.nan, np.nan, np.nan))
        z = float(z) if np.isfinite(z) else None
        # z is a descriptive score; the class comes from the exact p, adjusted across the map.
        stats = (
            f"Gi* z = {z:.2f}<br>exact p {p_text(p_exact)}, adjusted across the map {p_text(q)}"
            if z is not None
            else "Gi* z: n/a"
        )
        detail = f"Incidents: {p['count'].text}<br>{CLASS_LABELS[klass]}<br>{stats}"
        out.by_piece[piece_key(p)] = (klass, z, CLASS_LABELS[klass], detail)
    out.notes.append(
        f"Hot spots: Getis-Ord Gi* on resolution-{res} hexagons, neighbours one step away, "
        "over every hexagon of the area's boundary. " + CLASS_NOTE
    )
    # Part 1 sees no note quoting an exact count (the busiest hexagon's, say).
    _result_notes(out, result, result.notes if audience is Audience.RESTRICTED else None)
    return out


def _change(ctx, state, audience, res, counts, pieces) -> Classified:
    from geo.stats import change_table  # noqa: PLC0415

    thin = view_thin(ctx, state, audience, compared=True)
    untested = untested_reason(thin)
    classes = palette.UNTESTED_CHANGE_CLASSES if untested else palette.CHANGE_CLASSES
    out = Classified(
        "change on the previous period",
        "Change on the previous period",
        [*classes, _withheld(counts.k)],
    )
    before = state.filters().previous_period()
    then = _period_words(ctx, state, before, audience)
    now_cov = view_coverage(ctx, state, audience)
    then_cov = previous_coverage(ctx, state, audience)
    if not comparable(now_cov, then_cov):
        out.notes.append(
            f"Change: no data is loaded for {then}, the period before this one, so there is "
            "nothing to compare with; choose a later period."
        )
        for p in pieces:
            out.by_piece[piece_key(p)] = (
                "no_data",
                None,
                "no earlier data",
                f"Incidents: {p['count'].text}<br>No earlier data",
            )
        out.legend.append(
            palette.LegendClass("no_data", "No earlier data to compare", palette.NO_DATA)
        )
        return out
    days = (now_cov.days, then_cov.days)
    per_day = days[0] != days[1]
    if per_day:
        out.title = "change per day on the previous period"
        out.legend_title = "Change per day on the previous period"
    previous = view_counts(ctx, before, audience, res)
    now_c = [p["count"] for p in pieces]
    then_c = _same_pieces(previous, pieces)
    ok = [not (a.withheld or b.withheld) for a, b in zip(now_c, then_c, strict=True)]
    a = np.array([c.value if o else 0 for c, o in zip(now_c, ok, strict=True)], dtype=np.int64)
    b = np.array([c.value if o else 0 for c, o in zip(then_c, ok, strict=True)], dtype=np.int64)
    table = change_table(a, b, days=days, untested=untested)
    pct = table["pct_change"].to_numpy(dtype=float)
    sig = table["significant"].to_numpy(dtype=bool)
    ratio = table["rate_ratio"].to_numpy(dtype=float)
    labels, pvalues = table["label"].tolist(), table["p"].to_numpy(dtype=float)
    low, high = table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float)
    for i, p in enumerate(pieces):
        if not ok[i]:
            detail = f"This period: {now_c[i].text}; previous: {then_c[i].text}"
            out.by_piece[piece_key(p)] = ("withheld", None, "withheld", detail)
            continue
        klass = change_class(
            float(ratio[i]), int(a[i]) + int(b[i]), bool(sig[i]), tested=not untested
        )
        test = "" if untested else f" (exact test, p {p_text(pvalues[i])})"
        detail = (
            f"This period: {a[i]} in {days[0]} days; previous: {b[i]} in {days[1]} days"
            f"<br>{labels[i]}{test}" + _ratio_text(ratio[i], low[i], high[i])
        )
        value = float(pct[i]) if np.isfinite(pct[i]) else None
        out.by_piece[piece_key(p)] = (klass, value, labels[i], detail)
    basis = (
        f"as rates per day ({days[0]} days with data against {days[1]})"
        if per_day
        else f"over {days[0]} days each"
    )
    if untested:
        months = sorted({t.month for t in thin})
        words = " and ".join(f"{m:%B %Y}" for m in months)
        out.notes.append(
            f"Change: this period against {then}, {basis}. Not tested for significance: "
            f"{words} {'is a thin month' if len(months) == 1 else 'are thin months'} (see "
            "the note on thin months), so only the direction of each change is shown."
        )
    else:
        out.notes.append(
            f"Change: this period against {then}, {basis}; significance by an exact "
            "conditional binomial test (its p0 set by the two periods' days) with "
            "Benjamini-Hochberg adjustment across the hexagons shown."
        )
    out.notes += [
        f"Change: {name} is partial, so it is compared per day over its {cov.days} days with "
        f"data: {cov.gaps()}."
        for cov, name in ((now_cov, "this period"), (then_cov, then))
        if cov.partial
    ]
    return out


def _same_pieces(counts: ViewCounts, pieces: list[dict]) -> list:
    """The counts of the map's pieces under other counts, looked up a leaf at a time."""
    by_leaf: dict[str | None, list[int]] = {}
    for i, p in enumerate(pieces):
        by_leaf.setdefault(p["leaf"], []).append(i)
    out: list = [None] * len(pieces)
    for leaf, at in by_leaf.items():
        found = counts.pieces(leaf, [pieces[i]["cell"] for i in at])
        for i, c in zip(at, found, strict=True):
            out[i] = c
    return out


def _period_words(ctx, state: ViewState, before: Filters, audience: Audience) -> str:
    """The previous period as the page names periods (public: the previous block's label)."""
    earlier = replace(state, month_from=before.month_from, month_to=before.month_to)
    if audience is Audience.PUBLIC:
        return period_label(ctx, earlier, audience)
    if before.month_from == before.month_to:
        return f"{before.month_from:%B %Y}"
    return f"{before.month_from:%b %Y} to {before.month_to:%b %Y}"


def _ratio_text(ratio: float, low: float, high: float) -> str:
    """The rate ratio per day with its exact 95% interval, where it is finite."""
    if not (np.isfinite(ratio) and np.isfinite(low) and np.isfinite(high)):
        return ""
    return f"<br>Rate per day x{ratio:.2f} (95% CI {low:.2f} to {high:.2f})"


def change_class(ratio: float, incidents: int, significant: bool, *, tested: bool = True) -> str:
    """The legend class of a change, from the rate ratio per day (1: the same rate);
    ``tested`` False (across a thin month): only its direction."""
    if incidents == 0 or abs(ratio - 1) < 1e-12:  # no incident in either period, or equal rates
        return "same"
    up = ratio > 1
    if not tested:
        return "up_untested" if up else "down_untested"
    if significant:
        return "up_sig" if up else "down_sig"
    return "up" if up else "down"


def _emerging(ctx, state, audience, res, counts, pieces) -> Classified:
    if audience is Audience.PUBLIC:
        return _public_emerging(ctx, state, audience, res, counts, pieces)
    return _exact_emerging(ctx, state, audience, res, counts, pieces)


def _public_emerging(ctx, state, audience, res, counts, pieces) -> Classified:
    """Part 1: categories only, from the published map of each period block (months are
    never published, so they cannot be the time steps)."""
    from geo.stats import CATEGORY_LABELS  # noqa: PLC0415

    out = Classified(
        "emerging hot spots", "Emerging hot spot pattern", list(palette.EMERGING_CLASSES)
    )
    if counts.split is not None and counts.split.public is None:
        return _nothing_public(out, pieces, "no_pattern")
    result = public_stats.public_emerging(ctx, state, res)
    if len(result.steps) < MIN_TREND_STEPS:
        _result_notes(out, result, result.notes + result.warnings)
        return _not_analysed(out, pieces, counts.k)
    for p in pieces:
        klass = result.categories.get(p["cell"], "no_pattern")
        detail = f"Incidents: {_said(p['count'], counts.k)}<br>{CATEGORY_LABELS[klass]}"
        out.by_piece[piece_key(p)] = (klass, None, CATEGORY_LABELS[klass], detail)
    span = f" ({result.steps[0]} to {result.steps[-1]})" if len(result.steps) > 1 else ""
    out.notes.append(
        f"Emerging hot spots: Gi* on the published figures of each of {len(result.steps)} "
        f"period blocks{span}, read as the hot spot map reads them, then the Mann-Kendall "
        "trend and ArcGIS Pro's Emerging Hot Spot Analysis categories."
    )
    _result_notes(out, result, result.notes + result.warnings)
    return out


def _exact_emerging(ctx, state, audience, res, counts, pieces) -> Classified:
    from geo.stats import CATEGORY_LABELS  # noqa: PLC0415

    out = Classified(
        "emerging hot spots", "Emerging hot spot pattern", list(palette.EMERGING_CLASSES)
    )
    filters = stats_filters(ctx, state, audience)
    if filters is None:
        return _nothing_public(out, pieces, "no_pattern")
    result = emerging_result(ctx, filters, res)
    if len(result.months) < MIN_TREND_STEPS:
        _result_notes(out, result)
        return _not_analysed(out, pieces, counts.k)
    by_cell = {int(r.cell): r for r in result.cells.itertuples(index=False)}
    for p in pieces:
        row = by_cell.get(p["cell"])
        klass = row.category if row is not None else "no_pattern"
        trend = (
            f"<br>Trend in Gi* z: Mann-Kendall z = {row.trend_z:.2f}"
            if row is not None and np.isfinite(row.trend_z)
            else ""
        )
        detail = f"Incidents: {p['count'].text}<br>{CATEGORY_LABELS[klass]}{trend}"
        out.by_piece[piece_key(p)] = (klass, None, CATEGORY_LABELS[klass], detail)
    out.notes.append(
        f"Emerging hot spots: Gi* for each of {len(result.months)} months, each hexagon's "
        f"neighbourhood taking in {_steps(result.steps_back)}; a month is hot or cold by the "
        f"exact randomisation test with a false discovery rate of {result.alpha:.0%} across "
        "every hexagon and month; Mann-Kendall trend and ArcGIS Pro's Emerging Hot Spot "
        "Analysis categories."
    )
    _result_notes(out, result)
    return out


NOT_ANALYSED = "Not analysed: too few periods for a trend"


def _not_analysed(out: Classified, pieces: list[dict], k: int) -> Classified:
    """Every piece "not analysed": with one period there is no trend, and "no pattern
    detected" on every hexagon would read as an analysis that found nothing."""
    out.legend = [palette.LegendClass("not_analysed", NOT_ANALYSED, palette.NO_DATA)]
    for p in pieces:
        detail = f"Incidents: {_said(p['count'], k)}<br>{NOT_ANALYSED}"
        out.by_piece[piece_key(p)] = ("not_analysed", None, NOT_ANALYSED, detail)
    return out


def _result_notes(out: Classified, result, notes=None) -> None:
    """A statistic's notes as sentences; its warnings among the notes read with care.
    Without ``notes``, those a Part 1 reader may see (``public_notes``) where there are such."""
    if notes is None:
        notes = getattr(result, "public_notes", result.notes)
    for note in notes:
        text = note[0].upper() + note[1:] + ("" if note.endswith(".") else ".")
        (out.warnings if note in result.warnings else out.notes).append(text)


def _steps(steps_back: int) -> str:
    if steps_back == 0:
        return "its own month only"
    return "the month before" if steps_back == 1 else f"the {steps_back} months before"


def _nothing_public(out: Classified, pieces: list[dict], klass: str) -> Classified:
    """Only restricted categories chosen: the public map shows no statistic (every piece
    is still drawn, so the map and its empty message agree)."""
    for p in pieces:
        out.by_piece[piece_key(p)] = (
            klass,
            None,
            "not shown",
            "Restricted categories: district totals only",
        )
    return out


def hotspot_result(ctx: AppContext, filters: Filters, res: int):
    """Gi* for the filters' area at ``res`` (cached per data version)."""
    from geo.stats import find_hotspots  # noqa: PLC0415 - statistics load on first use

    return ctx.shared(
        ("gi", filters, res),
        lambda: find_hotspots(ctx.store, filters, res, ctx.themes),
    )


def emerging_result(ctx: AppContext, filters: Filters, res: int):
    """Emerging hot spot categories for the filters' area and period (cached)."""
    from geo.stats import emerging_hotspots  # noqa: PLC0415

    return ctx.shared(
        ("emerging", filters, res), lambda: emerging_hotspots(ctx.store, filters, res, ctx.themes)
    )
