"""Loading one or more boundary levels in one transaction, then placing incidents again.

The steps: read and check every file before the store is touched; then, in one write
transaction and in the order county, district, division: keep only the areas asked for,
refuse or settle overlaps, nest divisions in the districts, store the areas and the set's
description; nest the divisions already stored in new districts; and place every incident
again. Any error leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import numpy as np
import shapely

from geo.areas.boundaries._check import check_overlaps
from geo.areas.boundaries._model import LEVELS, PLURAL, Boundaries, BoundaryReport, BoundarySpec
from geo.areas.boundaries._nest import nest_divisions
from geo.areas.boundaries._read import file_checksum, read_boundaries
from geo.areas.boundaries._write import (
    LOAD_KEYS_SQL,
    StoredAreas,
    load_key,
    place_again,
    record_set,
    remove_level,
    replace_areas,
    stored_areas,
    stored_load_keys,
)
from geo.errors import ValidationError
from geo.store import Store


def load_boundary_set(
    store: Store,
    specs: Sequence[BoundarySpec],
    step: Callable[[str], None] | None = None,
    *,
    force: bool = False,
) -> BoundaryReport:
    """Load these levels together (one file per level) and place every incident again.

    When every level is already loaded from the same bytes with the same options, nothing is
    written (the report says ``unchanged``): rewriting the store would only place every
    incident where it already is. ``force`` loads anyway.
    """
    step = step or (lambda _name: None)
    levels = [s.level for s in specs]
    if len(set(levels)) != len(levels):
        raise ValueError(f"one file per level, got levels {levels}")
    if not force and _already_loaded(store, specs):
        return _unchanged_report(store, levels)
    found = {}
    for spec in sorted(specs, key=lambda s: LEVELS.index(s.level)):
        step(f"reading {spec.path}")
        found[spec.level] = _sorted(read_boundaries(spec))
    report = BoundaryReport()
    for boundaries in found.values():
        report.warnings += boundaries.warnings
    with store.writing() as con:
        for level, boundaries in found.items():
            step(f"checking {PLURAL[level]}")
            _load_level(con, found, boundaries, report)
        if "district" in found and "division" not in found:
            _nest_stored_divisions(con, report)
        step("placing incidents")
        _place(con, report)
    return report


def _already_loaded(store: Store, specs: Sequence[BoundarySpec]) -> bool:
    if not store.exists():
        return False
    stored = stored_load_keys(store.fetch_rows(LOAD_KEYS_SQL))
    return all(stored.get(s.level) == load_key(s, file_checksum(s.path)) for s in specs)


def _unchanged_report(store: Store, levels: list[str]) -> BoundaryReport:
    report = BoundaryReport(unchanged=True)
    for level in sorted(levels, key=LEVELS.index):
        rows = store.fetch_rows("SELECT count(*) FROM areas WHERE level = ?", [level])
        report.levels[level] = int(rows[0][0])
    report.notes.append(
        "these boundary files are already loaded (same contents, same options): nothing "
        "changed (--force loads them again)"
    )
    return report


def remove_boundaries(store: Store, level: str) -> BoundaryReport:
    """Remove a level's areas and place every incident again."""
    if level not in LEVELS:
        raise ValueError(f"boundary level {level!r}: expected one of {', '.join(LEVELS)}")
    report = BoundaryReport()
    with store.writing() as con:
        if level == "district" and stored_areas(con, "division") is not None:
            raise ValidationError(
                "divisions are loaded and are placed within districts; remove the divisions "
                "first (socmap boundaries remove --level division)"
            )
        report.notes.append(f"removed {remove_level(con, level)} {PLURAL[level]}")
        _place(con, report)
    return report


def _sorted(boundaries: Boundaries) -> Boundaries:
    """Areas in code order: placement and overlap rules give ties to the lowest code."""
    return boundaries.take(np.argsort(np.array(boundaries.codes, dtype=object), kind="stable"))


