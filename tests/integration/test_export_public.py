"""Nothing restricted reaches a public (Part 1) export, whatever the view asks for: no count
from 1 to k-1, no incident id or street, no coordinate finer than a public hexagon's centre."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from dashboard.export import Renderer, export_data, export_map
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from geo.disclosure import Audience, DisclosurePolicy
from geo.settings import Settings
from geo.store import Store
from tests.support.export_check import is_public_centre, pdf_text, small_numbers
from tests.support.export_store import DIST_A, DIV_1, ID_PREFIX, PERIOD, fill_export_store

BASE = f"?from={PERIOD[0]}&to={PERIOD[1]}"
# Views that ask for more than the public may see: fine hexagons, one restricted theme,
# one division, hot spots at resolution 10.
VIEWS = [
    BASE,
    f"{BASE}&res=10",
    f"{BASE}&d={DIST_A}&res=9&m=change",
    f"{BASE}&v={DIV_1}&m=hotspots&res=10",
    f"{BASE}&theme=modern_slavery",
    f"{BASE}&cat=modern_slavery&cat=Drugs&m=emerging",
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    s = Settings(db_path=tmp_path_factory.mktemp("export-public") / "socmap.duckdb")
    fill_export_store(Store(s.db_path))
    return s


@pytest.fixture(scope="module")
def ctx(settings):
    return AppContext.create(Store(settings.db_path), settings, Audience.PUBLIC)


@pytest.fixture(scope="module")
def incident_points(settings) -> set[tuple[float, float]]:
    rows = Store(settings.db_path).fetch_rows("SELECT latitude, longitude FROM incidents")
    return {(round(lat, 5), round(lon, 5)) for lat, lon in rows}


@pytest.mark.parametrize("query", VIEWS)
def test_public_tables_and_layers_hold_only_public_figures(ctx, settings, query, incident_points):
    k = DisclosurePolicy.from_settings(settings).k
    max_res = DisclosurePolicy.from_settings(settings).max_res
    state = ViewState.from_query(query)
    for fmt in ("csv", "geojson", "gpkg"):
        out = export_data(ctx, state, Audience.PUBLIC, fmt, user="x", client="t")
        assert ID_PREFIX.encode() not in out.data and b"Secret Lane" not in out.data
    table = pd.read_csv(
        io.BytesIO(export_data(ctx, state, Audience.PUBLIC, "csv", user="x", client="t").data)
    )
    counts = pd.concat([table["count"], table["previous"]]).dropna().astype(int)
    assert not ((counts >= 1) & (counts < k)).any()
    assert small_numbers(table["count_label"].dropna().astype(str), k) == []
    hexes = table[table["layer"] == "hexagon"]
    assert hexes["resolution"].dropna().max() <= max_res
    for lat, lon in zip(hexes["centre_lat"], hexes["centre_lon"], strict=True):
        assert is_public_centre(lat, lon, max_res), (lat, lon)
    _no_incident_vertex(ctx, state, incident_points)


def _no_incident_vertex(ctx, state, incident_points) -> None:
    """The GeoJSON has polygons only (hexagons and boundaries), none with a vertex at an
    incident's position."""
    out = export_data(ctx, state, Audience.PUBLIC, "geojson", user="x", client="t")
    frame = gpd.read_file(io.BytesIO(out.data))
    assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}
    vertices = shapely.get_coordinates(frame.geometry.values)
    found = {(round(y, 5), round(x, 5)) for x, y in vertices}
    assert not found & incident_points
    doc = json.loads(out.data)
    assert doc["socmap"]["marking"] == "OFFICIAL"


@pytest.mark.parametrize("query", VIEWS[:4])
def test_public_maps_hold_no_ids_streets_or_small_counts_in_their_words(ctx, settings, query):
    k = DisclosurePolicy.from_settings(settings).k
    with Renderer() as r:
        out = export_map(
            ctx,
            ViewState.from_query(query),
            Audience.PUBLIC,
            "pdf",
            renderer=r,
            user="x",
            client="t",
        )
    text = pdf_text(out.data)
    assert ID_PREFIX not in text and "Secret Lane" not in text
    assert "OFFICIAL-SENSITIVE" not in text
    assert f"Counts from 1 to {k - 1} are shown as 'fewer than {k}'" in " ".join(text.split())
    assert "H3 resolution 10" not in text and "H3 resolution 9 " not in text
