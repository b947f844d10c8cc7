"""Boundaries: the county, its districts and their electoral divisions.

Load a file at one level with :func:`load_boundaries`, or a whole set from the manifest of
official sources (or a local folder) with :func:`fetch_boundaries`. Every load checks the
shapes, nests divisions in districts, and places every incident already in the store again,
in one transaction. :func:`boundary_note` is the line every map drawn with the boundaries
must print: where they come from, and whether they are approximate.
"""

from geo._lazy import exports

__all__ = [
    "LEVELS",
    "BoundaryReport",
    "BoundarySpec",
    "Manifest",
    "area_features",
    "boundary_note",
    "boundary_sets",
    "fetch_boundaries",
    "load_boundaries",
    "load_boundary_set",
    "load_manifest",
    "remove_boundaries",
]

# Names load on first use: the readers (``_fetch``, ``_load``) import geopandas, which a map
# drawn with already loaded boundaries never needs.
__getattr__, __dir__ = exports(
    __name__,
    {
        "._fetch": ("fetch_boundaries",),
        "._load": ("load_boundary_set", "remove_boundaries"),
        "._manifest": ("Manifest", "load_manifest"),
        "._model": ("LEVELS", "BoundaryReport", "BoundarySpec"),
        "._sets": ("area_features", "boundary_note", "boundary_sets", "load_boundaries"),
    },
)