def _load_level(
    con: duckdb.DuckDBPyConnection,
    found: dict[str, Boundaries],
    boundaries: Boundaries,
    report: BoundaryReport,
) -> None:
    level = boundaries.spec.level
    boundaries = _keep_within(con, found, boundaries, report)
    parents = boundaries.parents
    geometries = boundaries.geometries
    # A county file may hold the county and a larger area around it (the shared one holds
    # Kent, and Kent with Medway), so only districts and divisions must not overlap.
    if level != "county":
        geometries, warnings = check_overlaps(geometries, boundaries.codes, boundaries.file, level)
        report.warnings += warnings
    if level == "division":
        parents, geometries = _nest(con, boundaries, geometries, report)
    areas = StoredAreas(
        boundaries.codes, boundaries.names, parents, geometries, boundaries.geometries
    )
    replace_areas(con, level, areas)
    record_set(con, boundaries.spec, boundaries.file, boundaries.checksum)
    report.levels[level] = len(boundaries.codes)


def _nest(
    con: duckdb.DuckDBPyConnection,
    boundaries: Boundaries,
    geometries: np.ndarray,
    report: BoundaryReport,
) -> tuple[list[str], np.ndarray]:
    districts = stored_areas(con, "district")
    if districts is None:
        raise ValidationError(
            f"{boundaries.file}: divisions are placed within districts, and no districts are "
            "loaded; load the districts first (socmap boundaries load FILE --level district)"
        )
    nesting = nest_divisions(
        boundaries.codes,
        boundaries.parents,
        geometries,
        district_codes=districts.codes,
        district_geometries=districts.geometries,
        file=boundaries.file,
    )
    report.warnings += nesting.warnings
    report.notes += nesting.notes
    return nesting.parents, nesting.geometries


def _nest_stored_divisions(con: duckdb.DuckDBPyConnection, report: BoundaryReport) -> None:
    """New districts: nest the divisions already loaded in them again, from their file shapes."""
    divisions = stored_areas(con, "division")
    districts = stored_areas(con, "district")
    if divisions is None or districts is None:
        return
    try:
        nesting = nest_divisions(
            divisions.codes,
            divisions.parents,
            divisions.file_geometries,
            district_codes=districts.codes,
            district_geometries=districts.geometries,
            file="the divisions already loaded",
        )
    except ValidationError as exc:
        raise ValidationError(
            f"{exc}. Load the divisions together with these districts (socmap boundaries "
            "fetch), or remove them first (socmap boundaries remove --level division)"
        ) from None
    divisions.parents = nesting.parents
    divisions.geometries = nesting.geometries
    replace_areas(con, "division", divisions)
    report.warnings += nesting.warnings
    report.notes.append(f"the {len(divisions.codes)} divisions already loaded were nested again")


def _keep_within(
    con: duckdb.DuckDBPyConnection,
    found: dict[str, Boundaries],
    boundaries: Boundaries,
    report: BoundaryReport,
) -> Boundaries:
    within = boundaries.spec.within
    if not within:
        return boundaries
    level, _, code = within.partition(":")
    area = _area(con, found, level, code)
    if area is None:
        raise ValidationError(
            f"{boundaries.file}: keeps only the areas within {level} {code}, which is not loaded"
        )
    keep = shapely.intersects(area, shapely.point_on_surface(boundaries.geometries))
    if not keep.any():
        raise ValidationError(f"{boundaries.file}: no areas lie within {level} {code}")
    report.notes.append(
        f"kept {int(keep.sum())} of {len(keep)} {PLURAL[boundaries.spec.level]} "
        f"within {level} {code}"
    )
    return boundaries.take(np.flatnonzero(keep))


def _area(
    con: duckdb.DuckDBPyConnection, found: dict[str, Boundaries], level: str, code: str
) -> shapely.Geometry | None:
    if level in found:
        codes = found[level].codes
        return found[level].geometries[codes.index(code)] if code in codes else None
    row = con.execute(
        "SELECT file_geometry FROM areas WHERE level = ? AND code = ?", [level, code]
    ).fetchone()
    return shapely.from_wkb(row[0]) if row else None


def _place(con: duckdb.DuckDBPyConnection, report: BoundaryReport) -> None:
    placed = place_again(con)
    report.incidents_placed = placed.placed
    report.incidents_outside = placed.outside
    report.incidents_moved = placed.moved
    for level in LEVELS:
        (n,) = con.execute("SELECT count(*) FROM areas WHERE level = ?", [level]).fetchone()
        if n:
            report.levels[level] = int(n)
