"""The basemap in the browser (issue 18): land, sea, water, coast and railways under the
hexagons and place names over them, at the county, a district, a division and Medway, with
the attribution on the map; a click in Medway in a real browser. Screenshots of each (and of
the public and analyst trend charts) go to $SOCMAP_TEST_ARTIFACTS for people to look at."""

from __future__ import annotations

import re

import pytest

from tests.support import basemap_pages as _pages
from tests.support.browser import artifacts, click_piece, inner_piece, map_data, wait_settled

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]

THANET, MEDWAY, MARGATE_CENTRAL = "E07000114", "E06000035", None
PERIOD, WAIT = _pages.PERIOD, _pages.WAIT
LABELS_JS = "() => [...document.querySelectorAll('#map .socmap-label')].map(e => e.textContent)"
ATTRIBUTION_JS = (
    "() => [...document.querySelectorAll('#map .annotation-text')]"
    ".map(e => e.textContent).join(' ')"
)


context_store, server = (
    _pages.context_store,
    _pages.server,
)


def _labels(pg) -> list[str]:
    pg.wait_for_function(f"({LABELS_JS})().length > 0", timeout=WAIT)
    return pg.evaluate(LABELS_JS)


def _layers(pg) -> list[str]:
    """The basemap's MapLibre layers drawn, by their GeoJSON type and colour."""
    return pg.evaluate(
        "() => { const gd = document.querySelector('#map .js-plotly-plot');"
        " return (gd.layout.map.layers || []).map(l => l.type + ' ' + l.color); }"
    )


def _shot(pg, name: str) -> None:
    pg.wait_for_timeout(600)
    pg.locator("#map").screenshot(path=str(artifacts() / f"basemap-{name}.png"))


def test_the_county_map_has_a_light_basemap_named_towns_and_its_attribution(server, page):
    page.goto(f"{server}/?{PERIOD}")
    map_data(page)
    labels = _labels(page)
    assert {"Maidstone", "Canterbury"} <= set(labels), labels
    # Places beyond the county are there to orient by, drawn quieter.
    beyond = page.evaluate(
        "() => [...document.querySelectorAll('#map .socmap-label.beyond')].map(e => e.textContent)"
    )
    assert beyond and "Maidstone" not in beyond and set(beyond) <= set(labels), beyond
    # County level: cities and towns only (OS settlement classes), no village.
    assert "Wye" not in labels and "Boughton under Blean" not in labels
    layers = _layers(page)
    assert any(kind.startswith("fill") for kind in layers) and len(layers) >= 4, layers
    credit = page.evaluate(ATTRIBUTION_JS)
    assert "OpenStreetMap contributors" in credit and "Network Rail" in credit, credit
    assert "Contains OS data" in credit
    _shot(page, "county")


def test_a_district_and_a_division_show_more_names(server, page):
    page.goto(f"{server}/?d={THANET}&{PERIOD}")
    map_data(page)
    district = _labels(page)
    assert {"Margate", "Ramsgate", "Broadstairs"} <= set(district), district
    _shot(page, "district-thanet")
    piece = inner_piece(map_data(page)["pieces"], district=THANET)
    click_piece(page, piece)
    page.wait_for_url("**v=E58*", timeout=WAIT)
    wait_settled(page)
    map_data(page)
    division = _labels(page)
    assert division, "no place name on the division map"
    _shot(page, "division")


@pytest.mark.parametrize("audience", ["public", "analyst"])
def test_medway_has_its_towns_and_a_click_shows_the_hexagon(server, page, audience):
    if audience == "analyst":
        page.goto(f"{server}/login?next=/restricted/")
        page.fill("input[name=name]", "ana")
        page.fill("input[name=password]", "ana-password-123")
        page.click("button[type=submit]")
        page.wait_for_url("**/restricted/**", timeout=WAIT)
        base = f"{server}/restricted/"
    else:
        base = f"{server}/"
    page.goto(f"{base}?d={MEDWAY}&{PERIOD}")
    pieces = map_data(page)["pieces"]
    labels = _labels(page)
    assert {"Gillingham", "Chatham", "Rochester"} <= set(labels), labels
    _shot(page, f"medway-{audience}")
    # The analyst clicks the busiest hexagon (its incident list is checked below).
    counted = [
        (int(m.group(1)), p) for p in pieces if (m := re.search(r"Incidents: (\d+)", p["text"]))
    ]
    busiest = max(counted, key=lambda t: t[0])[1] if audience == "analyst" and counted else None
    click_piece(page, busiest or inner_piece(pieces, district=MEDWAY))
    page.wait_for_url("**cell=*", timeout=WAIT)
    wait_settled(page)
    detail = page.locator("#panel-cell-detail")
    detail.wait_for(timeout=WAIT)
    assert "Incidents in this hexagon in the period" in detail.inner_text()
    if audience == "analyst":
        # The incident list fits the panel: short ids, the whole id on hover and in the cell.
        ids_shown = page.locator("#panel-cell-detail .incident-id span[title]")
        assert ids_shown.count() > 0
        for i in range(ids_shown.count()):
            shown = ids_shown.nth(i)
            full, text = shown.get_attribute("title"), shown.inner_text()
            assert text == (full if len(full) <= 11 else full[:10] + "…"), (text, full)
        widths = page.evaluate(
            "() => { const p = document.querySelector('#panel');"
            " const t = document.querySelector('#panel-cell-detail table:last-of-type');"
            " return [t.getBoundingClientRect().right, p.getBoundingClientRect().right]; }"
        )
        assert widths[0] <= widths[1] + 1, widths
    detail.scroll_into_view_if_needed()
    detail.screenshot(path=str(artifacts() / f"cell-detail-{audience}.png"))
    # The chart with its key (page text under it).
    page.locator("#panel-trend-legend").scroll_into_view_if_needed()
    top = page.locator("#panel-trend").bounding_box()
    key = page.locator("#panel-trend-legend").bounding_box()
    clip = {"x": top["x"], "y": top["y"], "width": top["width"],
            "height": key["y"] + key["height"] - top["y"]}  # fmt: skip
    page.screenshot(path=str(artifacts() / f"trend-{audience}.png"), clip=clip)
    page.screenshot(path=str(artifacts() / f"medway-click-{audience}.png"), full_page=True)


def test_typing_a_postcode_goes_to_its_division_and_marks_it(server, page):
    page.goto(f"{server}/?{PERIOD}")
    map_data(page)
    page.click("#area-picker")
    page.keyboard.type("CT9 1", delay=40)
    option = page.get_by_role("option", name=re.compile("^CT9 1: postcode sector"))
    option.wait_for(timeout=WAIT)
    option.click()
    page.wait_for_url("**place=CT9*", timeout=WAIT)
    wait_settled(page)
    map_data(page)
    page.wait_for_selector("#map .socmap-label.mark", timeout=WAIT)
    assert page.locator("#map .socmap-label.mark").inner_text() == "CT9 1"
    assert "Place searched: CT9 1" in page.locator("#map-legend").inner_text()
    _shot(page, "place-search-ct9-1")
