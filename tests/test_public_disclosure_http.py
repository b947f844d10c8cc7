"""Every public callback, called over HTTP as the browser calls it, for many views of a store
full of small counts: no response may carry a count from 1 to k-1, an incident id, or a
point finer than a public hexagon centre. And no restricted callback answers without an
analyst's session."""

from __future__ import annotations

import json
import re

import h3.api.basic_int as h3i
import pytest

from dashboard.app import create_app
from geo.accounts import Accounts
from geo.store import Store

pytestmark = pytest.mark.shared_data

THANET = "E07000114"
VIEWS = [
    "",
    f"d={THANET}",
    "v={division}",
    "m=hotspots",
    "m=change",
    "m=emerging",
    f"d={THANET}&m=change",
    "layer=lines&layer=ports",
    "res=10",
    f"d={THANET}&res=9",
    "theme=modern_slavery",
    "cat=Possession of weapons&theme=none&from=2018-10&to=2018-12",
    "from=2026-10&to=2026-10",
    f"d={THANET}&from=2026-09&to=2026-10&theme=knife_crime",
    "cell={cell}&v={division}",
]


@pytest.fixture(scope="module")
def app(dashboard_store):
    return create_app(Store(dashboard_store.db_path), dashboard_store)


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def facts(dashboard_store):
    store = Store(dashboard_store.db_path)
    ids = {
        r[0]
        for r in store.fetch_rows("SELECT incident_id FROM incidents WHERE incident_id IS NOT NULL")
    }
    division, cell = store.fetch_rows(
        "SELECT division, cell FROM incidents WHERE division IS NOT NULL AND district = ? LIMIT 1",
        [THANET],
    )[0]
    store.close()
    return {"ids": ids, "division": division, "cell": h3i.int_to_str(h3i.cell_to_parent(cell, 8))}


def _payload(app, query: str, which: str) -> dict:
    for key, spec in app.callback_map.items():
        if which in key:
            outputs = [
                {"id": o.split(".")[0], "property": o.split(".")[1]}
                for o in key.strip(".").split("...")
            ]
            outputs = [{"id": o["id"], "property": o["property"].split("@")[0]} for o in outputs]
            if which == "url.search":
                inputs = [
                    {
                        "id": i["id"],
                        "property": i["property"],
                        "value": query
                        if i["id"] == "url"
                        else ([] if i["id"].startswith("{") else None),
                    }
                    for i in spec["inputs"]
                ]
                state = [
                    {"id": s["id"], "property": s["property"], "value": None} for s in spec["state"]
                ]
                changed = ["url.search"]
            else:
                inputs = [{"id": "view-state", "property": "data", "value": query}]
                state, changed = [], ["view-state.data"]
            if not key.startswith(".."):
                outputs = outputs[0]  # a single output is sent as one object, not a list
            return {
                "output": key,
                "outputs": outputs,
                "inputs": inputs,
                "changedPropIds": changed,
                "state": state,
            }
    raise KeyError(which)


def _call(client, app, query: str, which: str, prefix: str = "/"):
    return client.post(f"{prefix}_dash-update-component", json=_payload(app, query, which))


def _views(facts) -> list[str]:
    return ["?" + v.format(**facts) for v in VIEWS]


def test_every_public_callback_keeps_small_counts_records_and_points_out(app, client, facts):
    k = app.server.config.get("SOCMAP_K", 5)
    for query in _views(facts):
        synced = _call(client, app, query, "url.search")
        assert synced.status_code == 200, query
        canonical = synced.get_json()["response"]["view-state"]["data"]
        for which in _render_callbacks(app):
            response = _call(client, app, canonical, which)
            assert response.status_code == 200, (query, which)
            body = response.get_data(as_text=True)
            _no_small_counts(json.loads(body), k, query)
            _no_records(body, facts["ids"], query)
            _only_public_points(json.loads(body), query)


def _render_callbacks(app) -> list[str]:
    """Every callback the view state alone drives (all but navigation and downloads; the
    downloads are checked in tests/test_dashboard_downloads.py and test_export_public.py)."""
    keys = [
        k
        for k, spec in app.callback_map.items()
        if [i["id"] for i in spec["inputs"]] == ["view-state"]
    ]
    assert len(keys) >= 3
    return [k.strip(".").split("...")[0] for k in keys]


def _no_small_counts(data: dict, k: int, query: str) -> None:
    out = data["response"]
    figure = out.get("map", {}).get("figure")
    if figure:
        for trace in figure["data"]:
            for text in trace.get("text") or []:
                for n in re.findall(r"(?:Incidents|events|lines): ([0-9,]+)", text or ""):
                    assert not 1 <= int(n.replace(",", "")) < k, (query, text)
    for cell in _cells(out.get("panel-totals", {}).get("children")):
        if re.fullmatch(r"[0-9,]+", cell):
            assert not 1 <= int(cell.replace(",", "")) < k, (query, cell)
    trend = out.get("panel-trend", {}).get("figure")
    if trend:
        for trace in trend["data"]:
            assert all(y is None or y == 0 or y >= k for y in trace["y"]), query
    for part in ("panel-top-areas", "panel-top-cells"):
        for text in _cells(out.get(part, {}).get("children")):
            for n in re.findall(r": ([0-9,]+)\b", text):
                assert not 1 <= int(n.replace(",", "")) < k, (query, text)


