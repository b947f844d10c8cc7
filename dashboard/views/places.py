"""Where a hexagon is, in words a reader knows: the nearest town of the Kent gazetteer.

Hover cards and tables name a hexagon by its division, its district and the town it lies in
or near, never by its H3 id. The gazetteer's towns are points near their centres
(:mod:`geo.areas._gazetteer`), so the words are "in or near Margate" or "about 4 km from Margate".
"""

from __future__ import annotations

from functools import cache

import h3.api.basic_int as h3i
import numpy as np

from geo.areas import kent_places

_KM_PER_DEGREE = 111.2
_NEAR_KM = 2.5  # within this of a town's centre: "in or near" it


@cache
def _towns() -> tuple[list[str], np.ndarray]:
    towns = [p for p in kent_places() if p.kind == "town"]
    return [p.name for p in towns], np.array([(p.latitude, p.longitude) for p in towns])


def nearest_towns(cells) -> list[str]:
    """For each H3 cell, "in or near <town>" or "about N km from <town>"."""
    names, points = _towns()
    cells = [int(c) for c in cells]
    if not cells or not names:
        return ["" for _ in cells]
    centres = np.array([h3i.cell_to_latlng(c) for c in cells])
    dlat = centres[:, :1] - points[None, :, 0]
    dlon = (centres[:, 1:] - points[None, :, 1]) * np.cos(np.radians(centres[:, :1]))
    km = np.hypot(dlat, dlon) * _KM_PER_DEGREE
    best = km.argmin(axis=1)
    out = []
    for i, j in enumerate(best):
        d = km[i, j]
        out.append(
            f"in or near {names[j]}" if d <= _NEAR_KM else f"about {d:.0f} km from {names[j]}"
        )
    return out
