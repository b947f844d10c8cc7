"""Tables and GIS layers: they read back with geopandas and pandas in the declared CRS, with
the store's counts (restricted) or the published ones (public), and CSV is spreadsheet-safe."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date

import geopandas as gpd
import h3.api.basic_int as h3i
import pandas as pd
import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.export import export_data, spreadsheet_safe
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from geo.disclosure import Audience, DisclosurePolicy, Node, public_counts
from geo.filters import Filters
from geo.settings import Settings
from geo.store import Store
from geo.themes import load_themes
from tests.support.export_check import csv_rows, formula_cells
from tests.support.export_store import (
    DIST_A,
    DIST_B,
    DIV_1,
    DIV_2,
    PERIOD,
    TRICKY_NAME,
    exact_counts,
    fill_export_store,
    theme_categories,
)

VIEW = ViewState.from_query(f"?from={PERIOD[0]}&to={PERIOD[1]}")
THEMES = load_themes()


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    s = Settings(db_path=tmp_path_factory.mktemp("export-layers") / "socmap.duckdb")
    fill_export_store(Store(s.db_path))
    return s


def _export(settings, audience, fmt, state=VIEW):
    ctx = AppContext.create(Store(settings.db_path), settings, audience)
    return export_data(ctx, state, audience, fmt, user="ana", client="test")


def _read_gpkg(data: bytes, tmp_path, layer: str) -> gpd.GeoDataFrame:
    path = tmp_path / "x.gpkg"
    path.write_bytes(data)
    return gpd.read_file(path, layer=layer)


def _exact_pieces(
    store: Store, res: int, cats: tuple[str, ...] | None = None, months=None
) -> dict[tuple[str, int], int]:
    """Incidents per (leaf area, cell at res): each stored point put in its cell by h3-py,
    counted here (the store's cell columns are not read)."""
    lo, hi = months or (date.fromisoformat(m + "-01") for m in PERIOD)
    cats = cats or theme_categories()
    rows = store.fetch_rows(
        f"SELECT coalesce(division, district), latitude, longitude FROM incidents "
        f"WHERE latitude IS NOT NULL AND district IS NOT NULL AND month BETWEEN ? AND ? "
        f"AND category IN ({', '.join('?' * len(cats))})",
        [lo, hi, *cats],
    )
    return dict(Counter((leaf, h3i.latlng_to_cell(a, b, res)) for leaf, a, b in rows))


def test_restricted_geopackage_reads_back_with_the_stores_counts(settings, tmp_path):
    out = _export(settings, Audience.RESTRICTED, "gpkg")
    assert set(pyogrio.list_layers(_write(out.data, tmp_path))[:, 0]) == {
        "hexagons",
        "areas",
        "export_info",
    }
    hexes = _read_gpkg(out.data, tmp_path, "hexagons")
    areas = _read_gpkg(out.data, tmp_path, "areas")
    assert hexes.crs.to_epsg() == 27700 and areas.crs.to_epsg() == 27700
    store = Store(settings.db_path)
    expected = _exact_pieces(store, 7)
    got = {
        (r.area_code, h3i.str_to_int(r.hex)): int(r["count"])
        for _, r in hexes.iterrows()
        if r["count"] > 0
    }
    assert got == expected
    exact = exact_counts(store, PERIOD, theme_categories())
    by_code = {(r.level, r.code or None): r["count"] for _, r in areas.iterrows()}
    assert by_code[("county", None)] == exact[None]
    for code in (DIST_A, DIST_B, DIV_1, DIV_2):
        level = "division" if code in (DIV_1, DIV_2) else "district"
        assert by_code[(level, code)] == exact[code]
    assert set(hexes["marking"]) == {"OFFICIAL-SENSITIVE"}
    # In grid metres around Kent, not degrees.
    assert 500_000 < hexes.total_bounds[0] < 700_000


def test_public_geopackage_holds_only_published_counts(settings, tmp_path):
    out = _export(settings, Audience.PUBLIC, "gpkg")
    hexes = _read_gpkg(out.data, tmp_path, "hexagons")
    areas = _read_gpkg(out.data, tmp_path, "areas")
    policy = DisclosurePolicy.from_settings(settings)
    filters = Filters(
        themes=tuple(t.key for t in THEMES.themes),
        month_from=date(2024, 4, 1),
        month_to=date(2024, 6, 1),
    )
    result = public_counts(Store(settings.db_path), filters, THEMES, policy)
    tree = result.map
    for _, r in areas.iterrows():
        node = Node(r.level, r.code or None) if r.level != "county" else Node("county", None)
        published = tree.count(node)
        assert r.count_label == published.text
        assert (pd.isna(r["count"]) and published.value is None) or r["count"] == published.value
    for _, r in hexes.iterrows():
        published = tree.piece(
            r.area_code if isinstance(r.area_code, str) else None, h3i.str_to_int(r.hex)
        )
        assert r.count_label == published.text
    # Every published hexagon figure is the exact count of its piece (h3-py, counted here).
    shown_filter = result.split.public
    cats = tuple(
        c for c in shown_filter.category_set(THEMES) if c not in shown_filter.exclude_categories
    )
    months = (shown_filter.month_from, shown_filter.month_to)
    exact = _exact_pieces(Store(settings.db_path), policy.max_res, cats, months)
    shown = hexes[hexes["count"].notna()]
    assert len(shown) > 5
    for _, r in shown.iterrows():
        assert r["count"] == exact.get((r.area_code, h3i.str_to_int(r.hex)), 0)
    assert set(hexes["resolution"]) == {policy.max_res}
    counts = pd.concat([hexes["count"], areas["count"]]).dropna()
    assert not ((counts >= 1) & (counts < policy.k)).any()
    assert hexes["resolution"].max() <= policy.max_res
    assert set(areas["marking"]) == {"OFFICIAL"}


def test_geojson_is_wgs84_with_the_same_figures_and_its_record(settings, tmp_path):
    out = _export(settings, Audience.RESTRICTED, "geojson")
    doc = json.loads(out.data)
    assert doc["socmap"]["marking"] == "OFFICIAL-SENSITIVE"
    assert "crs" not in doc  # RFC 7946: WGS84 longitude/latitude
    frame = gpd.read_file(io.BytesIO(out.data))
    assert frame.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = frame.total_bounds
    assert 0.3 < minx < maxx < 0.8 and 51.1 < miny < maxy < 51.4
    gpkg = _read_gpkg(_export(settings, Audience.RESTRICTED, "gpkg").data, tmp_path, "hexagons")
    hexes = frame[frame["layer"] == "hexagon"]
    assert sorted(hexes["count"].dropna().astype(int)) == sorted(gpkg["count"].astype(int))


def test_csv_opens_safely_in_a_spreadsheet_and_reads_back(settings):
    out = _export(settings, Audience.RESTRICTED, "csv")
    rows = csv_rows(out.data)
    # The header on line 1, as Excel, LibreOffice and QGIS expect; the notes are rows at
    # the end, each with the marking.
    assert rows[0][:2] == ["layer", "marking"] and "count" in rows[0] and "name" in rows[0]
    notes = [dict(zip(rows[0], r, strict=True)) for r in rows if r[0] == "note"]
    assert [n["name"] for n in notes[:1]] == ["OFFICIAL-SENSITIVE"]
    assert {n["marking"] for n in notes} == {"OFFICIAL-SENSITIVE"}
    assert all(r[0] == "note" for r in rows[len(rows) - len(notes) :])
    assert formula_cells(rows) == []
    assert any(cell == "'" + TRICKY_NAME for row in rows for cell in row)
    table = pd.read_csv(io.BytesIO(out.data), encoding="utf-8-sig")
    exact = exact_counts(Store(settings.db_path), PERIOD, theme_categories())
    areas = table[table["layer"] == "area"].set_index("code")
    assert int(areas.loc[DIST_B, "count"]) == exact[DIST_B]
    hexes = table[table["layer"] == "hexagon"]
    assert hexes["count"].sum() == exact[None]


def test_public_csv_notes_promise_only_what_the_table_holds(settings):
    rows = csv_rows(_export(settings, Audience.PUBLIC, "csv").data)
    notes = " ".join(r[rows[0].index("name")] for r in rows if r[0] == "note")
    assert "Modern slavery" in notes and "are not in this table" in notes
    assert "shown only as district totals (suppressed" not in notes
    assert not any(r[0] == "area" and "Modern slavery" in " ".join(r) for r in rows)


@given(st.text(max_size=12))
def test_no_text_can_start_a_formula(text):
    cell = spreadsheet_safe(text)
    assert formula_cells([[cell]]) == []
    assert cell.lstrip("'") == text or cell == text


_NUMBERS = [-12.5, -3, 0, 7, "-4", "-0.5", "-1e-05"]
_NOT_NUMBERS = ["+44 1234", "=1+1", "@SUM(A1)", "-inf", "-Infinity", "-nan", "-1_0", "- 3"]


@pytest.mark.parametrize("value", [*_NUMBERS, *_NOT_NUMBERS, float("-inf"), None])
def test_numbers_stay_numbers_and_formulas_become_text(value):
    cell = spreadsheet_safe(value)
    if value in _NUMBERS:
        assert cell == str(value)
    elif value is None:
        assert cell == ""
    else:
        assert cell.startswith("'")


def _write(data: bytes, tmp_path):
    path = tmp_path / "layers.gpkg"
    path.write_bytes(data)
    return path
