"""The dashboard's map figure (MapLibre traces) from a :class:`MapModel`.

One choropleth trace per legend class, so the legend names every class in words; boundaries
and county lines are line traces; ports are markers. The basemap is ``white-bg`` unless the
deployment configures a tile server, so the map draws offline.
"""

from __future__ import annotations

import math
from dataclasses import replace
from html import escape

from dashboard.views.basemap import MapBase
from dashboard.views.map_model import MapModel
from geo.settings import Settings

_MAP_WIDTH_PX = 900
_MAP_HEIGHT_PX = 640
# A county map of fine hexagons has thousands of pieces, most of them holding no incident or
# part of a withheld area's count (the public view draws its one resolution, 8, at county
# level too: about 7,500 pieces). Drawn one by one they make a response of several megabytes,
# so on a county map each area's pieces whose cards say the same (the same class, figure and
# detail, all but the hexagon's own place) are sent as one feature: the same hexagons, as one
# MultiPolygon. The map looks the same, and hovering any of them says what each one holds.
_MERGE_ALIKE_ABOVE = 1500


def map_figure(model: MapModel, settings: Settings) -> dict:
    """The figure as a plain dict: Dash sends it as it is, without plotly's validation,
    which costs more than building the map itself on a county of hexagons."""
    data: list[dict] = []
    merge = _merge_alike(model)
    for item in model.legend:
        feats = [f for f in model.features if f.klass == item.key]
        data.append(_class_trace(item, _alike_merged(feats) if merge else feats))
    if model.deprivation is not None:
        data += _deprivation_traces(model.deprivation)
    data += [_outline_trace(outline) for outline in model.outlines]
    if model.links:
        data += _link_traces(model)
    if model.ports:
        data.append(_port_trace(model))
    if model.places is not None:
        data += _place_traces(model.places)
    if model.mark is not None:
        data += _mark_traces(model.mark)
    center, zoom = view_for_bounds(model.bounds, _MAP_WIDTH_PX, _MAP_HEIGHT_PX)
    layout = {
        "map": {"style": _style(settings), "center": center, "zoom": zoom},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        # The legend is drawn in the page beside the map (readable, never over the coast).
        "showlegend": False,
        # Keep the user's pan and zoom while filters change; reset when the area changes.
        "uirevision": "|".join(
            code or "" for level, code, _ in model.breadcrumb if level != "cell"
        ),
        "hoverlabel": {"bgcolor": "white", "font": {"size": 13}},
        # The area's box: the page fits the map to it at the map's real size (the zoom
        # above is for a typical size, until the page has measured the map).
        "meta": {"bounds": list(model.bounds)},
    }
    if model.base is not None:
        _add_basemap(layout, model.base)
    if model.mark is not None:
        # Named first, and boxed, by the page's label drawing (assets/basemap_labels.js).
        lon, lat = model.mark.lonlat
        layout["meta"]["mark"] = [model.mark.name, lon, lat]
    if model.empty_message:
        layout["annotations"] = [
            *layout.get("annotations", []),
            {
                "text": model.empty_message,
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"size": 15},
                "bgcolor": "white",
            },
        ]
    return {"data": data, "layout": layout}


# The basemap's colours: quiet, so the hexagons' classes stay the strongest thing on the map.
SEA = "#dbe9f4"
LAND = "#f4f2ec"
WATER = "#c6dced"
COAST = "#8fb0c8"
RAIL = "#6b6b6b"
ROAD = "#d9a85b"
RIVER = "#8fbbdd"
_LINE_WIDTH = {"county": 0.8, "district": 1.2, "division": 1.5}


def _add_basemap(layout: dict, base: MapBase) -> None:
    """The basemap as MapLibre layers under the hexagons (GeoJSON sources need no tile
    server, so they draw offline), its place names for the page to draw as text (offline
    MapLibre has no font server for map text: see ``assets/basemap_labels.js``), and the
    attribution the licences require, printed on the map."""
    width = _LINE_WIDTH.get(base.level, 1.0)
    layers: list[dict] = []

    def add(geoms, kind: str, colour: str, layer: str | None = None, **extra) -> None:
        if not geoms:
            return
        # The static layers by address (the browser fetches each once and keeps it); the
        # sea, a rectangle, inline.
        source = (
            base.url(layer)
            if layer and base.key
            else {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": g} for g in geoms],
            }
        )
        layers.append(
            {
                "sourcetype": "geojson",
                "source": source,
                "type": kind,
                "color": colour,
                "below": "traces",
                **extra,
            }
        )

    add([base.sea] if base.sea else [], "fill", SEA)
    add(base.land, "fill", LAND, "land")
    add(base.water, "fill", WATER, "water")
    add(base.coastline, "line", COAST, "coastline", line={"width": width})
    add(base.rivers, "line", RIVER, "rivers", line={"width": width})
    add(base.roads, "line", ROAD, "roads", line={"width": width})
    add(base.railways, "line", RAIL, "railways", line={"width": width, "dash": [3, 1.5]})
    layout["map"]["layers"] = layers
    layout["meta"]["labels"] = [
        [label.name, round(label.lon, 5), round(label.lat, 5), label.rank, label.in_kent_medway]
        for label in base.labels
    ]
    if base.attribution:
        layout["annotations"] = [
            *layout.get("annotations", []),
            {
                "text": base.attribution,
                "x": 1,
                "y": 0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 9, "color": "#444"},
                "bgcolor": "rgba(255,255,255,0.8)",
                "align": "right",
            },
        ]


