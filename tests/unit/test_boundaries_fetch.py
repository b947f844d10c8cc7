"""``boundaries fetch`` against a local server answering as the ONS ArcGIS service does."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import shapely

from geo.areas.boundaries import fetch_boundaries, load_manifest
from geo.areas.boundaries._manifest import DEFAULT_MANIFEST
from geo.errors import InputError, SocmapError
from geo.store import Store
from socmap.cli import main
from tests.support.arcgis_server import FakeArcGIS
from tests.support.boundaries import (
    DISTRICTS,
    DIVISIONS,
    county_frame,
    districts_frame,
    divisions_frame,
)

MANIFEST = """
[sets.test]
title = "Test boundaries"
default = true
publisher = "A local stand-in for ONS"
licence = "OGL v3.0"
attribution = "Contains test data"
note = "Boundaries: test set. Contains test data."

[sets.test.levels.county]
service = "{base}/arcgis/rest/services/CTY_TEST/FeatureServer/0"
files = ["county.geojson"]
vintage = "2024"
code_field = "CTY23CD"
codes = ["E10000901"]

[sets.test.levels.district]
service = "{base}/arcgis/rest/services/LAD_TEST/FeatureServer/0"
files = ["district.geojson"]
vintage = "2024"
code_field = "LAD23CD"
codes = ["E06000901", "E07000901", "E07000902"]
page_size = 2

[sets.test.levels.division]
service = "{base}/arcgis/rest/services/CED_TEST/FeatureServer/0"
files = ["division.geojson"]
vintage = "2024"
bbox = [0.4, 50.9, 1.0, 51.4]
within = "county:E10000901"
page_size = 2
"""


def national_layers():
    """Like ONS's national layers: areas beyond Kent too, and divisions with no parent field."""
    far = {"E07000999": ("Far away", shapely.box(-2.0, 52.0, -1.9, 52.1))}
    divisions = dict(DIVISIONS)
    divisions["E58000999"] = ("Far division", None, shapely.box(-2.0, 52.0, -1.9, 52.1))
    divisions["E58000998"] = ("In Medway-like", None, shapely.box(0.6, 51.2, 0.7, 51.3))
    return {
        "CTY_TEST": county_frame(),
        "LAD_TEST": districts_frame(districts={**DISTRICTS, **far}),
        "CED_TEST": divisions_frame(divisions=divisions, parents=False),
    }


