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
* ``_incident_lsoas``: the LSOA each incident lies in (police.uk's own code, else point in
  polygon), for LSOA rates and deprivation (docs/rates.md).
* ``_proximity``: incidents within a distance of each school or care location (British
  National Grid or geodesic), with the Gi* class of the hexagon holding the place.
"""

from geo._lazy import exports

__all__ = [
    "HOW",
    "KINDS",
    "MAX_DISTANCE",
    "NAME_KEY_MACRO",
    "PACKAGED_SOURCE",
    "PLACE_COLUMNS",
    "POLICE_UK",
    "PROXIMITY_COLUMNS",
    "PROXIMITY_METHODS",
    "Place",
    "Placer",
    "PolygonLocator",
    "Port",
    "PortsLoad",
    "Proximity",
    "assign_lsoas",
    "cells_to_places",
    "counts_within",
    "ensure_ports",
    "find_place",
    "kent_places",
    "load_ports",
    "london_boroughs",
    "name_key",
    "open_during",
    "origin_places",
    "origins",
    "packaged_ports",
    "place_label",
    "placer_from_areas",
    "placer_from_connection",
    "places_near_incidents",
    "places_table",
    "point_in_polygon_lsoas",
    "port_terms",
    "ports_from_connection",
    "read_package_csv",
    "read_ports_csv",
    "seed_ports",
    "split_aliases",
    "stored_ports",
    "to_bng",
    "with_lsoas",
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
        "._incident_lsoas": (
            "HOW",
            "POLICE_UK",
            "assign_lsoas",
            "point_in_polygon_lsoas",
            "with_lsoas",
        ),
        "._proximity": (
            "MAX_DISTANCE",
            "PROXIMITY_COLUMNS",
            "PROXIMITY_METHODS",
            "Proximity",
            "counts_within",
            "open_during",
            "places_near_incidents",
            "to_bng",
        ),
    },
)
