"""Divisions inside districts: each division's district, and division shapes that tile it.

County electoral divisions are built from wards, which nest in districts, so officially every
division lies in one district. Shapes simplified one file at a time do not quite agree: in the
approximate Output-Area set a division strays up to 8% of its area over its district's edge,
and 1-4% of a district lies in no division. Incidents are placed in the district by the
district shapes and then in one of that district's divisions (``geo/areas/_placement.py``), so the
stored division shapes are made to tile their district exactly:

1. Each division's district is its parent field, or else the district holding most of it; a
   division must lie at least :data:`MIN_SHARE` in its district (else it is refused: outside
   every district, straddling two, or contradicting its parent field).
2. Each division is clipped to its district (a warning says how far any strayed).
3. The gaps left between a district's divisions and its edge are given, piece by piece, to the
   division sharing the longest edge with the piece (the nearest, for an island).

The shapes as loaded are kept too (``areas.file_geometry``), so loading new districts later
nests the same divisions again from the file's shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geo.areas.boundaries._check import polygonal
from geo.errors import ValidationError

MIN_SHARE = 0.5
STRAY_WARN = 0.01  # a division this far over its district's edge is worth a warning
MISSING_WARN = 0.05  # a gap this big (share of its district) suggests a missing division
_EDGE = 1e-7  # degrees (about 1 cm): how close a division's edge must be to touch a gap
_SLIVER = 1e-10  # square degrees, about 1 m²
_SHOWN = 5


@dataclass
class Nesting:
    parents: list[str]
    geometries: np.ndarray
    warnings: list[str]
    notes: list[str]


def nest_divisions(
    codes: list[str],
    given_parents: list[str | None],
    geometries: np.ndarray,
    *,
    district_codes: list[str],
    district_geometries: np.ndarray,
    file: str,
) -> Nesting:
    """Parents and tiling shapes for divisions (sorted by code) in the districts given."""
    shares = area_shares(geometries, district_geometries)
    _refuse_outside(shares, codes, file)
    parent = _parents(shares, codes, given_parents, district_codes, file)
    warnings = _strays(shares, parent, codes, file)
    clipped = np.array(
        [
            polygonal(shapely.intersection(g, district_geometries[p]))
            for g, p in zip(geometries, parent, strict=True)
        ],
        dtype=object,
    )
    tiled, gap_warnings, gap_share = _fill_gaps(clipped, parent, district_geometries)
    warnings += [f"{file}: district {district_codes[d]}: {text}" for d, text in gap_warnings]
    notes = _notes(gap_share, parent, district_codes)
    return Nesting([district_codes[p] for p in parent], tiled, warnings, notes)


def _notes(gap_share: float, parent: np.ndarray, district_codes: list[str]) -> list[str]:
    notes = []
    if gap_share > 0:
        notes.append(
            f"gaps between divisions and their district's edge (at most {gap_share:.1%} of a "
            "district) were given to the neighbouring division, so divisions tile districts"
        )
    empty = [c for d, c in enumerate(district_codes) if d not in set(parent.tolist())]
    if empty:
        has = "district has" if len(empty) == 1 else "districts have"
        notes.append(
            f"{len(empty)} {has} no divisions (outside the county council's area): "
            f"{', '.join(empty)}; incidents there have a district and no division"
        )
    return notes


def area_shares(geometries: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Share of each geometry's area inside each of ``others`` (rows: geometries)."""
    shares = np.zeros((len(geometries), len(others)))
    if not len(geometries) or not len(others):
        return shares
    pairs = shapely.STRtree(others).query(geometries, predicate="intersects")
    inter = shapely.area(shapely.intersection(geometries[pairs[0]], others[pairs[1]]))
    area = shapely.area(geometries)[pairs[0]]
    shares[pairs[0], pairs[1]] = inter / np.where(area > 0, area, 1.0)
    return shares


def _refuse_outside(shares: np.ndarray, codes: list[str], file: str) -> None:
    inside = shares.sum(axis=1)
    outside = np.flatnonzero(inside < MIN_SHARE)
    if len(outside):
        shown = ", ".join(f"{codes[k]} ({inside[k]:.0%} inside)" for k in outside[:_SHOWN])
        raise ValidationError(
            f"{file}: {len(outside)} divisions lie outside every district: {shown}; load the "
            "districts that contain them first, or check the file's coordinate system"
        )


