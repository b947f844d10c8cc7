"""Hot spots and emerging hot spots for the public (Part 1) view, from published figures only.

Gi* of a hexagon is an affine function of the counts around it, so a z-score (or a p-value, or
any score finer than a class) computed from exact counts lets anyone who also knows one
published total solve for every hexagon's count, the withheld ones included (docs/security.md;
``tests/integration/test_public_statistics_attacks.py`` runs that solve). So the public
statistics never see an exact count the map does not show. Their input is the published map
itself, each drawn piece read as a number:

* a shown count (or 0) is itself;
* "fewer than k" is the midpoint of 1 to k-1 (:func:`fewer_than_standin`: 2.5 for k = 5);
* "suppressed" (k or more) is k (:func:`suppressed_standin`);
* "not shown separately" (a part of a withheld area total, drawn grey over the whole area):
  the withheld count's stand-in, spread evenly over the pieces of it the map draws.

A hexagon's value is the sum of its pieces' values. Everything here is a function of what the
public map already publishes, so nothing it prints can say more than the map does about any
count; the cost is that a class describes the published figures, not the exact ones (the
map's notes say so). The public output is the class alone: no z, no p, no score. The exact test
counts in halves (:data:`HALVES`), so that the stand-ins are whole numbers.

Emerging hot spots in public run on the published map of each period block (the current one
and the ones before it, as the public trend), not on months, which are never published.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from dashboard.state import ViewState
from dashboard.views.context import AppContext, data_coverage
from dashboard.views.counts import ViewCounts, view_counts
from dashboard.views.public import TREND_BLOCKS, block_of, publication, short_label
from geo.disclosure import MERGED, PRIMARY, STATUS_NAMES, Audience, DisclosurePolicy

# The exact test needs whole numbers, and the stand-ins are halves (2.5 for k = 5): the
# statistics run on half-incidents. A common scale changes no p-value (every neighbourhood sum
# scales with it), so the classes are those of the values themselves; a grey area's share,
# spread over its hexagons, rounds to the nearest half.
HALVES = 2
BLOCK_WORDS = {1: "months", 3: "quarters", 6: "half-years", 12: "years"}
# Fewer published periods than this give no emerging pattern at all (with one, every hot
# spot would read as "persistent").
MIN_STEPS = 2


def in_halves(values: np.ndarray) -> np.ndarray:
    """Published values in half-incidents, as whole numbers (see :data:`HALVES`)."""
    return np.rint(np.asarray(values, dtype=float) * HALVES)


def fewer_than_standin(k: int) -> float:
    """What "fewer than k" stands for in a public statistic: the midpoint of 1 to k-1."""
    return k / 2


def suppressed_standin(k: int) -> float:
    """What "suppressed" (k or more, withheld to protect another count) stands for: k."""
    return float(k)


@dataclass(frozen=True)
class PublicHotspots:
    """Public Gi* classes of every cell of the study region, from published figures."""

    res: int
    classes: dict[int, str]
    notes: tuple[str, ...]
    published: dict[int, float]  # each cell's published value (stand-ins included)
    warnings: tuple[str, ...] = ()

    def counts_by_class(self) -> dict[str, int]:
        from geo.stats import CLASS_LABELS  # noqa: PLC0415 - statistics load on first use

        found = list(self.classes.values())
        return {name: found.count(name) for name in CLASS_LABELS}


@dataclass(frozen=True)
class PublicEmerging:
    """Public emerging hot spot categories of every cell of the study region (none when too
    few blocks are published), from the published map of each block."""

    res: int
    categories: dict[int, str]
    steps: tuple[str, ...]  # the blocks used, oldest first ("Q3 2026/27")
    notes: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # too few time steps (read with care)

    def counts_by_category(self) -> dict[str, int]:
        from geo.stats import CATEGORIES  # noqa: PLC0415

        found = list(self.categories.values())
        return {name: found.count(name) for name in CATEGORIES}


def published_values(counts: ViewCounts, pieces: list[dict], k: int) -> dict[int, float]:
    """Each drawn hexagon's published value: its pieces' published counts, withheld ones
    replaced by the stand-ins above (a function of the published map alone)."""
    drawn = drawn_arrays(pieces)
    return _published(counts, drawn, drawn.status, drawn.value, k)


@dataclass(frozen=True)
class DrawnArrays:
    """The pieces a map draws, as arrays (a statistic reads them for several periods)."""

    cells: np.ndarray  # uint64, one a piece, in the map's order
    leaves: list[str | None]
    districts: list[str | None]
    by_leaf: dict[str | None, np.ndarray]  # each leaf's pieces (positions), in map order
    status: np.ndarray  # the map's own counts: STATUS_NAMES index
    value: np.ndarray  # and published value, -1 where withheld


def drawn_arrays(pieces: list[dict]) -> DrawnArrays:
    by_leaf: dict[str | None, list[int]] = {}
    for i, p in enumerate(pieces):
        by_leaf.setdefault(p["leaf"], []).append(i)
    return DrawnArrays(
        cells=np.array([p["cell"] for p in pieces], dtype=np.uint64),
        leaves=[p["leaf"] for p in pieces],
        districts=[p["district"] for p in pieces],
        by_leaf={leaf: np.array(at, dtype=np.int64) for leaf, at in by_leaf.items()},
        status=np.array([_CODES[p["count"].status] for p in pieces], dtype=np.int8),
        value=np.array(
            [-1 if p["count"].withheld else p["count"].value or 0 for p in pieces],
            dtype=np.int64,
        ),
    )


_CODES = {name: i for i, name in enumerate(STATUS_NAMES)}


def _published(
    counts: ViewCounts, drawn: DrawnArrays, status: np.ndarray, value: np.ndarray, k: int
) -> dict[int, float]:
    """:func:`published_values` of the drawn pieces with the given counts (arrays)."""
    withheld = value < 0
    values = np.where(withheld, 0, value).astype(float)
    values[withheld & (status == PRIMARY)] = fewer_than_standin(k)
    merged = withheld & (status == MERGED)
    values[withheld & (status != PRIMARY) & ~merged] = suppressed_standin(k)  # "suppressed"
    groups: dict[tuple, list[int]] = {}
    if merged.any():
        # One lookup per area, in the order the map draws the areas.
        for leaf, at in drawn.by_leaf.items():
            mine = at[merged[at]]
            if mine.size:
                container = _area_container(counts, leaf, drawn.districts[int(mine[0])])
                groups.setdefault(container, []).extend(mine.tolist())
    for group in groups.values():
        values[group] = fewer_than_standin(k) / len(group)
    # Summed a piece at a time in the map's order (the same float sums every time).
    out: dict[int, float] = {}
    for cell, v in zip(drawn.cells.tolist(), values.tolist(), strict=True):
        out[cell] = out.get(cell, 0.0) + v
    return out


def _area_container(counts: ViewCounts, leaf: str | None, district: str | None) -> tuple:
    for level, code in (("division", leaf), ("district", district), ("county", None)):
        if code is None and level != "county":
            continue
        try:
            if counts.area(level, code).status == "primary":
                return (level, code)
        except (KeyError, ValueError):
            continue
    return ("leaf", leaf)


def public_hotspots(ctx: AppContext, state: ViewState, res: int) -> PublicHotspots:
    """Gi* classes of the public view ``state`` (resolved and canonical) at ``res``."""
    counts = view_counts(ctx, state.filters(), Audience.PUBLIC, res)
    key = ("public-gi", counts.public.filters, state.level, state.area_code, res)
    return ctx.shared(key, lambda: _hotspots(ctx, state, res, counts))


def _hotspots(ctx: AppContext, state: ViewState, res: int, counts: ViewCounts) -> PublicHotspots:
    from geo.grid import study_region  # noqa: PLC0415 - statistics load on first use
    from geo.stats import gi_star_frame  # noqa: PLC0415

    k = DisclosurePolicy.from_settings(ctx.settings).k
    drawn = _drawn_arrays(ctx, state, res, counts)
    published = _published(counts, drawn, drawn.status, drawn.value, k)
    region = study_region(ctx.store, state.level, state.area_code, res)
    cells = np.fromiter(published, dtype=np.uint64, count=len(published))
    y = region.align(cells, np.fromiter(published.values(), dtype=float, count=len(published)))
    frame = gi_star_frame(in_halves(y), region)
    pairs = zip(frame["cell"].tolist(), frame["class"].tolist(), strict=True)
    classes = {int(c): str(k_) for c, k_ in pairs}
    return PublicHotspots(res, classes, region.notes + _notes(y, region, res), published)


def _notes(y: np.ndarray, region, res: int) -> tuple[str, ...]:
    """Caveats worded from the published figures only (no exact count, mean or number of
    hexagons holding incidents: with the map's hexagons those give withheld totals away)."""
    from geo.stats import SPARSE_NEIGHBOURHOOD  # noqa: PLC0415

    if region.n == 0:
        return ("the study region is empty: no boundary and no incidents in this area",)
    if not y.any():
        return ("no incidents are published for this area and period, so there is nothing "
                "to cluster",)  # fmt: skip
    if y.mean() * float(region.cardinality.mean()) < SPARSE_NEIGHBOURHOOD:
        # No advice to take coarser hexagons or a longer period: Part 1 has one hexagon
        # size and fixed periods, so the reader could do neither.
        return (
            "few published incidents for this many hexagons (resolution "
            f"{res}, over one published period): the classes can pick out only strong "
            "clusters here",
        )
    return ()


def public_emerging(ctx: AppContext, state: ViewState, res: int) -> PublicEmerging:
    """Emerging hot spot categories of ``state``'s area from the published map of each
    period block up to the one shown (at most :data:`TREND_BLOCKS`, published ones only)."""
    counts = view_counts(ctx, state.filters(), Audience.PUBLIC, res)
    key = ("public-emerging", counts.public.filters, state.level, state.area_code, res)
    return ctx.shared(key, lambda: _emerging(ctx, state, res))


def _emerging(ctx: AppContext, state: ViewState, res: int) -> PublicEmerging:
    from geo.grid import study_region  # noqa: PLC0415
    from geo.stats import emerging_from_cube, few_months_warning, thin_cube_warning  # noqa: PLC0415

    pub = publication(ctx)
    block = block_of(ctx, state)
    blocks = [block] if block in pub.blocks else []
    while blocks and len(blocks) < TREND_BLOCKS and blocks[0].previous() in pub.blocks:
        blocks.insert(0, blocks[0].previous())
    region = study_region(ctx.store, state.level, state.area_code, res)
    k = DisclosurePolicy.from_settings(ctx.settings).k
    cube = np.zeros((region.n, len(blocks)))
    now = view_counts(ctx, state.filters(), Audience.PUBLIC, res)
    drawn = _drawn_arrays(ctx, state, res, now)
    for t, b in enumerate(blocks):
        at = replace(state, month_from=b.first, month_to=b.last)
        counts = view_counts(ctx, at.filters(), Audience.PUBLIC, res)
        published = _published(counts, drawn, *_codes_in(counts, drawn), k)
        cells = np.fromiter(published, dtype=np.uint64, count=len(published))
        cube[:, t] = region.align(cells, np.fromiter(published.values(), float, len(published)))
    words = BLOCK_WORDS[pub.policy.period_months]
    steps = tuple(short_label(b) for b in blocks)
    notes, warnings = region.notes, ()
    if len(blocks) < MIN_STEPS:
        notes += (
            f"only {len(blocks)} {words[:-1] if len(blocks) == 1 else words} published up to "
            "this one: no trend to analyse, so no pattern is shown",
        )
    else:
        span = replace(state, month_from=blocks[0].first, month_to=blocks[-1].last).filters()
        coverage = data_coverage(ctx, Audience.PUBLIC)
        thin = coverage.thin_in([coverage.period(span, ctx.themes)])
        warnings = few_months_warning(len(blocks), f"{words} published") + thin_cube_warning(thin)
    if len(blocks) < MIN_STEPS or region.n == 0:
        # One period has no trend: every hot spot would be called "persistent".
        return PublicEmerging(res, {}, steps, notes, warnings)
    frame, _ = emerging_from_cube(in_halves(cube), region)
    pairs = zip(frame["cell"].tolist(), frame["category"].tolist(), strict=True)
    categories = {int(c): str(k_) for c, k_ in pairs}
    return PublicEmerging(res, categories, steps, notes, warnings)


def _codes_in(counts: ViewCounts, drawn: DrawnArrays) -> tuple[np.ndarray, np.ndarray]:
    """The drawn pieces' status and published value under another block's counts (one
    lookup per area). The pieces are those this block's map draws: a hexagon drawn only in
    another block (one holding incidents a hair over an edge) is left out of every step
    alike."""
    status = np.empty(drawn.cells.size, dtype=np.int8)
    value = np.empty(drawn.cells.size, dtype=np.int64)
    for leaf, at in drawn.by_leaf.items():
        status[at], value[at] = counts.piece_codes(leaf, drawn.cells[at])
    return status, value


def _drawn(ctx: AppContext, state: ViewState, res: int, counts: ViewCounts) -> list[dict]:
    """The pieces the public map of ``state`` draws (the map's own function and cache entry,
    so the statistic reads exactly what the map publishes, computed once for both)."""
    from dashboard.views.map_view import drawn_pieces  # noqa: PLC0415 - map_view imports measures

    return drawn_pieces(ctx, state, res, counts)


def _drawn_arrays(ctx: AppContext, state: ViewState, res: int, counts: ViewCounts) -> DrawnArrays:
    key = ("public-drawn-arrays", counts.public.filters, state.level, state.area_code, res,
           state.themes == () and not state.categories)  # fmt: skip
    return ctx.cached(key, lambda: drawn_arrays(_drawn(ctx, state, res, counts)))
