"""Loading boundaries: formats and coordinate systems, fields, validation, atomicity."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.areas.boundaries import (
    BoundarySpec,
    area_features,
    boundary_note,
    boundary_sets,
    load_boundaries,
    load_boundary_set,
    remove_boundaries,
)
from geo.errors import InputError, ValidationError
from tests.support.boundaries import (
    DISTRICT_A,
    DISTRICT_B,
    DISTRICTS,
    DIVISIONS,
    county_frame,
    districts_frame,
    divisions_frame,
    write,
)


def areas(store, level):
    rows = store.fetch_rows(
        "SELECT code, name, parent_code, geometry FROM areas WHERE level = ? ORDER BY code",
        [level],
    )
    return {code: (name, parent, shapely.from_wkb(g)) for code, name, parent, g in rows}


def load_districts(store, tmp_path, **kwargs):
    path = write(districts_frame(), tmp_path / "d.geojson")
    return load_boundaries(store, path, "district", **kwargs)


@pytest.mark.parametrize(
    ("suffix", "crs"),
    [(".geojson", None), (".gpkg", "EPSG:27700"), (".shp", "EPSG:27700"), (".gpkg", "EPSG:3857")],
)
def test_any_format_and_crs_is_stored_in_wgs84(store, tmp_path, suffix, crs):
    path = write(districts_frame(), tmp_path / f"districts{suffix}", crs=crs)
    report = load_boundaries(store, path, "district")
    assert report.levels == {"district": 3}
    stored = areas(store, "district")
    assert set(stored) == set(DISTRICTS)
    for code, (name, _, shape) in stored.items():
        assert name == DISTRICTS[code][0]
        # Reprojected straight edges bend slightly: compare areas, not vertices.
        original = DISTRICTS[code][1]
        assert shapely.symmetric_difference(shape, original).area < 1e-6 * original.area + 1e-9


def test_shared_style_fields_are_found(store, tmp_path):
    write(districts_frame("shared"), tmp_path / "d.geojson")
    load_boundaries(store, tmp_path / "d.geojson", "district")
    path = write(divisions_frame("shared"), tmp_path / "v.geojson")
    load_boundaries(store, path, "division")
    stored = areas(store, "division")
    assert {c: p for c, (_, p, _) in stored.items()} == {c: v[1] for c, v in DIVISIONS.items()}


def test_no_code_field_says_which_fields_exist(store, tmp_path):
    frame = districts_frame().rename(columns={"LAD23CD": "identifier"})
    path = write(frame, tmp_path / "d.geojson")
    with pytest.raises(InputError) as err:
        load_boundaries(store, path, "district")
    message = str(err.value)
    assert "no district code field" in message
    assert "identifier, LAD23NM" in message
    assert "--code-field" in message
    # Naming the field makes the same file load.
    load_boundaries(store, path, "district", code_field="identifier")
    assert set(areas(store, "district")) == set(DISTRICTS)


def test_two_candidate_code_fields_must_be_chosen(store, tmp_path):
    frame = districts_frame()
    frame["LAD22CD"] = frame["LAD23CD"]
    with pytest.raises(InputError, match=r"LAD23CD, LAD22CD; choose one with --code-field"):
        load_boundaries(store, write(frame, tmp_path / "d.geojson"), "district")


def test_a_named_field_that_is_missing_is_an_error(store, tmp_path):
    path = write(districts_frame(), tmp_path / "d.geojson")
    with pytest.raises(InputError, match=r"has no field 'NAME'.*LAD23CD, LAD23NM"):
        load_boundaries(store, path, "district", name_field="NAME")


def test_duplicate_codes_are_refused(store, tmp_path):
    frame = districts_frame()
    frame.loc[1, "LAD23CD"] = DISTRICT_A
    with pytest.raises(ValidationError, match=rf"{DISTRICT_A} \(features 1, 2\)"):
        load_boundaries(store, write(frame, tmp_path / "d.geojson"), "district")


def test_blank_code_names_the_feature(store, tmp_path):
    frame = districts_frame()
    frame.loc[2, "LAD23CD"] = ""
    with pytest.raises(InputError, match=r"feature 3 has no code"):
        load_boundaries(store, write(frame, tmp_path / "d.geojson"), "district")


def test_invalid_geometry_is_repaired_with_a_warning(store, tmp_path):
    frame = districts_frame()
    # A bow-tie: the ring crosses itself. Repaired, it keeps its two triangles' area.
    bowtie = shapely.Polygon([(0.7, 51.0), (0.9, 51.2), (0.9, 51.0), (0.7, 51.2)])
    frame.loc[1, "geometry"] = bowtie
    report = load_boundaries(store, write(frame, tmp_path / "d.geojson"), "district")
    assert any("invalid geometry" in w and DISTRICT_B in w for w in report.warnings)
    repaired = areas(store, "district")[DISTRICT_B][2]
    assert repaired.is_valid
    assert repaired.area == pytest.approx(0.02, rel=1e-6)


def test_lines_are_not_boundaries(store, tmp_path):
    frame = districts_frame()
    frame.loc[0, "geometry"] = shapely.LineString([(0.5, 51.0), (0.7, 51.2)])
    with pytest.raises(InputError, match=rf"{DISTRICT_A} is a LineString, not a polygon"):
        load_boundaries(store, write(frame, tmp_path / "d.geojson"), "district")


def test_overlapping_divisions_are_refused(store, tmp_path):
    load_districts(store, tmp_path)
    divisions = dict(DIVISIONS)
    name, parent, _ = divisions["E58000902"]
    divisions["E58000902"] = (name, parent, shapely.box(0.58, 51.0, 0.7, 51.2))  # 20% overlap
    path = write(divisions_frame(divisions=divisions), tmp_path / "v.geojson")
    with pytest.raises(ValidationError, match=r"E58000901 and E58000902 \(20.0% of the smaller\)"):
        load_boundaries(store, path, "division")
    assert areas(store, "division") == {}


def test_a_sliver_of_overlap_is_settled_for_the_lower_code(store, tmp_path):
    load_districts(store, tmp_path)
    divisions = dict(DIVISIONS)
    name, parent, _ = divisions["E58000902"]
    divisions["E58000902"] = (name, parent, shapely.box(0.5999, 51.0, 0.7, 51.2))
    path = write(divisions_frame(divisions=divisions), tmp_path / "v.geojson")
    report = load_boundaries(store, path, "division")
    assert any("overlap slightly" in w for w in report.warnings)
    stored = areas(store, "division")
    overlap = shapely.intersection(stored["E58000901"][2], stored["E58000902"][2]).area
    assert overlap < 1e-12


def test_a_division_outside_every_district_is_refused(store, tmp_path):
    load_districts(store, tmp_path)
    divisions = dict(DIVISIONS)
    divisions["E58000999"] = ("Nowhere", None, shapely.box(1.1, 51.0, 1.2, 51.1))
    frame = divisions_frame(divisions=divisions, parents=False)
    with pytest.raises(ValidationError, match=r"1 divisions lie outside every district: E58000999"):
        load_boundaries(store, write(frame, tmp_path / "v.geojson"), "division")


def test_divisions_need_districts_first(store, tmp_path):
    path = write(divisions_frame(), tmp_path / "v.geojson")
    with pytest.raises(ValidationError, match=r"load the districts first"):
        load_boundaries(store, path, "division")


def test_parents_are_derived_from_the_shapes_when_there_is_no_parent_field(store, tmp_path):
    load_districts(store, tmp_path)
    frame = divisions_frame(parents=False)
    load_boundaries(store, write(frame, tmp_path / "v.geojson"), "division")
    stored = areas(store, "division")
    assert {c: p for c, (_, p, _) in stored.items()} == {c: v[1] for c, v in DIVISIONS.items()}


def test_a_parent_field_that_contradicts_the_shapes_is_refused(store, tmp_path):
    load_districts(store, tmp_path)
    frame = divisions_frame()
    frame.loc[0, "LAD23CD"] = DISTRICT_B
    with pytest.raises(ValidationError, match=r"E58000901: its parent field says E07000902, but"):
        load_boundaries(store, write(frame, tmp_path / "v.geojson"), "division")


def test_divisions_are_clipped_and_gaps_filled_so_they_tile_their_district(store, tmp_path):
    load_districts(store, tmp_path)
    divisions = dict(DIVISIONS)
    # West strays over A's western edge; East stops short of A's eastern edge (a gap).
    divisions["E58000901"] = ("Alpha West", DISTRICT_A, shapely.box(0.49, 51.0, 0.6, 51.2))
    divisions["E58000902"] = ("Alpha East", DISTRICT_A, shapely.box(0.6, 51.0, 0.695, 51.2))
    path = write(divisions_frame(divisions=divisions), tmp_path / "v.geojson")
    report = load_boundaries(store, path, "division")
    assert any("extend beyond their district" in w for w in report.warnings)
    stored = areas(store, "division")
    a = DISTRICTS[DISTRICT_A][1]
    west, east = stored["E58000901"][2], stored["E58000902"][2]
    assert shapely.symmetric_difference(shapely.union(west, east), a).area < 1e-12
    assert shapely.intersection(west, east).area < 1e-12
    assert east.area == pytest.approx(0.1 * 0.2, rel=1e-9)


def test_a_failed_load_leaves_the_store_unchanged(store, tmp_path):
    load_districts(store, tmp_path, source="first")
    load_boundaries(store, write(divisions_frame(), tmp_path / "v.geojson"), "division")
    version = store.data_version()
    before = (areas(store, "district"), areas(store, "division"), boundary_sets(store))
    bad = divisions_frame()
    bad.loc[0, "geometry"] = shapely.box(0.52, 51.0, 0.7, 51.2)  # overlaps its neighbour
    with pytest.raises(ValidationError):
        load_boundaries(store, write(bad, tmp_path / "bad.geojson"), "division")
    # New districts that the loaded divisions do not fit fail too, as a whole.
    moved = {c: (n, shapely.affinity.translate(g, 1.0)) for c, (n, g) in DISTRICTS.items()}
    path = write(districts_frame(districts=moved), tmp_path / "m.geojson")
    with pytest.raises(ValidationError, match=r"remove them first"):
        load_boundaries(store, path, "district")
    assert store.data_version() == version
    after = (areas(store, "district"), areas(store, "division"), boundary_sets(store))
    assert after == before


def test_a_geopackage_with_two_layers_needs_a_layer(store, tmp_path):
    path = tmp_path / "two.gpkg"
    districts_frame().to_file(path, layer="districts", driver="GPKG", engine="pyogrio")
    county_frame().to_file(path, layer="county", driver="GPKG", engine="pyogrio")
    with pytest.raises(InputError, match=r"2 layers \(districts, county\); choose one with"):
        load_boundaries(store, path, "district")
    load_boundaries(store, path, "district", layer="districts")
    assert set(areas(store, "district")) == set(DISTRICTS)


def test_a_shapefile_without_crs(store, tmp_path):
    path = write(districts_frame(), tmp_path / "d.shp")
    path.with_suffix(".prj").unlink()
    report = load_boundaries(store, path, "district")
    assert any("read as WGS84" in w for w in report.warnings)
    projected = write(districts_frame(), tmp_path / "p.shp", crs="EPSG:27700")
    projected.with_suffix(".prj").unlink()
    with pytest.raises(InputError, match=r"no coordinate reference system.*EPSG:27700"):
        load_boundaries(store, projected, "district")


def test_not_a_boundary_file(store, tmp_path):
    path = tmp_path / "notes.geojson"
    path.write_text("this is not GeoJSON")
    with pytest.raises(InputError, match=r"could not be read as GeoJSON, GeoPackage or Shapefile"):
        load_boundaries(store, path, "district")
    with pytest.raises(InputError, match=r"file not found"):
        load_boundaries(store, tmp_path / "missing.geojson", "district")


def test_the_note_says_when_the_vintage_is_unknown(store, tmp_path):
    load_districts(store, tmp_path, source="ONS")
    assert boundary_note(store) == "Boundaries: districts from ONS, vintage unknown."
    sets = {s["level"]: s for s in boundary_sets(store)}
    assert sets["district"]["vintage"] == "unknown"
    path = write(divisions_frame(), tmp_path / "v.geojson")
    load_boundaries(store, path, "division", approximate=True, note="Built from Output Areas.")
    assert boundary_note(store, ("division",)).endswith("Built from Output Areas. Vintage unknown.")


def test_the_note_says_where_boundaries_come_from_and_if_approximate(store, tmp_path):
    assert boundary_note(store) is None
    load_districts(store, tmp_path, source="ONS", vintage="May 2023")
    assert boundary_note(store) == "Boundaries: districts from ONS, May 2023."
    path = write(divisions_frame(), tmp_path / "v.geojson")
    load_boundaries(store, path, "division", approximate=True, note="Built from Output Areas.")
    note = boundary_note(store)
    assert note.startswith("Boundaries approximate. Built from Output Areas.")
    assert note.endswith("Boundaries: districts from ONS, May 2023.")
    assert boundary_note(store, ("district",)) == "Boundaries: districts from ONS, May 2023."
    sets = {s["level"]: s for s in boundary_sets(store)}
    assert sets["division"]["approximate"] is True
    assert sets["division"]["areas"] == 4
    assert sets["district"]["vintage"] == "May 2023"


def test_areas_outside_a_county_are_dropped_when_asked(store, tmp_path):
    extra = dict(DISTRICTS)
    extra["E07000999"] = ("Far away", shapely.box(1.0, 51.0, 1.1, 51.1))
    specs = [
        BoundarySpec(write(county_frame(), tmp_path / "c.geojson"), "county"),
        BoundarySpec(
            write(districts_frame(districts=extra), tmp_path / "d.geojson"),
            "district",
            codes=(DISTRICT_A, DISTRICT_B),
        ),
        BoundarySpec(
            write(divisions_frame(parents=False), tmp_path / "v.geojson"),
            "division",
            within="county:E10000901",
        ),
    ]
    report = load_boundary_set(store, specs)
    assert report.levels == {"county": 1, "district": 2, "division": 4}
    assert "kept 4 of 4 divisions within county E10000901" in report.notes
    assert np.isin(list(areas(store, "district")), [DISTRICT_A, DISTRICT_B]).all()


def test_area_features_for_drawing(store, tmp_path):
    load_districts(store, tmp_path)
    load_boundaries(store, write(divisions_frame(), tmp_path / "v.geojson"), "division")
    features = area_features(store, "division", parent=DISTRICT_B)["features"]
    assert [f["id"] for f in features] == ["E58000903", "E58000904"]
    assert features[0]["properties"] == {
        "code": "E58000903",
        "name": "Beta South",
        "parent": DISTRICT_B,
    }
    drawn = shapely.geometry.shape(features[1]["geometry"])
    assert shapely.equals_exact(drawn, areas(store, "division")["E58000904"][2], tolerance=0)
    simplified = area_features(store, "district", tolerance=0.01)["features"]
    assert len(simplified) == 3


def test_the_same_file_again_changes_nothing_unless_forced_or_different(store, tmp_path):
    first = load_districts(store, tmp_path, source="ONS", vintage="May 2023")
    assert not first.unchanged
    version = store.data_version()
    again = load_districts(store, tmp_path, source="ONS", vintage="May 2023")
    assert again.unchanged and again.levels == {"district": 3}
    assert "already loaded" in again.notes[0]
    assert store.data_version() == version  # nothing was written
    forced = load_districts(store, tmp_path, source="ONS", vintage="May 2023", force=True)
    assert not forced.unchanged and store.data_version() != version
    version = store.data_version()
    # Another option (what the map note says) is another load.
    relabelled = load_districts(store, tmp_path, source="ONS", vintage="May 2024")
    assert not relabelled.unchanged and store.data_version() != version
    assert boundary_note(store) == "Boundaries: districts from ONS, May 2024."
    # So is another file's contents at the same path.
    frame = districts_frame()
    frame.loc[0, "LAD23NM"] = "Renamed"
    write(frame, tmp_path / "d.geojson")
    changed = load_boundaries(store, tmp_path / "d.geojson", "district", source="ONS",
                              vintage="May 2024")  # fmt: skip
    assert not changed.unchanged
    remove_boundaries(store, "district")
    assert not load_districts(store, tmp_path, source="ONS", vintage="May 2024").unchanged
