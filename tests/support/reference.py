"""Reference implementations the statistics are checked against (esda, libpysal)."""

from __future__ import annotations

import warnings

import h3.api.basic_int as h3i
import numpy as np
from esda.getisord import G_Local
from libpysal.weights import W


def esda_z(y, cells) -> np.ndarray:
    """esda's Gi* over ``cells`` (``y`` in the same order), with neighbours found here from
    h3 itself (the radius-1 grid disk, within the cells), not from the product's region, so an
    adjacency bug there cannot hide. Self-weights are left out: G_Local adds them for
    star=True."""
    cells = [int(c) for c in cells]
    row = {c: i for i, c in enumerate(cells)}
    neighbours = {
        i: sorted(row[n] for n in h3i.grid_disk(c, 1) if n != c and n in row)
        for i, c in enumerate(cells)
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(neighbours, silence_warnings=True)
        return G_Local(np.asarray(y, float), w, transform="B", star=True, permutations=0).Zs
