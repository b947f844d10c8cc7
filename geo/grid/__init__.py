"""The H3 grid: cells, the cells of an area, study regions, outlines, the space-time cube.

* ``_cells``: cell ids, their text form, the resolutions socmap stores (5 to 10) and the
  store's column for each; every incident's cell at every resolution, computed from its
  point (cells do not nest, so a coarse cell never comes from a fine one).
* ``_area_cells``: the one definition of an area's cells, every cell overlapping its
  boundary (so they depend on the boundaries alone, and hold every incident placed in it).
* ``_regions``: a hotspot statistic's study region, the area's cells and who neighbours whom.
* ``_outlines``: each cell's polygon, whole or cut to an area, for drawing only.
* ``_space_time_cube``: counts per region cell and loaded month, for the statistics over time.

Hexagon counts themselves are queries: :mod:`geo.store.queries.counts`.
"""

from geo._lazy import exports

__all__ = [
    "CELL_COLUMNS",
    "FINE_RES",
    "LEVELS",
    "MIN_RES",
    "RESOLUTIONS",
    "StudyRegion",
    "area_cell_outlines",
    "area_cells",
    "area_geometry",
    "boundaries_to_geojson",
    "cell_column",
    "cell_resolution",
    "cell_to_str",
    "cells_overlapping",
    "cells_to_boundaries",
    "cells_to_clipped_boundaries",
    "cells_to_str",
    "check_res",
    "cube_months",
    "incidents_to_cell_columns",
    "incidents_to_cells",
    "monthly_cube",
    "region_from_cells",
    "str_to_cell",
    "study_region",
]

__getattr__, __dir__ = exports(
    __name__,
    {
        "._cells": (
            "CELL_COLUMNS",
            "FINE_RES",
            "MIN_RES",
            "RESOLUTIONS",
            "cell_column",
            "cell_resolution",
            "cell_to_str",
            "cells_to_str",
            "check_res",
            "incidents_to_cell_columns",
            "incidents_to_cells",
            "str_to_cell",
        ),
        "._area_cells": (
            "LEVELS",
            "area_cell_outlines",
            "area_cells",
            "area_geometry",
            "cells_overlapping",
        ),
        "._regions": ("StudyRegion", "region_from_cells", "study_region"),
        "._outlines": (
            "boundaries_to_geojson",
            "cells_to_boundaries",
            "cells_to_clipped_boundaries",
        ),
        "._space_time_cube": ("cube_months", "monthly_cube"),
    },
)
