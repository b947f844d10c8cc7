"""Checks on a set's shapes: repair what is invalid, refuse overlaps, settle slight ones.

Areas at one level must not overlap: an incident in an overlap would belong to two districts
and be counted twice, or arbitrarily once. Files built by simplifying shapes one by one
(such as the approximate Output-Area sets) can overlap by a sliver along a shared edge; that
is tolerated up to :data:`OVERLAP_LIMIT` of the smaller area, with a warning, and settled in
favour of the lower code, the same rule placement uses for a point on a shared edge.
"""

from __future__ import annotations

import numpy as np
import shapely

from geo.errors import InputError, ValidationError

OVERLAP_LIMIT = 0.005  # share of the smaller area beyond which an overlap is an error
_SHOWN = 5


def repair_geometries(
    geometries: np.ndarray, codes: list[str], file: str
) -> tuple[np.ndarray, list[str]]:
    """2D polygonal shapes; invalid ones repaired with a warning; anything else refused."""
    geoms = shapely.force_2d(np.asarray(geometries, dtype=object))
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        shown = ", ".join(codes[i] for i in np.flatnonzero(missing)[:_SHOWN])
        raise InputError(file, f"{int(missing.sum())} areas have no geometry: {shown}")
    warnings = []
    for i in np.flatnonzero(~shapely.is_valid(geoms)):
        reason = shapely.is_valid_reason(geoms[i])
        geoms[i] = polygonal(shapely.make_valid(geoms[i], method="structure"))
        if geoms[i] is None:
            raise InputError(file, f"area {codes[i]}: invalid geometry ({reason}) with no area")
        warnings.append(f"{file}: area {codes[i]}: invalid geometry ({reason}); repaired")
    kinds = shapely.get_type_id(geoms)
    bad = ~np.isin(kinds, [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            file,
            f"area {codes[i]} is a {geoms[i].geom_type}, "
            f"not a polygon; {int(bad.sum())} areas are not polygons",
        )
    return geoms, _summarised(warnings)


def polygonal(geometry: shapely.Geometry) -> shapely.Geometry | None:
    parts = [
        p for p in shapely.get_parts(geometry) if isinstance(p, shapely.Polygon) and p.area > 0
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _summarised(warnings: list[str]) -> list[str]:
    if len(warnings) <= _SHOWN:
        return warnings
    return [*warnings[:_SHOWN], f"... and {len(warnings) - _SHOWN} more areas repaired"]


def overlapping_pairs(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) whose interiors overlap, with the overlap's share of the smaller area."""
    pairs = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    i, j = pairs[0], pairs[1]
    keep = i < j
    i, j = i[keep], j[keep]
    # Interiors meeting in two dimensions: touching along an edge is not an overlap.
    inner = shapely.relate_pattern(geometries[i], geometries[j], "2********")
    i, j = i[inner], j[inner]
    overlap = shapely.area(shapely.intersection(geometries[i], geometries[j]))
    smaller = np.minimum(shapely.area(geometries[i]), shapely.area(geometries[j]))
    return i, j, overlap / np.where(smaller > 0, smaller, 1.0)


def check_overlaps(
    geometries: np.ndarray, codes: list[str], file: str, level: str
) -> tuple[np.ndarray, list[str]]:
    """Refuse real overlaps; settle slivers in favour of the lower code, with a warning."""
    i, j, share = overlapping_pairs(geometries)
    bad = share > OVERLAP_LIMIT
    if bad.any():
        order = np.argsort(-share[bad])[:_SHOWN]
        shown = "; ".join(
            f"{codes[a]} and {codes[b]} ({s:.1%} of the smaller)"
            for a, b, s in zip(i[bad][order], j[bad][order], share[bad][order], strict=True)
        )
        raise ValidationError(
            f"{file}: {int(bad.sum())} pairs of {level} areas overlap: {shown}; areas at one "
            "level must not overlap (is the file a mix of two vintages?)"
        )
    if not len(i):
        return geometries, []
    settled = _settle(geometries, codes, i, j)
    most = f"{share.max():.2%}" if share.max() >= 1e-4 else "under 0.01%"
    warning = (
        f"{file}: {len(i)} pairs of {level} areas overlap slightly (at most {most} of the "
        "smaller area); each overlap was given to the lower code"
    )
    return settled, [warning]


def _settle(geometries: np.ndarray, codes: list[str], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    out = geometries.copy()
    for a, b in zip(i, j, strict=True):
        low, high = (a, b) if codes[a] < codes[b] else (b, a)
        out[high] = polygonal(shapely.difference(out[high], out[low])) or out[high]
    return out
