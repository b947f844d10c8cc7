"""Gazetteers and ports: the packaged lists are complete and where they say; name matching
agrees between Python and SQL; `socmap ports load|list`, including the shared Kent ports."""

from __future__ import annotations

import json

import duckdb
import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geo import ingest_incidents
from geo.areas import (
    KINDS,
    NAME_KEY_MACRO,
    PACKAGED_SOURCE,
    find_place,
    kent_places,
    london_boroughs,
    name_key,
    origins,
    packaged_ports,
)
from geo.ingest._partner_columns import CATEGORY_NAMES, ROLES
from geo.settings import KENT_MEDWAY_BBOX
from tests.support.partner import one, run_cli, write_csv

KENT_DISTRICTS = {f"E070001{n:02d}" for n in range(5, 17)} | {"E06000035"}


def _in_region(lat: float, lon: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = KENT_MEDWAY_BBOX
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


def test_the_33_london_boroughs_have_their_ons_codes():
    boroughs = london_boroughs()
    assert sorted(b.code for b in boroughs) == [f"E090000{n:02d}" for n in range(1, 34)]
    by_code = {b.code: b.name for b in boroughs}
    assert by_code["E09000001"] == "City of London"
    assert by_code["E09000023"] == "Lewisham"
    assert by_code["E09000033"] == "Westminster"
    for b in boroughs:  # Greater London, roughly
        assert 51.28 < b.latitude < 51.70 and -0.52 < b.longitude < 0.34, b


def test_kent_places_cover_every_district_inside_the_region():
    places = kent_places()
    assert {p.code for p in places} == KENT_DISTRICTS
    assert len([p for p in places if p.kind == "district"]) == 13
    assert len({name_key(p.name) for p in places}) == len(places)
    for p in places:
        assert _in_region(p.latitude, p.longitude), p
        assert (p.population is not None) == (p.kind == "town"), p


def test_each_town_lies_in_its_district(shared_data):
    """Reference check against the real (approximate) district boundaries."""
    districts = gpd.read_file(
        shared_data / "boundaries" / "kent_medway_districts_lad21_oa_dissolved.geojson"
    ).set_index("lad_code")
    for town in (p for p in kent_places() if p.kind == "town"):
        shape = districts.geometry[town.code]
        point = shapely.Point(town.longitude, town.latitude)
        assert shape.covers(point), (town.name, town.code)


def test_each_packaged_port_lies_on_land_in_kent_and_medway(shared_data):
    """So that port events placed at a port are counted in a district."""
    land = gpd.read_file(
        shared_data / "boundaries" / "kent_medway_districts_lad21_oa_dissolved.geojson"
    ).union_all()
    for port in packaged_ports():
        assert land.covers(shapely.Point(port.longitude, port.latitude)), port.port_id


def test_find_place_prefers_names_then_aliases_then_order():
    assert find_place("london borough of lewisham", origins()).code == "E09000023"
    assert find_place("Royal Tunbridge Wells", kent_places()).kind == "town"
    assert find_place("TUNBRIDGE-WELLS", kent_places()).kind == "town"
    assert find_place("Shepway", kent_places()).code == "E07000112"
    assert find_place("Atlantis", kent_places()) is None


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_name_key_agrees_with_the_sql_macro(text):
    con = duckdb.connect()
    try:
        con.execute(NAME_KEY_MACRO)
        assert con.execute("SELECT name_key(?)", [text]).fetchone()[0] == name_key(text)
    finally:
        con.close()


def test_accepted_names_are_unambiguous():
    headers = [n for names in ROLES.values() for n in names]
    assert len(headers) == len(set(headers))
    assert all(n == name_key(n) for n in headers)
    categories = [n for names in CATEGORY_NAMES.values() for n in names]
    assert len(categories) == len(set(categories))
    assert all(n == name_key(n) for n in categories)


def test_packaged_ports_are_complete_and_in_kent():
    ports = packaged_ports()
    ids = [p.port_id for p in ports]
    assert len(ids) == len(set(ids))
    for required in ("dover-eastern-docks", "folkestone-harbour", "channel-tunnel-folkestone",
                     "ramsgate-port", "sheerness-port", "thamesport", "ashford-international",
                     "ebbsfleet-international"):  # fmt: skip
        assert required in ids
    for p in ports:
        assert _in_region(p.latitude, p.longitude), p
        assert p.kind in KINDS and p.precision_note and "approximate" in p.precision_note
    kinds = {p.port_id: p.kind for p in ports}
    assert kinds["channel-tunnel-folkestone"] == "tunnel"
    assert kinds["ashford-international"] == kinds["ebbsfleet-international"] == "rail"


def test_packaged_ports_agree_with_the_shared_kent_ports(shared_data):
    """Independent check against the shared list. Its points are town centres or UN/LOCODE's
    1-arc-minute positions (about 2 km), so this catches gross errors, not metres."""
    shared = pd.read_csv(shared_data / "ports" / "kent_ports.csv").set_index("locode")
    geod = pyproj.Geod(ellps="WGS84")
    ours = {}
    for p in sorted(packaged_ports(), key=lambda p: p.port_id, reverse=True):
        if p.unlocode:
            ours[p.unlocode] = p  # the lowest port id wins, as in matching
    for code in ("GBDVR", "GBFOL", "GBRMG", "GBSHS", "GBTHP"):
        port, row = ours[code], shared.loc[code]
        metres = geod.inv(port.longitude, port.latitude, row["lon"], row["lat"])[2]
        assert metres < 4_500, (code, metres)


def test_ports_list_shows_the_packaged_list_before_any_load(settings, capsys):
    assert run_cli(settings.db_path, "ports", "list", "--format", "json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["port_id"] for p in listed] == [p.port_id for p in packaged_ports()]
    assert not settings.db_path.exists()


def test_loading_the_shared_kent_ports(shared_data, store, settings, tmp_path, capsys):
    path = shared_data / "ports" / "kent_ports.csv"
    assert run_cli(settings.db_path, "ports", "load", str(path)) == 0
    assert "8 ports added, 0 updated" in capsys.readouterr().out
    rows = {r[0]: r[1:] for r in store.fetch_rows(
        "SELECT port_id, unlocode, kind, precision_note, source FROM ports")}  # fmt: skip
    assert len(rows) == 8
    assert rows["GBDVR"][:2] == ("GBDVR", "seaport")
    assert "NOT the harbour" in rows["GBRMG"][2]
    assert rows["GBDVR"][3] == str(path)
    # A deployment's own list is the list: nothing packaged is added behind its back.
    header = ("id", "category", "date", "port")
    events = [["e1", "port_event", "2024-01-01", "Dover"],
              ["e2", "port_event", "2024-01-01", "GB RMG"],
              ["e3", "port_event", "2024-01-01", "Channel Tunnel"]]  # fmt: skip
    report = ingest_incidents(store, write_csv(tmp_path / "e.csv", events, header), settings)
    assert (report.loaded, report.quarantined) == (2, 1)
    assert "unknown port 'Channel Tunnel'" in report.messages[0]
    assert dict(store.fetch_rows("SELECT incident_id, port FROM incidents")) == {
        "e1": "GBDVR", "e2": "GBRMG"}  # fmt: skip
    assert store.fetch_rows("SELECT count(*) FROM ports")[0][0] == 8
    assert run_cli(settings.db_path, "ports", "load", str(path)) == 0
    assert "0 ports added, 8 updated" in capsys.readouterr().out


def test_a_deployments_port_beats_the_packaged_one_of_the_same_name(store, settings, tmp_path):
    ingest_incidents(store, write_csv(tmp_path / "a.csv", [["a", "port_event", "2024-01-01",
                     "Dover"]], ("id", "category", "date", "port")), settings)  # fmt: skip
    assert one(store, "SELECT port FROM incidents")[0] == "dover-eastern-docks"
    own = write_csv(tmp_path / "own.csv", [["dover-new", "Dover", 51.127, 1.330]],
                    ("port_id", "name", "lat", "lon"))  # fmt: skip
    assert run_cli(settings.db_path, "ports", "load", str(own)) == 0
    ingest_incidents(store, write_csv(tmp_path / "b.csv", [["b", "port_event", "2024-01-01",
                     "Dover"]], ("id", "category", "date", "port")), settings)  # fmt: skip
    assert one(store, "SELECT port FROM incidents WHERE incident_id = 'b'")[0] == "dover-new"
    sources = dict(store.fetch_rows("SELECT port_id, source FROM ports"))
    assert sources["dover-eastern-docks"] == PACKAGED_SOURCE


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([["x", "X", "51.1", "1.3"]], ("a", "b", "c", "d"), "row 1: not a ports file: missing"),
        ([["x", "X", "abc", "1.3"]], None, "row 2: latitude 'abc' / longitude '1.3' are not"),
        ([["x", "X", "1.3", "51.1"]], None, "row 2: latitude 1.3 and longitude 51.1 look swapped"),
        ([["x", "X", "50.6", "-3.4"]], None, "is outside Kent and Medway"),
        ([["x", "X", "51.1", "1.3"], ["x", "Y", "51.1", "1.3"]], None,
         "row 3: port id x repeats row 2"),
        ([["x", "X", "51.1", "1.3", "hovercraft"]], ("port_id", "name", "lat", "lon", "kind"),
         "kind 'hovercraft' is not one of"),
        ([["x", "Caf\u00e9", "51.1", "1.3"]], None, "row 2: not valid utf-8 (byte 0xE9)"),
    ],
)  # fmt: skip
def test_a_bad_ports_file_is_refused_whole(
    store, settings, tmp_path, capsys, rows, header, message
):
    header = header or ("port_id", "name", "lat", "lon")
    path = write_csv(tmp_path / "p.csv", rows, header, encoding="latin-1")
    assert run_cli(settings.db_path, "ports", "load", str(path)) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not settings.db_path.exists()