def write_manifest(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(MANIFEST.format(base=base), encoding="utf-8")
    return path


def test_fetch_pages_through_the_service_and_loads_the_set(store, tmp_path):
    with FakeArcGIS(national_layers(), max_records=2) as server:
        manifest = write_manifest(tmp_path, server.base)
        report = fetch_boundaries(store, manifest, cache_dir=tmp_path / "cache", progress=False)
    assert report.levels == {"county": 1, "district": 3, "division": 4}
    assert "kept 4 of 5 divisions within county E10000901" in report.notes
    codes = {r[0] for r in store.fetch_rows("SELECT code FROM areas WHERE level = 'division'")}
    assert codes == set(DIVISIONS)
    queries = [p for layer, p in server.requests if layer == "CED_TEST" and "resultOffset" in p]
    assert [q["resultOffset"] for q in queries] == ["0", "2", "4"]
    for q in queries:
        assert q["f"] == "geojson"
        assert q["outSR"] == "4326"
        assert q["geometryType"] == "esriGeometryEnvelope"
    district_query = next(p for layer, p in server.requests if layer == "LAD_TEST")
    assert district_query["where"] == "LAD23CD IN ('E06000901', 'E07000901', 'E07000902')"
    assert (tmp_path / "cache" / "division.geojson").is_file()
    assert not list((tmp_path / "cache").glob("*.partial"))


def test_a_refused_query_is_a_clear_error_and_changes_nothing(store, tmp_path):
    layers = national_layers()
    del layers["CED_TEST"]  # the service has moved
    with FakeArcGIS(layers) as server:
        manifest = write_manifest(tmp_path, server.base)
        with pytest.raises(SocmapError, match=r"CED_TEST/FeatureServer/0/query: the service "
                           r"refused the query: 400 Invalid URL"):  # fmt: skip
            fetch_boundaries(store, manifest, cache_dir=tmp_path / "cache", progress=False)
        server.fail_with = 500
        with pytest.raises(SocmapError, match=r"answered HTTP 500.*manifest.toml"):
            fetch_boundaries(store, manifest, cache_dir=tmp_path / "cache", progress=False)
    assert not store.exists()


def test_offline_says_to_use_from(store, tmp_path):
    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    manifest = write_manifest(tmp_path, f"http://127.0.0.1:{port}/org")
    with pytest.raises(SocmapError, match=r"could not reach 127.0.0.1:\d+ .*--from DIR"):
        fetch_boundaries(store, manifest, cache_dir=tmp_path / "cache", progress=False, timeout=5)


def test_fetch_from_a_folder(store, tmp_path):
    manifest = write_manifest(tmp_path, "https://example.invalid/org")
    folder = tmp_path / "files"
    folder.mkdir()
    with pytest.raises(InputError, match=r"missing test: county \(county.geojson\)"):
        fetch_boundaries(store, manifest, from_dir=folder)
    county_frame().to_file(folder / "county.geojson", engine="pyogrio")
    districts_frame().to_file(folder / "district.geojson", engine="pyogrio")
    divisions_frame().to_file(folder / "division.geojson", engine="pyogrio")
    report = fetch_boundaries(store, manifest, from_dir=folder)
    assert report.levels == {"county": 1, "district": 3, "division": 4}
    # The same folder again (as scripts/run does on every start) writes nothing.
    version = store.data_version()
    again = fetch_boundaries(store, manifest, from_dir=folder)
    assert again.unchanged and again.levels == report.levels
    assert store.data_version() == version


def test_fetch_command(settings, tmp_path, capsys):
    with FakeArcGIS(national_layers()) as server:
        manifest = write_manifest(tmp_path, server.base)
        code = main(["--db", str(settings.db_path), "boundaries", "fetch", "--manifest",
                     str(manifest), "--cache", str(tmp_path / "c"), "--no-progress"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "division: 4 areas" in out
    assert "map note: Boundaries: test set. Contains test data." in out


def test_the_projects_manifest_is_valid():
    manifest = load_manifest(DEFAULT_MANIFEST)
    assert manifest.get(None).name == "ons"
    ons = manifest.sets["ons"]
    assert set(ons.levels) == {"county", "district", "division"}
    assert len(ons.levels["district"].codes) == 13
    ons_host = "https://services1.arcgis.com/"
    assert all(src.service.startswith(ons_host) for src in ons.levels.values())
    assert manifest.sets["oa-dissolved"].approximate


def test_a_typo_in_the_manifest_is_an_error(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(MANIFEST.format(base="https://x/y").replace("page_size", "pagesize"))
    with pytest.raises(InputError, match=r"unknown keys \['pagesize'\]"):
        load_manifest(path)


def test_downloads_go_to_the_users_cache_folder_not_beside_the_manifest(
    settings, tmp_path, monkeypatch
):
    """An installed socmap's manifest sits in the install tree: downloads must not."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SOCMAP_CACHE_DIR", raising=False)
    (tmp_path / "m").mkdir()
    with FakeArcGIS(national_layers()) as server:
        manifest = write_manifest(tmp_path / "m", server.base)
        store = Store(settings.db_path)
        try:
            fetch_boundaries(store, manifest, progress=False)
        finally:
            store.close()
        assert (tmp_path / "xdg" / "socmap" / "boundaries" / "test" / "division.geojson").is_file()
        # The command line: SOCMAP_CACHE_DIR, else the same user cache folder.
        monkeypatch.setenv("SOCMAP_CACHE_DIR", str(tmp_path / "mine"))
        code = main(["--db", str(settings.db_path), "boundaries", "fetch", "--manifest",
                     str(manifest), "--no-progress", "--force"])  # fmt: skip
    assert code == 0
    assert (tmp_path / "mine" / "boundaries" / "test" / "county.geojson").is_file()
    assert [p.name for p in (tmp_path / "m").iterdir()] == ["manifest.toml"]