def _cells(node) -> list[str]:
    """Every text leaf of a serialised Dash component tree."""
    if node is None:
        return []
    if isinstance(node, str | int | float):
        return [str(node)]
    if isinstance(node, list):
        return [t for child in node for t in _cells(child)]
    if isinstance(node, dict):
        return _cells(node.get("props", {}).get("children"))
    return []


def _no_records(body: str, ids: set[str], query: str) -> None:
    words = set(re.findall(r"[A-Za-z0-9:_-]{6,}", body))
    assert not words & ids, query


def _only_public_points(data: dict, query: str) -> None:
    figure = data["response"].get("map", {}).get("figure")
    if not figure:
        return
    for trace in figure["data"]:
        if trace["type"] != "scattermap" or trace.get("hoverinfo") == "skip":
            continue  # boundary lines are public geometry, not places of incidents
        for lon, lat in zip(trace["lon"], trace["lat"], strict=True):
            if lon is None:
                continue
            centre = h3i.cell_to_latlng(h3i.latlng_to_cell(lat, lon, 8))
            assert (round(centre[1], 5), round(centre[0], 5)) == (lon, lat), query


def test_restricted_callbacks_refuse_without_an_analyst(app, client, dashboard_store, facts):
    payload = _payload(app, f"?d={THANET}", "map.figure")
    assert client.post("/restricted/_dash-update-component", json=payload).status_code == 401
    assert client.get("/restricted/_dash-layout").status_code == 401
    assert client.get("/restricted/").status_code == 302
    accounts = Accounts.from_settings(dashboard_store)
    if accounts.get_user("viewer1") is None:
        accounts.add_user("viewer1", "viewer", "viewer1-password", by="test", client="test")
    viewer = app.server.test_client()
    login = viewer.get("/login")
    token = re.search(r"name='csrf' value='([^']+)'", login.get_data(as_text=True)).group(1)
    viewer.post(
        "/login",
        data={"name": "viewer1", "password": "viewer1-password", "csrf": token, "next": "/"},
    )
    assert viewer.post("/restricted/_dash-update-component", json=payload).status_code == 403
    assert viewer.post("/_dash-update-component", json=payload).status_code == 200


def test_a_wrong_password_is_refused_and_repeated_failures_are_slowed(app, dashboard_store):
    accounts = Accounts.from_settings(dashboard_store)
    if accounts.get_user("target") is None:
        accounts.add_user("target", "analyst", "right-password-1", by="test", client="test")
    c = app.server.test_client()
    c.environ_base["REMOTE_ADDR"] = "192.0.2.7"  # its own address, so its lockout is its own
    token = re.search(r"name='csrf' value='([^']+)'", c.get("/login").get_data(as_text=True)).group(
        1
    )
    codes = [
        c.post(
            "/login", data={"name": "target", "password": f"wrong{i}", "csrf": token, "next": "/"}
        ).status_code
        for i in range(8)
    ]
    assert codes[0] == 401
    assert 429 in codes
    assert c.get("/restricted/_dash-layout").status_code == 401
    no_token = c.post("/login", data={"name": "target", "password": "right-password-1"})
    assert no_token.status_code == 400


def test_the_checks_catch_what_the_restricted_view_shows(app, dashboard_store, facts):
    """The same checks on the restricted view (exact counts, ids) must fail: they can fail."""
    accounts = Accounts.from_settings(dashboard_store)
    if accounts.get_user("analyst1") is None:
        accounts.add_user("analyst1", "analyst", "analyst1-password", by="test", client="test")
    c = app.server.test_client()
    token = re.search(r"name='csrf' value='([^']+)'", c.get("/login").get_data(as_text=True)).group(
        1
    )
    c.post(
        "/login",
        data={
            "name": "analyst1",
            "password": "analyst1-password",
            "csrf": token,
            "next": "/restricted/",
        },
    )
    query = "?v={division}&cell={cell}&from=2024-11&to=2026-10".format(**facts)
    synced = _call(c, app, query, "url.search", prefix="/restricted/").get_json()
    canonical = synced["response"]["view-state"]["data"]
    fig = _call(c, app, canonical, "map.figure", prefix="/restricted/")
    panel = _call(c, app, canonical, "panel-title.children", prefix="/restricted/")
    with pytest.raises(AssertionError):
        _no_small_counts(json.loads(fig.get_data(as_text=True)), 5, query)
    with pytest.raises(AssertionError):
        _no_records(panel.get_data(as_text=True), facts["ids"], query)
