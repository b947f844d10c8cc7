"""``socmap context load|list|remove`` on a small generated folder: what each set records,
all or nothing, reloads that change nothing, and user roads in British National Grid."""

from __future__ import annotations

import hashlib
import shutil

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo.context import (
    UserLayer,
    basemap,
    context_sets,
    load_context,
    remove_context,
)
from geo.context._load import TABLES
from geo.errors import InputError, SocmapError
from geo.store import Store
from socmap.cli import main
from tests.support.context import load_geography, write_context


@pytest.fixture
def folder(tmp_path):
    paths = write_context(tmp_path / "shared")
    return tmp_path / "shared" / "context", paths


@pytest.fixture
def loaded(store, tmp_path, folder):
    load_geography(store, tmp_path / "geo")
    load_context(store, folder[0])
    return store


def snapshot(store: Store) -> dict:
    """Every context table's rows (the load time aside), to compare loads."""
    out = {}
    for table in TABLES:
        out[table] = sorted(map(repr, store.fetch_rows(f"SELECT * FROM {table}")))
    out["context_sets"] = sorted(store.fetch_rows("SELECT * EXCLUDE (loaded_at) FROM context_sets"))
    return out


def test_each_set_records_source_licence_vintage_file_and_checksum(loaded, folder):
    _, paths = folder
    sets = {s.name: s for s in context_sets(loaded)}
    assert set(sets) == set(paths)
    for name, path in paths.items():
        s = sets[name]
        assert s.file == str(path)
        assert s.checksum == hashlib.sha256(path.read_bytes()).hexdigest()
        assert s.source and s.licence and s.vintage and s.attribution and s.used_for
        assert s.origin == "folder"
    assert sets["postcodes/2025.4"].vintage.startswith("Code-Point Open 2025.4")
    assert "search" in sets["postcodes/2025.4"].used_for
    assert "2018" in sets["postcodes/2018.3"].used_for
    assert "not the published score" in sets["deprivation/iod2019"].note
    assert sets["population/mid-2018"].rows == 8  # one per LSOA, as the file has
    assert sets["basemap/railways"].attribution.startswith("Contains Network Rail")
    assert sets["basemap/land"].licence.startswith("Open Database Licence")


def test_the_derived_imd_score_is_not_stored(loaded):
    columns = [
        r[0] for r in loaded.fetch_rows("SELECT column_name FROM (DESCRIBE context_deprivation)")
    ]
    assert "score" not in " ".join(columns)
    assert loaded.fetch_rows("SELECT count(DISTINCT domain) FROM context_deprivation")[0][0] == 10


def test_loading_the_same_files_again_changes_nothing(loaded, folder):
    before = snapshot(loaded)
    version, stat = loaded.data_version(), loaded.path.stat()
    report = load_context(loaded, folder[0])
    assert report.unchanged and not report.loaded
    assert loaded.data_version() == version
    assert loaded.path.stat().st_mtime_ns == stat.st_mtime_ns  # not even rewritten
    forced = load_context(loaded, folder[0], force=True)
    assert not forced.unchanged
    assert loaded.data_version() != version
    assert snapshot(loaded) == before  # a forced reload stores exactly the same rows


