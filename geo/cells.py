"""H3 cells: points to cells, and coarser parents by bit arithmetic.

Every incident stores its H3 cell at :data:`FINE_RES` as an unsigned 64-bit integer. A coarser
parent is pure bit arithmetic on that integer (the H3 index layout puts the resolution in bits
52-55 and one 3-bit digit per resolution below it; unused digits are 7), so any resolution from
:data:`MIN_RES` to :data:`FINE_RES` is computed inside DuckDB without an H3 extension.
"""

from __future__ import annotations

from collections.abc import Iterable

import h3
import h3.api.basic_int as h3i
import numpy as np

MIN_RES = 5
FINE_RES = 10
_RES_SHIFT = 52
_RES_MASK = 0xF << _RES_SHIFT
_U64 = 0xFFFFFFFFFFFFFFFF


def incidents_to_cells(lat: np.ndarray, lon: np.ndarray, res: int = FINE_RES) -> np.ndarray:
    """H3 cells (uint64) for WGS84 points; 0 where either coordinate is missing.

    h3-py has no array API; its integer API in a plain loop is the fastest way in Python.
    """
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    out = np.zeros(lat.shape[0], dtype=np.uint64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    to_cell = h3i.latlng_to_cell
    cells = [to_cell(a, b, res) for a, b in zip(lat[ok].tolist(), lon[ok].tolist(), strict=True)]
    out[ok] = np.array(cells, dtype=np.uint64)
    return out


def parent_masks(res: int) -> tuple[int, int]:
    """``(keep, add)`` such that ``(cell & keep) | add`` is the cell's parent at ``res``.

    ``keep`` clears the resolution bits and every digit finer than ``res``; ``add`` sets the
    new resolution and fills those digits with 7, as H3 requires.
    """
    check_res(res)
    unused_bits = 3 * (15 - res)
    unused = (1 << unused_bits) - 1
    keep = _U64 & ~_RES_MASK & ~unused
    add = (res << _RES_SHIFT) | unused
    return keep, add


def parent_sql(column: str, res: int) -> tuple[str, list[int]]:
    """SQL for the parent of ``column`` at ``res`` and its two parameters.

    ``column`` must be an identifier the caller controls, never user input.
    """
    keep, add = parent_masks(res)
    return f"(({column} & ?::UBIGINT) | ?::UBIGINT)", [keep, add]


def cells_to_parent(cells: np.ndarray, res: int) -> np.ndarray:
    """Vectorised parent of uint64 cells (the same arithmetic as :func:`parent_sql`)."""
    keep, add = parent_masks(res)
    arr = np.asarray(cells, dtype=np.uint64)
    return (arr & np.uint64(keep)) | np.uint64(add)


def cell_to_str(cell: int) -> str:
    """The standard 15-character hex string of a cell."""
    return h3i.int_to_str(int(cell))


def cells_to_str(cells: Iterable[int]) -> list[str]:
    return [h3i.int_to_str(int(c)) for c in cells]


def str_to_cell(text: str) -> int:
    """Parse a hex cell id; raises ``ValueError`` for anything that is not a valid cell."""
    try:
        cell = h3i.str_to_int(text.strip().lower())
    except (ValueError, TypeError, OverflowError, h3.H3BaseException) as exc:
        raise ValueError(f"{text!r} is not an H3 cell") from exc
    if not h3i.is_valid_cell(cell):
        raise ValueError(f"{text!r} is not an H3 cell")
    return cell


def cell_resolution(cell: int) -> int:
    return (int(cell) >> _RES_SHIFT) & 0xF


def check_res(res: int) -> int:
    if not isinstance(res, int) or not MIN_RES <= res <= FINE_RES:
        raise ValueError(f"resolution {res!r}: expected {MIN_RES} to {FINE_RES}")
    return res