def _parents(
    shares: np.ndarray,
    codes: list[str],
    given: list[str | None],
    district_codes: list[str],
    file: str,
) -> np.ndarray:
    position = {c: i for i, c in enumerate(district_codes)}
    parent = np.argmax(shares, axis=1)
    for k, named in enumerate(given):
        if named is None:
            if shares[k, parent[k]] < MIN_SHARE:
                split = _split(shares[k], district_codes)
                raise ValidationError(
                    f"{file}: division {codes[k]} straddles districts ({split}); "
                    "a division must lie mostly in one district"
                )
            continue
        if named not in position:
            raise ValidationError(
                f"{file}: division {codes[k]} names district {named} as its parent, but no "
                "such district is loaded"
            )
        if shares[k, position[named]] < MIN_SHARE:
            split = _split(shares[k], district_codes)
            raise ValidationError(
                f"{file}: division {codes[k]}: its parent field says {named}, but only "
                f"{shares[k, position[named]]:.0%} of it lies there ({split})"
            )
        parent[k] = position[named]
    return parent


def _split(row: np.ndarray, district_codes: list[str]) -> str:
    order = np.argsort(-row)[:3]
    return ", ".join(f"{row[d]:.0%} in {district_codes[d]}" for d in order if row[d] > 0)


def _strays(shares: np.ndarray, parent: np.ndarray, codes: list[str], file: str) -> list[str]:
    stray = 1.0 - shares[np.arange(len(parent)), parent]
    over = np.flatnonzero(stray > STRAY_WARN)
    if not len(over):
        return []
    worst = over[np.argmax(stray[over])]
    return [
        f"{file}: {len(over)} divisions extend beyond their district by more than "
        f"{STRAY_WARN:.0%} of their area (most: {codes[worst]}, {stray[worst]:.1%}); each was "
        "clipped to its district"
    ]


def _fill_gaps(
    clipped: np.ndarray, parent: np.ndarray, districts: np.ndarray
) -> tuple[np.ndarray, list[tuple[int, str]], float]:
    """Give each gap between a district's divisions and its edge to a neighbouring division."""
    tiled = clipped.copy()
    warnings: list[tuple[int, str]] = []
    largest = 0.0
    for d in np.unique(parent):
        own = np.flatnonzero(parent == d)
        gap = shapely.difference(districts[d], shapely.union_all(clipped[own]))
        # Slivers left by rounding are not worth an overlay each; a point in one still gets a
        # division (the nearest of its district, see geo/areas/_placement.py).
        pieces = [
            p for p in shapely.get_parts(gap) if isinstance(p, shapely.Polygon) and p.area > _SLIVER
        ]
        if not pieces:
            continue
        whole = shapely.area(districts[d])
        largest = max(largest, sum(p.area for p in pieces) / whole)
        extra: dict[int, list[shapely.Polygon]] = {}
        edges = shapely.boundary(clipped[own])
        for piece in pieces:
            k = own[_neighbour(piece, clipped[own], edges)]
            extra.setdefault(int(k), []).append(piece)
            if piece.area / whole > MISSING_WARN:
                warnings.append(
                    (
                        int(d),
                        f"{piece.area / whole:.1%} of it lies in no division (given to the "
                        "neighbouring division); is a division missing from the file?",
                    )
                )
        for k, more in extra.items():
            tiled[k] = polygonal(shapely.union_all([clipped[k], *more])) or clipped[k]
    return tiled, warnings, largest


def _neighbour(piece: shapely.Polygon, geometries: np.ndarray, edges: np.ndarray) -> int:
    """The division sharing the longest edge with ``piece`` (nearest if none touches it)."""
    near = shapely.buffer(piece, _EDGE)
    shared = shapely.length(shapely.intersection(edges, near))
    if shared.max() > 0:
        return int(np.argmax(shared))
    return int(np.argmin(shapely.distance(geometries, piece)))
