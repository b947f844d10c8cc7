"""Every click works everywhere (issue 18): in each of the 13 districts, public and analyst,
a click on a hexagon of the county map opens its district, one in the district opens its
division (in Medway, which has no divisions, the hexagon's detail), and one in the division
shows the hexagon's detail. Driven through the HTTP callbacks exactly as the browser sends
them: the click's ``customdata`` is taken from the figure the server drew."""

from __future__ import annotations

import re

import pytest

from dashboard import ids
from dashboard.app import create_app
from geo.accounts import Accounts
from geo.store import Store
from geo.store.queries import areas as area_queries
from tests.support.callbacks_http import Browser
from tests.support.signin import sign_in

pytestmark = pytest.mark.shared_data

PASSWORD = "a long enough password for clicks"


@pytest.fixture(scope="module")
def app(dashboard_store):
    accounts = Accounts.from_settings(dashboard_store)
    if "clicker" not in {u.name for u in accounts.list_users()}:
        accounts.add_user("clicker", "analyst", PASSWORD, by="test", client="t")
    return create_app(Store(dashboard_store.db_path), dashboard_store)


@pytest.fixture(scope="module")
def districts(dashboard_store) -> dict[str, str]:
    store = Store(dashboard_store.db_path)
    try:
        return {a.code: a.name for a in area_queries.areas(store, ("district",))}
    finally:
        store.close()


def _signed_in(app):
    return sign_in(app.server.test_client(), "clicker", PASSWORD)


def _param(state: str, key: str) -> str | None:
    found = re.search(rf"[?&]{key}=([^&]+)", state)
    return found.group(1) if found else None


@pytest.mark.parametrize("audience", ["public", "analyst"])
def test_a_click_works_in_every_district(app, districts, audience):
    if audience == "public":
        browser = Browser(app.server.test_client(), "/")
    else:
        browser = Browser(_signed_in(app), "/restricted/")
    assert len(districts) == 13
    county = browser.open("?theme=county_lines")
    pieces = browser.hexagons(county, merged=True)
    clicked: dict[str, str] = {}
    for code, name in sorted(districts.items()):
        piece = next((c for c in pieces if c[2] == code), None)
        assert piece is not None, f"no hexagon of {name} on the county map"
        district = browser.click(county, piece)
        assert _param(district, "d") == code and _param(district, "v") is None, (name, district)
        inner = browser.hexagons(district)
        assert inner, f"{name}: no hexagon drawn at district level"
        piece = inner[len(inner) // 2]
        after = browser.click(district, piece)
        if piece[1] in (code, ""):  # a district without divisions: the hexagon's detail
            leaf = after
            assert _param(leaf, "cell") == piece[0], (name, after)
        else:
            assert _param(after, "v") == piece[1] and _param(after, "d") == code, (name, after)
            cells = browser.hexagons(after)
            assert cells, f"{name}: no hexagon drawn in division {piece[1]}"
            leaf = browser.click(after, cells[0])
            assert _param(leaf, "cell") == cells[0][0], (name, leaf)
        detail = browser.render(leaf, f"{ids.CELL_DETAIL}.children")[ids.CELL_DETAIL]["children"]
        text = str(detail)
        assert "Incidents in this hexagon in the period" in text, (name, text[:300])
        assert (
            piece[0] in text or cells[0][0] in text
            if piece[1] not in (code, "")
            else piece[0] in text
        )
        clicked[code] = leaf
    assert set(clicked) == set(districts)
    # Medway is the district without divisions: its click stays at district level.
    medway = next(c for c, n in districts.items() if n == "Medway")
    assert _param(clicked[medway], "v") is None
