"""The four measures a map can show, as a class, a value and a hover line per piece.

* count: the published count of the piece, in whole-number classes;
* hotspots: the cell's Getis-Ord Gi* class (false-discovery-rate adjusted);
* change: the piece's count against the previous period of the same length (public: the
  previous block), with an exact test of whether the change is more than chance;
* emerging: the cell's emerging hot spot category (ArcGIS Pro's definitions).

Public (Part 1) figures come only from the suppressed counts: a change is shown only where
both periods' counts are published.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from dashboard.figures import palette
from dashboard.state import ViewState
from dashboard.views.context import AppContext, options
from dashboard.views.counts import ViewCounts, view_counts
from dashboard.views.navigation import previous_period_loaded
from dashboard.views.public import period_label
from geo.disclosure import Audience
from geo.filters import Filters

PERMUTATIONS = 999
SEED = 0


@dataclass
class Classified:
    title: str
    legend_title: str
    legend: list[palette.LegendClass]
    by_piece: dict[str, tuple[str, float | None, str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


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
    from geo.gistar import CLASS_LABELS  # noqa: PLC0415 - statistics load on first use

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
            zip(frame["class"], frame["gi_z"], frame["gi_q"], frame["gi_p_sim"], strict=True),
            strict=True,
        )
    )
    for p in pieces:
        klass, z, q, p_sim = by_cell.get(p["cell"], ("not_significant", np.nan, np.nan, np.nan))
        z = float(z) if np.isfinite(z) else None
        # The permutation p-value is the check that does not lean on the normal
        # approximation, which sparse counts strain: a reader sees both.
        stats = (
            f"Gi* z = {z:.2f}, adjusted p {p_text(q)}<br>permutation p (one-sided) {p_text(p_sim)}"
            if z is not None
            else "Gi* z: n/a"
        )
        detail = f"Incidents: {p['count'].text}<br>{CLASS_LABELS[klass]}<br>{stats}"
        out.by_piece[piece_key(p)] = (klass, z, CLASS_LABELS[klass], detail)
    out.notes.append(
        f"Hot spots: Getis-Ord Gi* on resolution-{res} hexagons, neighbours one step away, "
        f"classes from Benjamini-Hochberg adjusted p-values; {PERMUTATIONS} permutations "
        f"(seed {SEED}) give each hexagon a permutation p-value (on its card in the dashboard)."
    )
    out.notes.extend(result.notes)
    return out


def _change(ctx, state, audience, res, counts, pieces) -> Classified:
    from geo.change import change_table  # noqa: PLC0415

    out = Classified(
        "change on the previous period",
        "Change on the previous period",
        [*palette.CHANGE_CLASSES, _withheld(counts.k)],
    )
    before = state.filters().previous_period()
    then = _period_words(ctx, state, before, audience)
    if not previous_period_loaded(state, options(ctx)):
        out.notes.append(
            f"Change: no data is loaded for {then}, the period before this one; choose a "
            "later period."
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
    previous = view_counts(ctx, before, audience, res)
    now_c = [p["count"] for p in pieces]
    then_c = _same_pieces(previous, pieces)
    ok = [not (a.withheld or b.withheld) for a, b in zip(now_c, then_c, strict=True)]
    a = np.array([c.value if o else 0 for c, o in zip(now_c, ok, strict=True)], dtype=np.int64)
    b = np.array([c.value if o else 0 for c, o in zip(then_c, ok, strict=True)], dtype=np.int64)
    table = change_table(a, b)
    pct = table["pct_change"].to_numpy(dtype=float)
    sig = table["significant"].to_numpy(dtype=bool)
    labels, pvalues = table["label"].tolist(), table["p"].to_numpy(dtype=float)
    for i, p in enumerate(pieces):
        if not ok[i]:
            detail = f"This period: {now_c[i].text}; previous: {then_c[i].text}"
            out.by_piece[piece_key(p)] = ("withheld", None, "withheld", detail)
            continue
        klass = _change_class(int(a[i]), int(b[i]), bool(sig[i]))
        detail = (
            f"This period: {a[i]}; previous: {b[i]}"
            f"<br>{labels[i]} (exact test, p {p_text(pvalues[i])})"
        )
        value = float(pct[i]) if np.isfinite(pct[i]) else None
        out.by_piece[piece_key(p)] = (klass, value, labels[i], detail)
    out.notes.append(
        f"Change: {then} against this period; significance by an exact conditional "
        "binomial test with Benjamini-Hochberg adjustment across the hexagons shown."
    )
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
    return f"{before.month_from:%b %Y} to {before.month_to:%b %Y}"


def _change_class(current: int, previous: int, significant: bool) -> str:
    if current == previous:
        return "same"
    up = current > previous
    if significant:
        return "up_sig" if up else "down_sig"
    return "up" if up else "down"


def _emerging(ctx, state, audience, res, counts, pieces) -> Classified:
    from geo.emerging import CATEGORY_LABELS  # noqa: PLC0415

    out = Classified(
        "emerging hot spots", "Emerging hot spot pattern", list(palette.EMERGING_CLASSES)
    )
    filters = stats_filters(ctx, state, audience)
    if filters is None:
        return _nothing_public(out, pieces, "no_pattern")
    result = emerging_result(ctx, filters, res)
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
        f"Emerging hot spots: Gi* for each of {len(result.months)} months, Mann-Kendall trend "
        "and ArcGIS Pro's Emerging Hot Spot Analysis categories."
    )
    out.notes.extend(result.notes)
    return out


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
    from geo.hotspots import find_hotspots  # noqa: PLC0415 - statistics load on first use

    return ctx.shared(
        ("gi", filters, res),
        lambda: find_hotspots(
            ctx.store, filters, res, ctx.themes, permutations=PERMUTATIONS, seed=SEED
        ),
    )


def emerging_result(ctx: AppContext, filters: Filters, res: int):
    """Emerging hot spot categories for the filters' area and period (cached)."""
    from geo.emerging import emerging_hotspots  # noqa: PLC0415

    return ctx.shared(
        ("emerging", filters, res), lambda: emerging_hotspots(ctx.store, filters, res, ctx.themes)
    )