def _style(settings: Settings) -> str | dict:
    if settings.tile_url:
        return {
            "version": 8,
            "sources": {
                "tiles": {
                    "type": "raster",
                    "tiles": [settings.tile_url],
                    "tileSize": 256,
                    "attribution": settings.tile_attribution or "",
                }
            },
            "layers": [{"id": "tiles", "type": "raster", "source": "tiles"}],
        }
    return "white-bg"


def _merge_alike(model: MapModel) -> bool:
    level = [lvl for lvl, _, _ in model.breadcrumb if lvl != "cell"][-1:] or ["county"]
    return level[0] == "county" and len(model.features) > _MERGE_ALIKE_ABOVE


def _alike_merged(feats: list) -> list:
    """Pieces of one area (of one class) whose cards say the same, as one feature; a piece
    with a card of its own as it is. A card is the area's name, the hexagon's place, then the
    figures (``map_view._feature``); a no-data card is the name and "no data loaded" only
    (``map_view.no_data_model``), which the merged card keeps. A click on a merged feature
    goes to its district, as a click on any county piece does."""
    groups: dict[tuple, list] = {}
    for f in feats:
        lines = f.hover.split("<br>")
        detail = lines[1:] if f.klass == "no_data" else lines[2:]
        groups.setdefault((f.area, f.label, lines[0], tuple(detail)), []).append(f)
    out = []
    for n, ((area, _, name, detail), group) in enumerate(groups.items()):
        if len(group) == 1:
            out.append(group[0])
            continue
        polygons = [p for f in group for p in _polygons(f.geometry)]
        out.append(
            replace(
                group[0],
                key=f"same-{group[0].klass}-{n}|{area or ''}",  # no colon: not "label: n"
                cell="",
                geometry={"type": "MultiPolygon", "coordinates": polygons},
                hover="<br>".join([name, "Each hexagon shaded this way", *detail]),
            )
        )
    return out


def _polygons(geometry: dict) -> list:
    """The polygons' coordinates of a GeoJSON geometry (a piece cut at a boundary can be a
    collection holding a stray line, which draws nothing)."""
    kind = geometry["type"]
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    if kind == "GeometryCollection":
        return [p for part in geometry["geometries"] for p in _polygons(part)]
    return []


def _class_trace(item, feats) -> dict:
    geojson = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "id": f.key, "geometry": f.geometry} for f in feats],
    }
    return {
        "type": "choroplethmap",
        "geojson": geojson,
        "locations": [f.key for f in feats],
        "z": [1] * len(feats),
        "colorscale": [[0, item.colour], [1, item.colour]],
        "showscale": False,
        "marker": {"line": _edge(item), "opacity": 0.85},
        "name": item.label,
        "legendgroup": item.key,
        "showlegend": True,
        "customdata": [[f.cell, f.area or "", f.district or ""] for f in feats],
        "text": [f.hover for f in feats],
        "hovertemplate": "%{text}<extra></extra>",
    }


# A class's outline weight is its second cue beside colour (emerging patterns: see
# palette.EMERGING_CUES); drawn dark so that a heavy edge shows on light and dark fills.
_EDGE = {"width": 0.4, "color": "#8c959f"}
CUE_EDGE = "#1f2328"


def _edge(item) -> dict:
    if item.outline is None or item.outline <= _EDGE["width"]:
        return dict(_EDGE)
    return {"width": item.outline, "color": CUE_EDGE}


def _outline_trace(outline) -> dict:
    lons: list[float | None] = []
    lats: list[float | None] = []
    for line in outline.coords:
        lons += [p[0] for p in line] + [None]
        lats += [p[1] for p in line] + [None]
    return {
        "type": "scattermap",
        "lon": lons,
        "lat": lats,
        "mode": "lines",
        "line": {"width": outline.width, "color": outline.colour},
        "name": outline.name,
        "hoverinfo": "skip",
        "showlegend": outline.level in {"district", "division"},
    }