def _replace_line(path, row, new):
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[row - 1] = new(lines[row - 1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _set_field(path, row, column, value):
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    i = header.index(column)

    def change(line):
        fields = line.split(",")
        fields[i] = value
        return ",".join(fields)

    _replace_line(path, row, change)


def _points_for_land(p):
    text = p.read_text().replace('"Polygon"', '"Point"').replace("[ [ [", "[")
    p.write_text(text.split("]")[0] + "] } } ] }")


def _repeat_row_2_as_row_3(p):
    _replace_line(p, 3, lambda _: p.read_text().splitlines()[1])


def _rename_column(p):
    _replace_line(p, 1, lambda h: h.replace("imd_rank", "imd_rnk"))


def _non_utf8(p):
    p.write_bytes(p.read_bytes().replace(b"Eastfold", b"East\xe9fold"))


# fault: (set, how the file is spoiled, the message expected)
FAULTS = {
    "latitude not a number": (
        "places",
        lambda p: _set_field(p, 3, "lat", "51.x"),
        r"row 3: column lat: '51.x' is not a number",
    ),
    "swapped coordinates": (
        "places",
        lambda p: _set_field(p, 2, "lat", "0.53"),
        r"row 2: column lat: '0.53' is below 50.85",
    ),
    "repeated postcode": (
        "postcodes/2025.4",
        _repeat_row_2_as_row_3,
        r"row 3: postcode AA1 1AA repeats row 2",
    ),
    "negative population": (
        "population/mid-2018",
        lambda p: _set_field(p, 4, "pop_mid2018", "-5"),
        r"row 4: column pop_mid2018: '-5' is below 0",
    ),
    "ages that do not add up": (
        "population/mid-2019-bands",
        lambda p: _set_field(p, 2, "age_0_9", "0"),
        r"row 2: the ages of E01000001 add up to",
    ),
    "decile that does not match its rank": (
        "deprivation/iod2019",
        lambda p: _set_field(p, 5, "imd_decile", "10"),
        r"row 5: imd_decile 10 does not match imd_rank",
    ),
    "an LSOA that is not loaded": (
        "population/mid-2018",
        lambda p: _set_field(p, 6, "LSOA11CD", "E01999999"),
        r"row 6: LSOA E01999999 is not among the 8 LSOAs",
    ),
    "wrong header": (
        "deprivation/iod2019",
        _rename_column,
        r"row 1: wrong header: missing column imd_rank",
    ),
    "a row with too many fields": (
        "places",
        lambda p: _replace_line(p, 4, lambda line: line + ",extra"),
        r"row 4: has 18 fields where the header has 17",
    ),
    "not UTF-8": ("places", _non_utf8, r"row 3: is not UTF-8"),
    "points where land should be": (
        "basemap/land",
        _points_for_land,
        r"feature 1 is a Point; expected Polygon or MultiPolygon",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_malformed_file_refuses_the_whole_load_and_leaves_the_store(
    store, tmp_path, folder, fault, capsys
):
    load_geography(store, tmp_path / "geo")
    good = tmp_path / "good"
    shutil.copytree(tmp_path / "shared", good)
    load_context(store, folder[0])
    before, version = snapshot(store), store.data_version()
    name, corrupt, message = FAULTS[fault]
    path = folder[1][name]
    corrupt(path)
    with pytest.raises(InputError, match=message) as caught:
        load_context(store, folder[0], force=True)
    assert str(path) in str(caught.value)
    assert store.data_version() == version and snapshot(store) == before
    # The command line says it in one line and exits 2.
    assert (
        main(["--db", str(store.path), "context", "load", "--from", str(folder[0]), "--force"]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("socmap: error: ") and str(path) in err
    assert store.data_version() == version


def test_a_first_load_that_fails_leaves_no_context(store, tmp_path, folder):
    load_geography(store, tmp_path / "geo")
    version = store.data_version()
    _set_field(folder[1]["postcodes/2018.3"], 2, "postcode", "NOT A PC")
    with pytest.raises(InputError, match="row 2: column postcode: 'NOT A PC' is not a postcode"):
        load_context(store, folder[0])
    assert store.data_version() == version
    assert context_sets(store) == []


def test_a_missing_optional_file_is_skipped_with_a_note(store, tmp_path, folder):
    folder[1]["basemap/railways"].unlink()
    folder[1]["population/mid-2019-single-year"].unlink()
    report = load_context(store, folder[0])
    assert "skipped basemap/railways: railways.geojson is not in the folder" in report.notes
    assert "basemap/railways" not in report.loaded
    assert "railways" not in basemap(store).layers


def test_a_missing_required_file_refuses_the_load(store, folder):
    folder[1]["population/mid-2018"].unlink()
    with pytest.raises(
        InputError,
        match=r"no kent_medway_lsoa11_population_mid2018.csv "
        r"\(the population/mid-2018 set is required\)",
    ):
        load_context(store, folder[0])
    assert not store.exists()


def test_a_folder_reload_drops_sets_the_folder_no_longer_has(loaded, folder):
    folder[1]["basemap/water"].unlink()
    report = load_context(loaded, folder[0])
    assert report.removed == ["basemap/water"]
    assert loaded.fetch_rows("SELECT count(*) FROM context_basemap WHERE layer = 'water'") == [(0,)]


def _bng_roads(path, *, crs="EPSG:27700", fields=True):
    wgs = [
        shapely.LineString([(0.52, 51.05), (0.58, 51.15), (0.66, 51.18)]),
        shapely.LineString([(0.72, 51.02), (0.88, 51.12)]),
        shapely.LineString([(0.61, 51.01), (0.62, 51.02)]),
    ]
    frame = gpd.GeoDataFrame(
        {"class": ["Motorway", "A Road", "Unclassified"], "roadNumber": ["M2", "A2", None]}
        if fields
        else {"id": [1, 2, 3]},
        geometry=wgs,
        crs="EPSG:4326",
    ).to_crs(crs)
    frame.to_file(path, engine="pyogrio")
    return frame


def test_roads_in_british_national_grid_are_reprojected_to_wgs84(loaded, tmp_path):
    bng = _bng_roads(tmp_path / "roads.gpkg")
    report = load_context(loaded, roads=UserLayer(tmp_path / "roads.gpkg"))
    assert report.loaded == {"basemap/roads": 3}
    rows = loaded.fetch_rows(
        "SELECT name, kind, rank, geometry FROM context_basemap WHERE layer = 'roads' "
        "ORDER BY feature_id"
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("M2", "motorway", 1), ("A2", "a_road", 2), (None, "other", 4)
    ]  # fmt: skip
    # Every stored vertex is pyproj's transform of the file's British National Grid vertex.
    to_wgs = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    for (*_, wkb), source in zip(rows, bng.geometry, strict=True):
        e, n = np.asarray(source.coords).T
        lon, lat = to_wgs.transform(e, n)
        np.testing.assert_allclose(
            np.asarray(shapely.from_wkb(wkb).coords), np.c_[lon, lat], atol=1e-9
        )
    sets = {s.name: s for s in context_sets(loaded)}
    assert sets["basemap/roads"].origin == "user"
    assert (
        sets["basemap/roads"].attribution == "Contains OS data © Crown copyright and database right"
    )
    county = basemap(loaded, level="county").layers["roads"]["features"]
    division = basemap(loaded, level="division").layers["roads"]["features"]
    assert [f["properties"]["kind"] for f in county] == ["motorway", "a_road"]
    assert len(division) == 3
    # The same file with the same options again changes nothing; the folder's sets stay.
    assert load_context(loaded, roads=UserLayer(tmp_path / "roads.gpkg")).unchanged
    assert "basemap/labels" in sets


def test_a_folder_reload_keeps_the_users_roads(loaded, tmp_path, folder):
    _bng_roads(tmp_path / "roads.gpkg")
    load_context(loaded, roads=UserLayer(tmp_path / "roads.gpkg", attribution="My roads"))
    load_context(loaded, folder[0], force=True)
    assert {s.name: s.attribution for s in context_sets(loaded)}["basemap/roads"] == "My roads"


def test_an_openstreetmap_extract_is_credited_to_openstreetmap(loaded, tmp_path):
    frame = gpd.GeoDataFrame(
        {"highway": ["motorway", "residential"], "ref": ["M20", None]},
        geometry=[
            shapely.LineString([(0.5, 51.1), (0.9, 51.1)]),
            shapely.LineString([(0.6, 51.0), (0.6, 51.1)]),
        ],
        crs="EPSG:4326",
    )
    frame.to_file(tmp_path / "osm.geojson", engine="pyogrio")
    load_context(loaded, rivers=None, roads=UserLayer(tmp_path / "osm.geojson"))
    assert basemap(loaded, level="county").attribution.endswith(
        "© OpenStreetMap contributors (ODbL)"
    )


def test_a_projected_file_without_a_crs_is_refused_with_a_hint(loaded, tmp_path):
    _bng_roads(tmp_path / "roads.shp")
    (tmp_path / "roads.prj").unlink()
    version = loaded.data_version()
    with pytest.raises(
        InputError, match=r"roads.shp: has no coordinate reference system .* EPSG:27700"
    ):
        load_context(loaded, roads=UserLayer(tmp_path / "roads.shp"))
    assert loaded.data_version() == version


def test_roads_outside_kent_are_refused(loaded, tmp_path):
    frame = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(-2.0, 53.0), (-1.9, 53.1)])], crs="EPSG:4326"
    )
    frame.to_file(tmp_path / "far.geojson", engine="pyogrio")
    with pytest.raises(InputError, match="has no roads inside the Kent and Medway box"):
        load_context(loaded, roads=UserLayer(tmp_path / "far.geojson"))


def test_remove_by_name_prefix_or_all(loaded, tmp_path):
    _bng_roads(tmp_path / "roads.gpkg")
    load_context(loaded, roads=UserLayer(tmp_path / "roads.gpkg"))
    assert remove_context(loaded, ["basemap/roads"]).removed == ["basemap/roads"]
    removed = remove_context(loaded, ["basemap"]).removed
    assert sorted(removed) == sorted(
        f"basemap/{x}" for x in ("land", "water", "coastline", "railways", "labels")
    )
    with pytest.raises(SocmapError, match="no context set 'nonsense' is loaded"):
        remove_context(loaded, ["nonsense"])
    remove_context(loaded)
    assert context_sets(loaded) == []
    for table in TABLES:
        assert loaded.fetch_rows(f"SELECT count(*) FROM {table}") == [(0,)]


def test_the_command_line_loads_lists_and_removes(store, tmp_path, folder, capsys):
    db = ["--db", str(store.path)]
    assert main([*db, "context", "load", "--from", str(folder[0])]) == 0
    out = capsys.readouterr().out
    assert "population/mid-2018: 8 rows" in out
    assert main([*db, "context", "load", "--from", str(folder[0])]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert main([*db, "context", "list"]) == 0
    out = capsys.readouterr().out
    assert "postcodes/2018.3: 14 rows; Code-Point Open 2018.3.0" in out
    assert "attribution (all loaded): Contains OS data" in out
    assert main([*db, "context", "remove", "basemap/labels"]) == 0
    assert "removed basemap/labels" in capsys.readouterr().out
    assert main([*db, "context", "load"]) == 2
    assert "nothing to load" in capsys.readouterr().err
