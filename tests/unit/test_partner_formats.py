"""Partner files in every format and coordinate system: GeoJSON, Parquet, British National
Grid (checked against published OS grid references and pyproj's own inverse), x/y columns,
gazetteer placement, ports, and the documented examples."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import h3
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import pytest

from geo import InputError, ingest_incidents
from geo.grid import FINE_RES
from geo.ingest import _partner_formats
from geo.ingest._partner_sql import bng_to_wgs84
from tests.support.partner import MAIDSTONE, feature, one, write_csv, write_geojson

DOCS = Path(__file__).resolve().parents[2] / "docs" / "partner-format.md"


def metres_between(lat1, lon1, lat2, lon2) -> float:
    geod = pyproj.Geod(ellps="WGS84")
    return abs(geod.inv(lon1, lat1, lon2, lat2)[2])


def grid_reference(ref: str) -> tuple[int, int]:
    """A 6-figure OS grid reference such as 'TR 151 579' in metres (100 m precision)."""
    letters, east, north = ref.split()
    squares = {"TQ": (500_000, 100_000), "TR": (600_000, 100_000)}
    e0, n0 = squares[letters]
    return e0 + int(east) * 100, n0 + int(north) * 100


# Published OS grid references and WGS84 positions of Kent landmarks (to ~100 m).
LANDMARKS = [
    ("Canterbury Cathedral", "TR 151 579", 51.2798, 1.0828),
    ("Leeds Castle", "TQ 836 533", 51.2490, 0.6303),
]


@pytest.mark.parametrize(("name", "ref", "lat", "lon"), LANDMARKS)
def test_british_national_grid_matches_published_positions(
    tmp_path, store, settings, name, ref, lat, lon
):
    easting, northing = grid_reference(ref)
    header = ("incident_id", "category", "date", "Easting", "Northing")
    path = write_csv(tmp_path / "g.csv", [[name, "knife_crime", "2024-01-01", easting, northing]],
                     header)  # fmt: skip
    ingest_incidents(store, path, settings)
    got_lat, got_lon, attributes = one(
        store, "SELECT latitude, longitude, attributes FROM incidents"
    )
    # 100 m grid squares: the published point and ours are both within the square.
    assert metres_between(got_lat, got_lon, lat, lon) < 150
    attrs = json.loads(attributes)
    assert attrs["location_from"] == "easting/northing (EPSG:27700, converted)"
    assert (attrs["easting"], attrs["northing"]) == (str(easting), str(northing))


def test_british_national_grid_inverts_pyproj_forward(tmp_path, store, settings):
    rng = np.random.default_rng(7)
    lat = rng.uniform(50.95, 51.45, 200)
    lon = rng.uniform(0.1, 1.35, 200)
    forward = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    easting, northing = forward.transform(lon, lat)
    rows = [[f"r{i}", "knife_crime", "2024-01-01", f"{e:.3f}", f"{n:.3f}"]
            for i, (e, n) in enumerate(zip(easting, northing, strict=True))]  # fmt: skip
    path = write_csv(tmp_path / "g.csv", rows, ("id", "category", "date", "easting", "northing"))
    assert ingest_incidents(store, path, settings).loaded == 200
    got = store.fetch_rows("SELECT incident_id, latitude, longitude FROM incidents")
    for incident_id, got_lat, got_lon in got:
        i = int(incident_id[1:])
        assert metres_between(got_lat, got_lon, lat[i], lon[i]) < 0.01  # mm written to 1 mm


def test_vectorised_conversion_equals_pointwise_pyproj():
    single = pyproj.Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    e = np.array([615100.0, 583600.0, 530000.0])
    n = np.array([157900.0, 153300.0, 170000.0])
    lon, lat = bng_to_wgs84(e, n)
    for i in range(3):
        assert (lon[i], lat[i]) == pytest.approx(single.transform(e[i], n[i]), abs=1e-12)


def test_x_and_y_are_read_as_degrees_or_metres(tmp_path, store, settings):
    header = ("incident_id", "category", "date", "X", "Y")
    rows = [["deg", "knife_crime", "2024-01-01", 0.5227, 51.2704],
            ["bng", "knife_crime", "2024-01-01", 615100, 157900],
            ["swap", "knife_crime", "2024-01-01", 51.2704, 0.5227]]  # fmt: skip
    report = ingest_incidents(store, write_csv(tmp_path / "xy.csv", rows, header), settings)
    assert (report.loaded, report.quarantined) == (2, 1)
    assert "x and y look swapped (x 51.2704, y 0.5227)" in report.messages[0]
    froms = dict(store.fetch_rows(
        "SELECT incident_id, json_extract_string(attributes, '$.location_from') FROM incidents"
    ))  # fmt: skip
    assert froms == {
        "deg": "x/y as longitude/latitude",
        "bng": "x/y as easting/northing (EPSG:27700, converted)",
    }


def test_geojson_features_are_rows(tmp_path, store, settings):
    features = [
        feature({"incident_id": "g1", "category": "Knife crime", "date": "2024-02-01",
                 "weapon": {"kind": "knife"}, "count": 3}, [1.0789, 51.2802]),
        feature({"incident_id": "g2", "category": "knife_crime", "date": "2024-02-01"},
                [[0, 0], [1, 1]], kind="LineString"),
        feature({"incident_id": "g3", "category": "knife_crime", "date": "2024-02-01",
                 "latitude": 51.27, "longitude": 0.52}),
        [1, 2],
        feature({"incident_id": "g5", "category": "knife_crime", "date": "2024-02-01"},
                [[1.0789, 51.2802]], kind="MultiPoint"),
        feature({"incident_id": "g6", "category": "knife_crime", "date": "2024-02-01"},
                ["a", "b"]),
        feature({"incident_id": "g7", "category": "modern_slavery", "date": "2024-02"}),
    ]  # fmt: skip
    path = write_geojson(tmp_path / "f.geojson", features)
    report = ingest_incidents(store, path, settings)
    assert (report.rows_read, report.loaded, report.unmapped, report.quarantined) == (7, 3, 1, 3)
    assert report.messages == [
        f"{path}: row 2: geometry is a LineString, expected a Point",
        f"{path}: row 4: feature is not a GeoJSON Feature object",
        f'{path}: row 6: geometry coordinates ["a", "b"] are not [x, y] numbers',
    ]
    raw = one(store, "SELECT raw FROM quarantine WHERE row_number = 2")[0]
    assert json.loads(raw)["properties"]["incident_id"] == "g2"
    attrs = json.loads(one(store, "SELECT attributes FROM incidents WHERE incident_id='g1'")[0])
    assert attrs["location_from"] == "GeoJSON geometry"
    assert json.loads(attrs["weapon"]) == {"kind": "knife"} and attrs["count"] == "3"


def test_geojson_in_british_national_grid(tmp_path, store, settings):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    props = {"incident_id": "b1", "category": "knife_crime", "date": "2024-02-01"}
    path = write_geojson(tmp_path / "b.geojson", [feature(props, [615100, 157900])], crs=crs)
    report = ingest_incidents(store, path, settings)
    assert report.loaded == 1 and any("British National Grid" in n for n in report.notes)
    lat, lon = one(store, "SELECT latitude, longitude FROM incidents")
    assert metres_between(lat, lon, 51.2798, 1.0828) < 150


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection (top-level type 'Feature')"),
        ('{"type": "FeatureCollection", "features": []}', "has no features"),
        ('{"type": "FeatureCollection"}', "has no 'features' list"),
        ('{"type": "FeatureCollection",\n "features": [}', "line 2: not valid JSON"),
        ('{"type": "FeatureCollection", "crs": {"properties": {"name": "EPSG:3857"}}, '
         '"features": [{}]}', "crs 'EPSG:3857' is not supported"),
        ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
         '{"id": "a"}}]}', "no usable columns: missing required column(s) category, date"),
    ],
)  # fmt: skip
def test_geojson_file_errors(tmp_path, store, settings, text, message):
    path = tmp_path / "x.geojson"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(message)):
        ingest_incidents(store, path, settings)
    assert not settings.db_path.exists()


def test_geojson_that_is_not_utf8_names_the_line(tmp_path, store, settings):
    path = tmp_path / "l.geojson"
    path.write_bytes(b'{"type": "FeatureCollection",\n"features": ["caf\xe9"]}')
    with pytest.raises(InputError, match=r"line 2: not valid utf-8 \(byte 0xE9\)"):
        ingest_incidents(store, path, settings)


def test_parquet_with_typed_columns(tmp_path, store, settings):
    table = pa.table({
        "Incident ID": ["q1", "q2", "q3", "q4"],
        "category": pa.array(["knife_crime", "Port event", None, "knife"]).dictionary_encode(),
        "date": pa.array([date(2024, 1, 5), date(2024, 1, 6), date(2024, 1, 7), None]),
        "latitude": [51.2704, None, 51.0, 51.27],
        "longitude": [0.5227, None, 1.0, 0.52],
        "port": [None, "GBDVR", None, None],
        "seen_at": pa.array([datetime(2024, 1, 5, 9, tzinfo=UTC)] * 4, pa.timestamp("us", "UTC")),
        "blob": pa.array([b"ok", b"\xff\xfe", None, b""]),
        "tags": [[1, 2], None, [3], []],
    })  # fmt: skip
    path = tmp_path / "p.parquet"
    pq.write_table(table, path)
    report = ingest_incidents(store, path, settings)
    assert (report.rows_read, report.loaded, report.quarantined) == (4, 2, 2)
    assert report.messages == [
        f"{path}: row 3: category is empty",
        f"{path}: row 4: date is empty",
    ]
    attrs = json.loads(one(store, "SELECT attributes FROM incidents WHERE incident_id='q1'")[0])
    assert attrs["seen_at"].startswith("2024-01-05 09:00:00") and attrs["tags"] == "[1, 2]"
    assert (
        one(store, "SELECT port FROM incidents WHERE incident_id='q2'")[0] == "dover-eastern-docks"
    )
    raw = json.loads(one(store, "SELECT raw FROM quarantine WHERE row_number = 3")[0])
    assert raw["Incident ID"] == "q3" and raw["category"] == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PAR1 this is not really parquet", "not a readable Parquet file"),
        (None, "has columns but no rows"),
    ],
)  # fmt: skip
def test_parquet_file_errors(tmp_path, store, settings, content, message):
    path = tmp_path / "bad.parquet"
    if content is None:
        pq.write_table(pa.table({"incident_id": pa.array([], pa.string())}), path)
    else:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        ingest_incidents(store, path, settings)


def test_county_lines_origins_and_destinations(tmp_path, store, settings):
    header = ("id", "category", "date", "origin", "destination", "origin_latitude",
              "origin_longitude")  # fmt: skip
    rows = [["c1", "county_lines", "2024-01-01", "London Borough of Southwark",
             "Royal Tunbridge Wells", "", ""],
            ["c2", "county_lines", "2024-01-01", "Somewhere", "Nowhere-on-Sea", "52.5", "-1.9"],
            ["c3", "county_lines", "2024-01-01", "Tunbridge Wells", "Thanet", "", ""],
            ["c4", "county_lines", "2024-01-01", "Leeds", "Deal", "-1.5", "53.8"]]  # fmt: skip
    report = ingest_incidents(store, write_csv(tmp_path / "cl.csv", rows, header), settings)
    assert (report.loaded, report.unmapped, report.quarantined) == (2, 1, 1)
    assert "origin_latitude and origin_longitude look swapped" in report.messages[0]
    assert any("1 county-lines rows have no coordinates" in n for n in report.notes)
    got = {r[0]: r[1:] for r in store.fetch_rows(
        "SELECT incident_id, origin_code, round(latitude, 3), "
        "json_extract_string(attributes, '$.location_from') FROM incidents")}  # fmt: skip
    assert got["c1"] == (
        "E09000028",
        51.132,
        "destination gazetteer: Tunbridge Wells (approximate)",
    )
    assert got["c2"] == (None, None, "none: destination 'Nowhere-on-Sea' is not in the gazetteer")
    assert got["c3"][0] == "E07000116"  # a Kent town as origin: its district's code


def test_port_events_name_ports_every_way(tmp_path, store, settings):
    header = ("id", "category", "date", "port", "latitude", "longitude")
    rows = [["p1", "port_event", "2024-01-01", "channel-tunnel-folkestone", "", ""],
            ["p2", "port_event", "2024-01-01", "Port of Dover, Eastern Docks (ferry terminal)",
             "", ""],
            ["p3", "port_event", "2024-01-01", "gb rmg", "", ""],
            ["p4", "port_event", "2024-01-01", "Le Shuttle", "", ""],
            ["p5", "port_event", "2024-01-01", "Sheerness", 51.4441, 0.7449]]  # fmt: skip
    assert (
        ingest_incidents(store, write_csv(tmp_path / "p.csv", rows, header), settings).loaded == 5
    )
    got = dict(store.fetch_rows("SELECT incident_id, port FROM incidents"))
    assert got == {"p1": "channel-tunnel-folkestone", "p2": "dover-eastern-docks",
                   "p3": "ramsgate-port", "p4": "channel-tunnel-folkestone",
                   "p5": "sheerness-port"}  # fmt: skip
    assert one(store, "SELECT latitude FROM incidents WHERE incident_id = 'p5'")[0] == 51.4441
    assert store.fetch_rows("SELECT count(*) FROM ports")[0][0] >= 12


def _doc_block(language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)```", DOCS.read_text(), re.S)
    assert match, language
    return match.group(1)


def test_the_documented_examples_load_as_documented(tmp_path, store, settings):
    csv_path = tmp_path / "example.csv"
    csv_path.write_text(_doc_block("csv"))
    report = ingest_incidents(store, csv_path, settings)
    assert (report.rows_read, report.loaded, report.unmapped, report.quarantined) == (7, 6, 1, 0)
    got = {
        r[0]: r[1:]
        for r in store.fetch_rows(
            "SELECT incident_id, round(latitude, 4), origin_code, port, date FROM incidents"
        )
    }
    assert got["MS-0001"] == (None, None, None, None)
    assert got["CL-0001"][:2] == (51.3813, "E09000023")  # Margate; Lewisham
    assert got["PE-0001"][2:] == ("dover-eastern-docks", date(2024, 3, 20))
    # H3 cells are computed beside validation and lined up after it: check every one.
    for lat, lon, cell in store.fetch_rows(
        "SELECT latitude, longitude, cell FROM incidents WHERE latitude IS NOT NULL"
    ):
        assert cell == h3.str_to_int(h3.latlng_to_cell(lat, lon, FINE_RES))
    geo_path = tmp_path / "example.geojson"
    geo_path.write_text(_doc_block("json"))
    report = ingest_incidents(store, geo_path, settings, source="geojson-example")
    assert (report.rows_read, report.loaded, report.unmapped) == (4, 3, 1)


def test_the_documented_grid_example_is_in_maidstone():
    lon, lat = bng_to_wgs84(np.array([575400.0]), np.array([155600.0]))
    assert metres_between(lat[0], lon[0], *MAIDSTONE) < 1500


def test_repeats_across_blocks_keep_their_raw_row(tmp_path, store, settings, monkeypatch):
    monkeypatch.setattr(_partner_formats, "_BLOCK_ROWS", 2)
    props = [{"incident_id": i, "category": "knife_crime", "date": "2024-01-01"}
             for i in ("a", "b", "c", "a", "b", "a", "")]  # fmt: skip
    features = [feature(p, [0.5227, 51.2704]) for p in props]
    path = write_geojson(tmp_path / "blocks.geojson", features)
    report = ingest_incidents(store, path, settings)
    assert (report.loaded, report.quarantined) == (3, 4)
    rows = store.fetch_rows("SELECT row_number, reason, raw FROM quarantine ORDER BY row_number")
    assert [(n, r) for n, r, _ in rows] == [
        (4, "duplicate incident_id a (first at row 1)"),
        (5, "duplicate incident_id b (first at row 2)"),
        (6, "duplicate incident_id a (first at row 1)"),
        (7, "incident_id is empty"),
    ]
    assert all(json.loads(raw)["type"] == "Feature" for _, _, raw in rows)
    pq.write_table(pa.table({k: [p[k] for p in props] for k in props[0]} | {
        "latitude": [51.27] * 7, "longitude": [0.52] * 7}), tmp_path / "b.parquet")  # fmt: skip
    report = ingest_incidents(store, tmp_path / "b.parquet", settings, source="pq")
    assert (report.rows_read, report.loaded, report.quarantined) == (7, 3, 4)


def test_cells_match_h3_when_a_join_reorders_rows(tmp_path, store, settings):
    rng = np.random.default_rng(3)
    header = ("id", "category", "date", "latitude", "longitude", "origin", "destination", "port")
    rows = []
    for i in range(3000):
        kind = i % 3
        lat, lon = rng.uniform(51.0, 51.4), rng.uniform(0.3, 1.3)
        if kind == 0:
            rows.append([f"k{i}", "knife_crime", "2024-01-01", lat, lon, "", "", ""])
        elif kind == 1:
            town = ["Margate", "Dover", "Chatham", "Ashford"][i % 4]
            rows.append([f"c{i}", "county_lines", "2024-01-01", "", "", "Lewisham", town, ""])
        else:
            port = ["Dover", "Channel Tunnel", "Ramsgate"][i % 3]
            rows.append([f"p{i}", "port_event", "2024-01-01", "", "", "", "", port])
    ingest_incidents(store, write_csv(tmp_path / "mix.csv", rows, header), settings)
    got = store.fetch_rows("SELECT latitude, longitude, cell FROM incidents")
    assert len(got) == 3000
    for lat, lon, cell in got:
        assert cell == h3.str_to_int(h3.latlng_to_cell(lat, lon, FINE_RES))


def test_every_format_reads_coordinates_through_one_helper():
    import numpy as np
    import pyarrow as pa

    from geo.ingest import _load, _partner_sql, partner
    from geo.ingest._stage import float_values

    for module in (_load, _partner_sql, partner):
        assert module.float_values is float_values and not hasattr(module, "_floats")
    cases = [
        (pa.chunked_array([pa.array([1.5, None, 3.0])]), [1.5, np.nan, 3.0]),
        (pa.chunked_array([pa.nulls(2)]), [np.nan, np.nan]),  # an all-empty column
        (pa.array([1, None], pa.int32()), [1.0, np.nan]),
        (pa.chunked_array([], pa.float64()), []),
    ]
    for column, want in cases:
        got = float_values(column)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, np.array(want, dtype=np.float64))
