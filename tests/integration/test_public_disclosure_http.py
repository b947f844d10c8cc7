"""Every public callback, called over HTTP as the browser calls it, for many views of a store
full of small counts: no response may carry a count from 1 to k-1, an incident id, or a
point finer than a public hexagon centre. And no restricted callback answers without an
analyst's session."""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import parse_qs

import h3.api.basic_int as h3i
import pytest

from dashboard.app import create_app
from geo.accounts import Accounts
from geo.filters import add_months, months_between, parse_month
from geo.store import Store
from geo.store.queries.ports import port_rows
from tests.support.count_check import counts_in_text, rendered_counts, small_counts
from tests.support.dashclient import callback_body

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
        "SELECT division, cell_8 FROM incidents WHERE division IS NOT NULL AND district = ? "
        "LIMIT 1",
        [THANET],
    )[0]
    ports = {(round(r[5], 5), round(r[4], 5)) for r in port_rows(store)}
    store.close()
    return {"ids": ids, "division": division, "cell": h3i.int_to_str(cell), "ports": ports}


def _payload(client, query: str, which: str, prefix: str = "/") -> dict:
    """The request the browser sends for the callback whose outputs include ``which``,
    built from the app's own ``_dash-dependencies`` (as the browser builds it)."""
    return callback_body(client.get(f"{prefix}_dash-dependencies").get_json(), query, which)


def _call(client, app, query: str, which: str, prefix: str = "/"):
    return client.post(
        f"{prefix}_dash-update-component", json=_payload(client, query, which, prefix)
    )


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
            _only_public_points(json.loads(body), query, facts["ports"])


def _render_callbacks(app) -> list[str]:
    """Every callback the view state alone drives (all but navigation and downloads; the
    downloads are checked in tests/integration/test_dashboard_downloads.py and
    test_export_public.py)."""
    keys = [
        k
        for k, spec in app.callback_map.items()
        if [i["id"] for i in spec["inputs"]] == ["view-state"]
    ]
    assert len(keys) >= 3
    return [k.strip(".").split("...")[0] for k in keys]


def _no_small_counts(data: dict, k: int, query: str) -> None:
    """No count from 1 to k-1 anywhere in the response: map hovers (incidents, change,
    lines, port events), the panel's totals, tables, hot spot summary, hexagon detail,
    busiest lists and trend (see tests/support/count_check.py)."""
    found = small_counts(data["response"], k)
    assert not found, (query, found[:5])


def _no_records(body: str, ids: set[str], query: str) -> None:
    words = set(re.findall(r"[A-Za-z0-9:_-]{6,}", body))
    assert not words & ids, query


def _only_public_points(data: dict, query: str, ports: set) -> None:
    """Every point drawn is a public hexagon's centre, or a port where the ports register
    puts it (public geometry: the layer draws every port, whatever the incidents)."""
    figure = data["response"].get("map", {}).get("figure")
    if not figure:
        return
    for trace in figure["data"]:
        if trace["type"] != "scattermap" or trace.get("hoverinfo") == "skip":
            continue  # boundary lines are public geometry, not places of incidents
        for lon, lat in zip(trace["lon"], trace["lat"], strict=True):
            if lon is None or (lon, lat) in ports:
                continue
            centre = h3i.cell_to_latlng(h3i.latlng_to_cell(lat, lon, 8))
            assert (round(centre[1], 5), round(centre[0], 5)) == (lon, lat), query


def test_restricted_callbacks_refuse_without_an_analyst(app, client, dashboard_store, facts):
    payload = _payload(client, f"?d={THANET}", "map.figure")
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


# The auditor's attacks: pairs of public requests that differ by a month, a theme, a proxy
# category or a source. Each pair must come back as the same figures, or as figures for
# disjoint (period block, theme) pairs, never as two overlapping filters.
ATTACKS = [
    ("from=2025-12&to=2026-11", "from=2026-01&to=2026-11"),  # 12 months less 11
    ("from=2026-07&to=2026-09", "from=2026-08&to=2026-09"),  # a quarter less its first month
    ("from=2026-04&to=2026-09", "from=2026-04&to=2026-06"),  # two quarters less one
    ("from=2026-09&to=2026-09", "from=2026-04&to=2026-09"),  # one month against six
    (
        "theme=knife_crime&theme=county_lines&theme=port_events",
        "theme=county_lines&theme=port_events",
    ),  # all themes less all but one
    ("theme=knife_crime", "cat=Possession of weapons&theme=none"),  # a theme less its proxy
    ("", "src=police-uk"),  # every source less one
    ("", "src=synthetic-demo&theme=knife_crime"),
]


def _shown(client, app, query: str) -> tuple[str, dict]:
    """The canonical public state a request is shown as, and the counts its map and panel
    render: each hexagon piece's, and the panel's (totals and restricted-category table)."""
    synced = _call(client, app, "?" + query, "url.search").get_json()
    canonical = synced["response"]["view-state"]["data"]
    fig = _call(client, app, canonical, "map.figure").get_json()["response"]["map"]["figure"]
    pieces = {
        (custom[0], custom[1]): counts_in_text(text)
        for trace in fig["data"]
        if trace["type"] == "choroplethmap"
        for custom, text in zip(trace["customdata"], trace["text"], strict=True)
    }
    panel = _call(client, app, canonical, "panel-title.children").get_json()["response"]
    return canonical, {"pieces": pieces, "panel": rendered_counts(panel)}


def _pair(canonical: str) -> tuple[frozenset[date], str]:
    """The (months, theme) of a canonical public state: one theme and a whole quarter."""
    q = parse_qs(canonical.lstrip("?"))
    assert len(q["theme"]) == 1 and "cat" not in q and "src" not in q, canonical
    first, last = parse_month(q["from"][0]), parse_month(q["to"][0])
    assert months_between(first, last) == 3 and first.month in (1, 4, 7, 10), canonical
    return frozenset(add_months(first, i) for i in range(3)), q["theme"][0]


@pytest.mark.parametrize(("a", "b"), ATTACKS)
def test_differencing_two_public_views_gives_nothing_new(app, client, a, b):
    (sa, fa), (sb, fb) = _shown(client, app, a), _shown(client, app, b)
    (months_a, theme_a), (months_b, theme_b) = _pair(sa), _pair(sb)
    if (months_a, theme_a) == (months_b, theme_b):
        assert sa == sb and fa == fb, (a, b)  # the same figures: every difference is 0
        return
    # Otherwise two disjoint filters (every category feeds one theme): no difference of
    # their figures is a count of anything.
    assert months_a.isdisjoint(months_b) or theme_a != theme_b, (sa, sb)


def test_the_attack_works_on_the_restricted_view(app, dashboard_store):
    """The same pair on the restricted view (free periods) differs: the test can fail."""
    accounts = Accounts.from_settings(dashboard_store)
    if accounts.get_user("analyst2") is None:
        accounts.add_user("analyst2", "analyst", "analyst2-password", by="test", client="test")
    c = app.server.test_client()
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r"name='csrf' value='([^']+)'", page).group(1)
    c.post("/login", data={"name": "analyst2", "password": "analyst2-password", "csrf": token,
                           "next": "/restricted/"})  # fmt: skip
    states = []
    for query in ATTACKS[0]:
        synced = _call(c, app, "?" + query, "url.search", prefix="/restricted/").get_json()
        states.append(synced["response"]["view-state"]["data"])
    assert states[0] != states[1]
    counts = [
        rendered_counts(
            _call(c, app, s, "panel-title.children", prefix="/restricted/").get_json()["response"]
        )
        for s in states
    ]
    assert counts[0] != counts[1]