def _deprivation_traces(layer) -> list[dict]:
    """Each decile's region outlined in its colour and width, least deprived first so a
    more deprived neighbour's line lies on top along a shared edge. No hover: a line's
    points are many, and the legend says what each colour and width means."""
    out = []
    for band in sorted(layer.bands, key=lambda b: -b.decile):
        lons: list[float | None] = []
        lats: list[float | None] = []
        for line in band.lines:
            lons += [p[0] for p in line] + [None]
            lats += [p[1] for p in line] + [None]
        out.append(
            {
                "type": "scattermap",
                "lon": lons,
                "lat": lats,
                "mode": "lines",
                "line": {"width": band.width, "color": band.colour},
                "name": f"IMD decile {band.label}",
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    return out


def _link_traces(model: MapModel) -> list[dict]:
    """County lines, a few traces by width class (one trace per link would be hundreds)."""
    top = max(link.lines for link in model.links) or 1
    traces = []
    for width in (1.0, 2.0, 3.5, 5.0):
        links = [k for k in model.links if _width(k.lines, top) == width]
        if not links:
            continue
        lons, lats, texts = [], [], []
        for k in links:
            lons += [k.origin_lonlat[0], k.destination_lonlat[0], None]
            lats += [k.origin_lonlat[1], k.destination_lonlat[1], None]
            texts += [k.label, k.label, None]
        traces.append(
            {
                "type": "scattermap",
                "lon": lons,
                "lat": lats,
                "mode": "lines+markers",
                "text": texts,
                "marker": {"size": 6, "color": "#6a3d9a"},
                "line": {"width": width, "color": "rgba(106,61,154,0.45)"},
                "name": "County lines (width: number of lines)",
                "legendgroup": "lines",
                "showlegend": width == _width(top, top),
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return traces


def _width(lines: int, top: int) -> float:
    share = lines / top
    return 5.0 if share > 0.75 else 3.5 if share > 0.5 else 2.0 if share > 0.25 else 1.0


def _port_trace(model: MapModel) -> dict:
    top = max(p.events for p in model.ports) or 1
    return {
        "type": "scattermap",
        "lon": [p.lonlat[0] for p in model.ports],
        "lat": [p.lonlat[1] for p in model.ports],
        # Markers only: map text needs glyphs from a font server, which offline maps lack.
        "mode": "markers",
        "marker": {
            "size": [
                10 + 20 * math.sqrt(p.events / top) if model.ports_sized else 12
                for p in model.ports
            ],
            "color": "#1b7837",
            "opacity": 0.8,
        },
        "customdata": [p.label for p in model.ports],
        "hovertemplate": "%{customdata}<extra></extra>",
        "name": "Port-of-entry events",
    }


def _place_traces(layer) -> list[dict]:
    """Schools and care locations: a marker per place, its card from the register alone."""
    from dashboard.views.places_layer import COLOURS, REGISTER_WORDS, SIZES  # noqa: PLC0415

    out = []
    for register in ("schools", "care"):
        mine = [p for p in layer.places if p.register == register]
        if not mine:
            continue
        lon, lat = [p.lonlat[0] for p in mine], [p.lonlat[1] for p in mine]
        # A white ring under each dot (MapLibre circles have no outline in plotly): a dot
        # must stand out over the dark outlines of the most deprived neighbourhoods.
        out.append(
            {"type": "scattermap", "lon": lon, "lat": lat, "mode": "markers",
             "marker": {"size": SIZES[register] + 5, "color": "white"}, "hoverinfo": "skip",
             "showlegend": False}
        )  # fmt: skip
        out.append(
            {
                "type": "scattermap",
                "lon": lon,
                "lat": lat,
                "mode": "markers",
                "marker": {"size": SIZES[register], "color": COLOURS[register], "opacity": 1.0},
                "customdata": [p.hover for p in mine],
                "hovertemplate": "%{customdata}<extra></extra>",
                "name": REGISTER_WORDS[register],
                "showlegend": False,
            }
        )
    return out


def _mark_traces(mark) -> list[dict]:
    """The searched place: a dark dot in a white ring (two circles: MapLibre circles have no
    outline in plotly), its name on hover and beside it (the page draws the name)."""
    lon, lat = mark.lonlat
    common = {"type": "scattermap", "lon": [lon], "lat": [lat], "mode": "markers",
              "showlegend": False}  # fmt: skip
    return [
        {**common, "marker": {"size": 20, "color": "white"}, "hoverinfo": "skip"},
        {
            **common,
            "marker": {"size": 12, "color": "#111111"},
            "name": "Place searched",
            "hovertemplate": f"Place searched: {escape(mark.name)}<extra></extra>",
        },
    ]


def view_for_bounds(
    bounds: tuple[float, float, float, float], width_px: int, height_px: int
) -> tuple[dict, float]:
    """Centre and zoom that fit a WGS84 box in a Web Mercator view of the given size."""
    min_lon, min_lat, max_lon, max_lat = bounds
    centre = {"lon": (min_lon + max_lon) / 2, "lat": (min_lat + max_lat) / 2}

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_frac = max(max_lon - min_lon, 1e-6) / 360
    lat_frac = max(merc(max_lat) - merc(min_lat), 1e-6) / (2 * math.pi)
    zoom = math.log2(min(width_px / 512 / lon_frac, height_px / 512 / lat_frac))
    return centre, max(0.0, min(zoom - 0.15, 16.0))
