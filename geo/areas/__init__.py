"""Areas and places: boundaries, which area holds each point, named places and ports.

* :mod:`geo.areas.boundaries`: the county, its districts and their electoral divisions,
  loaded from files or the manifest of official sources (its own sub-package).
* ``_placement`` (with ``_point_in_polygon``): the district and division every incident is
  placed in, by point in polygon, when it is loaded and whenever boundaries change.
* ``_gazetteer``: the packaged Kent places and county-lines origins that partner records
  name instead of giving coordinates.
* ``_ports``: ports of entry, the packaged list and a deployment's own.
* ``_hexagon_names``: a hexagon's place in words ("High Street, Margate Central (Thanet)"),
  so a list of hot spots reads as places, not cell ids.
"""

from geo._lazy import exports

__all__ = [
    "KINDS",
    "NAME_KEY_MACRO",
    "PACKAGED_SOURCE",
    "PLACE_COLUMNS",
    "Place",
    "Placer",
    "PolygonLocator",
    "Port",
    "PortsLoad",
    "cells_to_places",
    "ensure_ports",
    "find_place",
    "kent_places",
    "load_ports",
    "london_boroughs",
    "name_key",
    "origin_places",
    "origins",
    "packaged_ports",
    "place_label",
    "placer_from_areas",
    "placer_from_connection",
    "places_table",
    "port_terms",
    "ports_from_connection",
    "read_package_csv",
    "read_ports_csv",
    "seed_ports",
    "split_aliases",
    "stored_ports",
]

__getattr__, __dir__ = exports(
    __name__,
    {
        "._placement": ("Placer", "placer_from_areas", "placer_from_connection"),
        "._point_in_polygon": ("PolygonLocator",),
        "._gazetteer": (
            "NAME_KEY_MACRO",
            "Place",
            "find_place",
            "kent_places",
            "london_boroughs",
            "name_key",
            "origin_places",
            "origins",
            "places_table",
            "read_package_csv",
            "split_aliases",
        ),
        "._ports": (
            "KINDS",
            "PACKAGED_SOURCE",
            "Port",
            "PortsLoad",
            "ensure_ports",
            "load_ports",
            "packaged_ports",
            "port_terms",
            "ports_from_connection",
            "read_ports_csv",
            "seed_ports",
            "stored_ports",
        ),
        "._hexagon_names": ("PLACE_COLUMNS", "cells_to_places", "place_label"),
    },
)
