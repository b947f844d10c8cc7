"""The deprivation overlay: each LSOA's IMD 2019 decile drawn over the hexagons.

The English Indices of Deprivation are published open data, so both audiences get the
same overlay, and it carries no incident figure at all: only the deciles, the LSOAs'
shapes and the source (a count beside a decile could be one the view withholds). The
LSOAs of one decile are drawn as one region (a line between two neighbourhoods of the same
decile says nothing), outlined in the decile's colour and width: a dark, wide line for
the most deprived, a pale, thin one for the least, so the hexagons' colours stay readable
inside and the deciles are told apart by more than colour. Read only through the product's
context tables (``socmap context load``).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.views.context import AppContext

# Viridis (perceptually even and readable with the common colour-vision deficiencies), dark
# for the most deprived; a hue family no hexagon scale uses for its fills.
DECILE_COLOURS = (
    "#440154", "#482878", "#3e4989", "#31688e", "#26828e",
    "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#e2d51a",
)  # fmt: skip
DECILE_WIDTHS = (3.0, 2.6, 2.2, 1.9, 1.6, 1.3, 1.1, 0.9, 0.7, 0.6)
TITLE = "Deprivation: IMD 2019 decile of each neighbourhood (LSOA)"
SOURCE = "IMD deciles by 2011 LSOA, English Indices of Deprivation 2019 (MHCLG)"
# Simplification of the outlines: a 3,000th of the map's width (about 40 m over the county,
# 10 m over a district), finer than a line's width at the zoom the map opens at, and it
# keeps a county map's overlay small.
_TOLERANCE_SHARE = 1 / 3000


@dataclass(frozen=True)
class DecileBand:
    decile: int
    label: str  # "1 = most deprived 10% of neighbourhoods in England"
    colour: str
    width: float
    lsoas: tuple[str, ...]  # the LSOA codes of this decile drawn
    lines: tuple[tuple[tuple[float, float], ...], ...]  # the region's outline, (lon, lat)
    region: object  # the decile's LSOAs as one shapely geometry (WGS84, simplified)


@dataclass(frozen=True)
class DeprivationLayer:
    """The overlay for a map, or why there is none (``reason``; ``bands`` empty)."""

    title: str
    source: str  # the source, vintage and geography
    bands: tuple[DecileBand, ...] = ()
    reason: str = ""
    credit: str = ""  # the deprivation data's licence words
    shapes_credit: str = ""  # the LSOA shapes' (OS and ONS), often printed already


def decile_label(decile: int) -> str:
    if decile == 1:
        return "1 = most deprived 10% of neighbourhoods in England"
    if decile == 10:
        return "10 = least deprived 10% of neighbourhoods in England"
    lo, hi = (decile - 1) * 10, decile * 10
    return f"{decile} = {lo}-{hi}% most deprived"


def deprivation_layer(
    ctx: AppContext, bounds: tuple[float, float, float, float], district: str | None = None
) -> DeprivationLayer:
    """The deciles of every loaded LSOA meeting the map's box (``bounds``: WGS84), of
    ``district`` only when one is given (a neighbour's outlines would crowd the map)."""
    return ctx.cached(("imd-layer", bounds, district), lambda: _build(ctx, bounds, district))


def _build(
    ctx: AppContext, bounds: tuple[float, float, float, float], district: str | None
) -> DeprivationLayer:
    import shapely  # noqa: PLC0415 - only when the overlay is asked for

    from geo.context import attribution, context_sets, imd_deciles  # noqa: PLC0415
    from geo.store.queries.context import lsoa_shapes  # noqa: PLC0415

    deciles = imd_deciles(ctx.store)
    shapes = lsoa_shapes(ctx.store).to_pydict()
    if not deciles or not shapes["lsoa_code"]:
        return DeprivationLayer(
            TITLE,
            "",
            reason="Deprivation overlay: no LSOAs or deprivation loaded "
            "(load them with `socmap context load`).",
        )
    box = shapely.box(*bounds)
    tolerance = (bounds[2] - bounds[0]) * _TOLERANCE_SHARE
    by_decile: dict[int, list] = {}
    for code, lad, wkb in zip(
        shapes["lsoa_code"], shapes["district_code"], shapes["geometry"], strict=True
    ):
        if code not in deciles or (district and lad != district):
            continue
        geom = shapely.from_wkb(wkb)
        if geom.intersects(box):
            by_decile.setdefault(deciles[code], []).append((code, geom))
    bands = []
    for d in sorted(by_decile):
        codes = tuple(sorted(c for c, _ in by_decile[d]))
        region = shapely.simplify(shapely.union_all([g for _, g in by_decile[d]]), tolerance)
        bands.append(
            DecileBand(
                d,
                decile_label(d),
                DECILE_COLOURS[d - 1],
                DECILE_WIDTHS[d - 1],
                codes,
                _rings(region),
                region,
            )
        )
    vintage = next((s.vintage for s in context_sets(ctx.store) if s.kind == "deprivation"), "")
    source = f"{SOURCE}" + (f"; {vintage}" if vintage else "") + "."
    credit = attribution(ctx.store, ("deprivation",))
    return DeprivationLayer(
        TITLE, source, tuple(bands), credit=credit, shapes_credit=attribution(ctx.store, ("lsoas",))
    )


def _rings(geom) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Every ring of a polygon or multipolygon, as (lon, lat) lines rounded to ~1 m."""
    import shapely  # noqa: PLC0415

    polygons = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return tuple(
        tuple((round(x, 5), round(y, 5)) for x, y in ring.coords)
        for poly in polygons
        for ring in (poly.exterior, *poly.interiors)
    )
