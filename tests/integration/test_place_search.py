""" "Go to an area" finds towns, villages and postcodes (issue 18): through the HTTP callbacks
as the browser sends them, a typed name or postcode lists the place, and picking it opens the
division that holds it (Medway, which has no divisions: the district) with the place marked on
the map and in the key. The division is checked against an independent point-in-polygon test
on the loaded shapes."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import shapely

from dashboard import ids
from dashboard.app import create_app
from geo.settings import Settings
from geo.store import Store
from geo.store.queries.areas import area_shapes
from tests.support.callbacks_http import Browser

pytestmark = pytest.mark.shared_data

MEDWAY = "E06000035"


@pytest.fixture(scope="module")
def context_settings(dashboard_with_context, tmp_path_factory) -> Settings:
    return dashboard_with_context(tmp_path_factory.mktemp("place-search"), cookie_secure=False)


@pytest.fixture(scope="module")
def app(context_settings):
    return create_app(Store(context_settings.db_path), context_settings)


@pytest.fixture(scope="module")
def shapes(context_settings) -> dict[str, tuple[str, shapely.Geometry]]:
    store = Store(context_settings.db_path)
    try:
        out = {}
        for level in ("district", "division"):
            for a in area_shapes(store, level):
                out[a.code] = (level, a.geometry)
        return out
    finally:
        store.close()


def _search(browser: Browser, text: str) -> list[dict]:
    spec = browser._spec(f"{ids.AREA_PICKER}.options", f"{ids.AREA_PICKER}.search_value")
    out = browser._post(
        spec, {f"{ids.AREA_PICKER}.search_value": text}, {}, f"{ids.AREA_PICKER}.search_value"
    )
    return out[ids.AREA_PICKER]["options"]


def _pick(browser: Browser, state: str, value: str) -> str:
    spec = browser._spec(f"{ids.STATE}.data", f"{ids.AREA_PICKER}.value")
    out = browser._post(
        spec,
        {f"{ids.AREA_PICKER}.value": value, f"{ids.URL}.search": state},
        {f"{ids.STATE}.data": state, f"{ids.PLAY_TICK}.disabled": True},
        f"{ids.AREA_PICKER}.value",
    )
    return out[ids.STATE]["data"]


@pytest.mark.parametrize(
    ("typed", "name", "kind_words"),
    [
        ("Gillingham", "Gillingham", "Town in Medway"),
        ("gilingham", "Gillingham", "Town in Medway"),  # a close spelling
        ("Wye", "Wye", "Village in Ashford"),
        ("me44qb", "ME4 4QB", "postcode (Code-Point Open"),  # full postcode, no space
        ("CT9 1", "CT9 1", "postcode sector"),
    ],
)
@pytest.mark.parametrize("prefix", ["/"])
def test_a_place_found_opens_the_division_holding_it_and_is_marked(
    app, shapes, typed, name, kind_words, prefix
):
    browser = Browser(app.server.test_client(), prefix)
    found = [o for o in _search(browser, typed) if o["value"].startswith("place:")]
    assert found, typed
    option = next(o for o in found if o["label"].startswith(f"{name}:"))
    assert kind_words in option["label"] and typed in option["search"]
    start = browser.open("?theme=knife_crime")
    after = _pick(browser, start, option["value"])
    q = parse_qs(after.lstrip("?"))
    lat, lon = (float(v) for v in q["at"][0].split(","))
    assert q["place"] == [name]
    point = shapely.Point(lon, lat)
    if "v" in q:
        level, shape = shapes[q["v"][0]]
        assert level == "division" and shape.buffer(0.005).contains(point), (name, q)
        assert shapes[q["d"][0]][1].buffer(0.005).contains(point)
    else:
        assert q["d"] == [MEDWAY], (name, q)  # the district without divisions
        assert shapes[MEDWAY][1].buffer(0.005).contains(point)
    rendered = browser.render(after, f"{ids.MAP}.figure")
    figure = rendered[ids.MAP]["figure"]
    assert figure["layout"]["meta"]["mark"][0] == name
    marks = [t for t in figure["data"] if t.get("name") == "Place searched"]
    assert marks and marks[0]["lon"] == [lon] and marks[0]["lat"] == [lat]
    assert f"Place searched: {name}" in str(rendered[ids.MAP_LEGEND]["children"])
    # The view is a link: opening it again shows the same place.
    assert browser.open(after) == after


def test_without_context_data_the_picker_offers_areas_only(dashboard_store):
    browser = Browser(
        create_app(Store(dashboard_store.db_path), dashboard_store).server.test_client(), "/"
    )
    options = _search(browser, "Gillingham")
    assert options and not [o for o in options if o["value"].startswith("place:")]


def test_the_basemap_layers_are_fetched_once_by_address(app):
    """The figure names the static layers by address (a filter change sends no basemap); each
    address answers its GeoJSON, kept by the browser; addresses of boxes no area has, of
    unknown layers or malformed, answer 404 (nothing else can be made to compute)."""
    client = app.server.test_client()
    browser = Browser(client, "/")
    state = browser.open("?d=E07000114&theme=knife_crime")
    layers = browser.render(state, f"{ids.MAP}.figure")[ids.MAP]["figure"]["layout"]["map"][
        "layers"
    ]
    urls = [lay["source"] for lay in layers if isinstance(lay["source"], str)]
    assert len(urls) >= 4 and all(u.startswith("/basemap/") for u in urls)
    for url in urls:
        reply = client.get(url)
        assert reply.status_code == 200 and "immutable" in reply.headers["Cache-Control"]
        doc = reply.get_json(force=True)
        assert doc["type"] == "FeatureCollection" and doc["features"], url
    land = next(u for u in urls if u.endswith("/land.geojson"))
    key = land.split("/")[2]
    tag, level, box = key.split(",")
    moved = ",".join([tag, level, "_".join(f"{float(v) + 0.001:.3f}" for v in box.split("_"))])
    for bad in (
        land.replace(key, moved),
        land.replace(key, f"{'0' * 12},{level},{box}"),
        land.replace("land.geojson", "secrets.geojson"),
        "/basemap/x/land.geojson",
    ):
        assert client.get(bad).status_code == 404, bad
