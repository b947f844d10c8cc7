"""Scores for cells from training counts: what each backtested hotspot method ranks by.

Each scorer takes counts per region cell (``float64``, region order) and returns a score
where higher means "more likely to be a hot spot next". Nothing is modified in place.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import sparse

from geo.grid import StudyRegion
from geo.stats._gistar import gi_star

Scorer = Callable[[np.ndarray], np.ndarray]


def scorers(region: StudyRegion, bandwidth: int = 2) -> dict[str, Scorer]:
    """The scorer of each method in :data:`geo.stats.METHODS` over ``region``."""
    smoother = kernel_matrix(region, bandwidth)
    return {
        "counts": lambda y: np.asarray(y, dtype=np.float64),
        "gi_star": lambda y: gi_star(y, region)[0],
        "kernel": lambda y: smoother @ np.asarray(y, dtype=np.float64),
        "last_month": lambda y: np.asarray(y, dtype=np.float64),
    }


def quartic_weight(distance: int, bandwidth: int) -> float:
    """The quartic (biweight) kernel at ``distance`` grid steps: ``(1 - (d / (h + 1))^2)^2``.

    The bandwidth ``h`` is the furthest ring that still gets weight; ``h + 1`` rings away the
    weight reaches 0, so the surface has no edge at the last ring.
    """
    u = distance / (bandwidth + 1)
    return (1.0 - u * u) ** 2


def kernel_matrix(region: StudyRegion, bandwidth: int) -> sparse.csr_array:
    """Sparse smoothing matrix: cell i gets sum over rings d of w(d) x counts d steps away.

    A kernel density estimate on the hexagon grid (cells at one resolution are near enough
    equal in area); only cells inside the region contribute, as with Gi*.
    """
    if bandwidth < 0:
        raise ValueError("bandwidth is a number of rings, 0 or more")
    total = sparse.csr_array((region.n, region.n), dtype=np.float64)
    for d in range(bandwidth + 1):
        total = total + quartic_weight(d, bandwidth) * region.ring_matrix(d)
    return total.tocsr()
