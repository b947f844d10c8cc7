"""The dashboard in Debian's Chromium, driven by Playwright, against ``socmap serve``.

Screenshots of each step are saved in $SOCMAP_TEST_ARTIFACTS for people to look at.
"""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from dashboard import ids
from geo.accounts import Accounts
from tests.support.browser import (
    MAP_DATA_JS,
    artifacts,
    click_piece,
    click_piece_until,
    inner_piece,
    map_data,
    require_chromium,
    wait_settled,
)
from tests.support.browser import served as serve

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]

THANET = "E07000114"
PERIOD = "from=2025-11&to=2026-10"
WAIT = 30_000


@pytest.fixture(scope="module")
def server(dashboard_store):
    require_chromium()
    accounts = Accounts.from_settings(dashboard_store)
    for name, role in (("ana", "analyst"), ("vic", "viewer")):
        if accounts.get_user(name) is None:
            accounts.add_user(name, role, f"{name}-password-123", by="test", client="test")
    with serve(dashboard_store.db_path) as base:
        yield base


def _slider_labels_fit(pg) -> None:
    """The period slider's labels lie inside the filters column and do not overlap."""
    marks = pg.evaluate(
        "() => [...document.querySelectorAll('#filter-period .dash-slider-mark')]"
        ".map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent, r.left, r.right]; })"
    )
    column = pg.evaluate(
        "() => { const r = document.querySelector('.filters').getBoundingClientRect();"
        " return [r.left, r.right]; }"
    )
    assert len(marks) >= 2 and marks[0][0] == "Oct 2018" and marks[-1][0] == "Oct 2026", marks
    marks.sort(key=lambda m: m[1])
    assert column[0] <= marks[0][1] and marks[-1][2] <= column[1] - 10, (column, marks)
    for (_, _, right), (_, left, _) in itertools.pairwise(marks):
        assert right + 4 <= left, marks


def test_the_map_draws_hexagons_and_a_filter_changes_them(server, page):
    page.goto(f"{server}/?{PERIOD}")
    before = map_data(page)
    # Part 1 draws its one size, resolution 8, at county level too: thousands of hexagons,
    # each area's alike ones sent as one feature (a MultiPolygon of them).
    hexagons = sum(
        len(p["geometry"]["coordinates"]) if p["geometry"]["type"] == "MultiPolygon" else 1
        for p in before["pieces"]
    )
    assert hexagons > 5000 and len(before["pieces"]) > 50
    page.screenshot(path=str(artifacts() / "county-knife-crime.png"), full_page=True)
    page.locator("#filter-themes input[value=county_lines]").click()
    page.wait_for_function("location.search.includes('theme=county_lines')", timeout=WAIT)
    assert "knife_crime" not in page.url  # one theme at a time
    old = "|".join(p["text"] for p in before["pieces"])
    # The map is redrawn with other counts: its hover texts change.
    page.wait_for_function(
        f"(old) => ({MAP_DATA_JS})().pieces.map(p => p.text).join('|') !== old",
        arg=old,
        timeout=WAIT,
    )
    page.screenshot(path=str(artifacts() / "county-county-lines.png"), full_page=True)


def test_public_controls_offer_one_theme_and_whole_published_quarters(server, page):
    # An old link with a free range, a category and a source opens as the public view it
    # shows: the quarter holding its end month (October 2026 is not a complete quarter, so
    # the latest complete one), the category's theme, every source.
    page.goto(f"{server}/?{PERIOD}&cat=Drugs&src=police-uk")
    page.wait_for_function("location.search.includes('from=2026-07')", timeout=WAIT)
    assert "theme=county_lines" in page.url and "to=2026-09" in page.url
    assert "cat=" not in page.url and "src=" not in page.url
    map_data(page)
    assert page.locator("#filter-categories").count() == 0
    assert page.locator("#filter-sources").count() == 0
    assert page.locator("#filter-themes input[type=radio]").count() == 3
    assert page.locator("#filter-themes input[value=modern_slavery]").count() == 0
    expect(page.locator("#filter-period")).to_contain_text("Q2 2026/27: Jul–Sep 2026")
    expect(page.locator("#panel-title")).to_contain_text("Q2 2026/27 (July to September 2026)")
    page.locator("#filter-period").click()
    page.get_by_role("option", name="Q4 2025/26: Jan–Mar 2026").click()
    page.wait_for_function("location.search.includes('from=2026-01')", timeout=WAIT)
    assert "to=2026-03" in page.url
    expect(page.locator("#panel-title")).to_contain_text("Q4 2025/26 (January to March 2026)")
    page.screenshot(path=str(artifacts() / "public-block-picker.png"), full_page=True)
    # Playback steps block by block; its label and the panel name the same block.
    page.locator("#filter-play").click()
    page.wait_for_function("location.search.includes('from=2026-04')", timeout=WAIT)
    expect(page.locator("#filter-play")).to_have_text("Stop playback")
    page.locator("#filter-play").click()
    expect(page.locator("#filter-play")).to_have_text("Play block by block", timeout=WAIT)
    wait_settled(page)
    shown = page.locator("#filter-period-label").inner_text().removeprefix("Shown: ")
    expect(page.locator("#panel-title")).to_contain_text(shown, timeout=WAIT)


def test_clicks_drill_down_and_the_breadcrumb_and_panel_follow(server, page):
    page.goto(f"{server}/?{PERIOD}")
    click_piece(page, inner_piece(map_data(page)["pieces"], district=THANET))
    page.wait_for_url(re.compile(f"d={THANET}"), timeout=WAIT)
    wait_settled(page)
    crumbs = page.locator("#breadcrumb")
    expect(crumbs.locator(".crumb-current")).to_have_text("Thanet", timeout=WAIT)
    expect(page.locator("#panel-title")).to_contain_text("Thanet", timeout=WAIT)
    page.screenshot(path=str(artifacts() / "district-thanet.png"), full_page=True)
    pieces = map_data(page)["pieces"]
    assert {p["custom"][2] for p in pieces} == {THANET}
    target = inner_piece(pieces, district=THANET)
    click_piece(page, target)
    page.wait_for_url(re.compile(f"v={target['custom'][1]}"), timeout=WAIT)
    expect(crumbs.locator(".crumb")).to_have_count(2, timeout=WAIT)
    names = crumbs.inner_text().replace("\n", " ").split(">")
    assert [n.strip() for n in names[:2]] == ["Kent and Medway", "Thanet"]
    assert len(names) == 3
    expect(page.locator("#panel-title")).to_contain_text(names[2].strip(), timeout=WAIT)
    page.screenshot(path=str(artifacts() / "division.png"), full_page=True)
    # The public trend chart of a division is a note, and the whole note shows.
    note = page.locator(f"#{ids.TREND} .annotation")
    expect(note).to_contain_text("for the county and districts only", timeout=WAIT)
    inner, outer = note.bounding_box(), page.locator(f"#{ids.TREND}").bounding_box()
    assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
    page.get_by_role("button", name="Kent and Medway").click()
    page.wait_for_function("!location.search.includes('d=')", timeout=WAIT)


def test_a_shared_link_restores_the_view(server, page):
    url = f"{server}/?d={THANET}&theme=knife_crime&m=hotspots&{PERIOD}"
    page.goto(url)
    map_data(page)
    expect(page.locator("#breadcrumb .crumb-current")).to_have_text("Thanet", timeout=WAIT)
    assert page.locator("#filter-measure input[value=hotspots]").is_checked()
    assert page.locator("#filter-themes input[value=knife_crime]").is_checked()
    assert not page.locator("#filter-themes input[value=county_lines]").is_checked()
    assert "Q2 2026/27" in page.locator("#filter-period-label").inner_text()
    legend = page.locator("#map-legend").inner_text()
    assert "Gi* hot and cold spots" in legend


def test_restricted_view_needs_an_analyst(server, page):
    page.goto(f"{server}/restricted/?d={THANET}&{PERIOD}")
    assert "/login" in page.url
    expect(page.locator(".banner").first).to_contain_text("OFFICIAL")
    expect(page.get_by_role("link", name="Back to the public view (Part 1)").first).to_be_visible()
    page.screenshot(path=str(artifacts() / "sign-in.png"), full_page=True)
    page.fill("#name", "vic")
    page.fill("#password", "vic-password-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r":\d+/$"), timeout=WAIT)  # a viewer lands on the public view
    map_data(page)
    assert "vic (viewer)" in page.locator("#user-menu").inner_text()
    assert page.request.get(f"{server}/restricted/_dash-layout").status == 403
    assert page.request.get(f"{server}/restricted/").status == 403


def test_an_analyst_sees_exact_counts_and_the_public_only_suppressed_ones(server, page):
    division = "?v={}&" + PERIOD
    page.goto(f"{server}/login?next=/restricted/")
    page.fill("#name", "ana")
    page.fill("#password", "ana-password-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile("/restricted/"), timeout=WAIT)
    pieces = map_data(page)["pieces"]
    _slider_labels_fit(page)
    code = inner_piece(pieces, district=THANET)["custom"][1]
    page.goto(f"{server}/restricted/" + division.format(code))
    wait_settled(page)
    exact = map_data(page)
    assert "OFFICIAL-SENSITIVE" in page.locator("#banner-top").inner_text()
    small = [p for p in exact["pieces"] if re.search(r"Incidents: [1-4]<", p["text"] + "<")]
    assert small, "a division of demo data has some hexagons with 1 to 4 incidents"
    page.screenshot(path=str(artifacts() / "restricted-division.png"), full_page=True)
    page.locator("#filter-play").click()  # playback names a month as the panel does
    page.wait_for_function("/from=(\\d{4}-\\d{2})&to=\\1/.test(location.search)", timeout=WAIT)
    page.locator("#filter-play").click()
    expect(page.locator("#filter-play")).to_have_text("Play month by month", timeout=WAIT)
    wait_settled(page)
    label = page.locator("#filter-period-label").inner_text()
    assert re.fullmatch(r"[A-Z][a-z]+ \d{4}", label), label
    expect(page.locator("#panel-title")).to_contain_text(label, timeout=WAIT)
    page.goto(f"{server}/" + division.format(code))
    wait_settled(page)
    public = map_data(page)
    texts = " ".join(p["text"] for p in public["pieces"])
    assert not re.search(r"Incidents: [1-4]\b", texts)
    assert "fewer than 5" in texts or "not shown separately" in texts
    assert "OFFICIAL: Part 1" in page.locator("#banner-top").inner_text()
    page.screenshot(path=str(artifacts() / "public-division.png"), full_page=True)


FITS_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const b = map.getBounds();
  const [x0, y0, x1, y1] = gd.layout.meta.bounds;
  return {view: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], area: [x0, y0, x1, y1]};
}"""


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)])
@pytest.mark.parametrize("query", ["", f"d={THANET}&"])
def test_the_map_fits_its_area_at_any_window_size(server, browser, size, query):
    """The whole area (Kent with Thanet's east coast, or one district) is inside the visible
    map, whatever the window's size: the zoom is fitted in the page, not fixed."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    pg = context.new_page()
    try:
        pg.goto(f"{server}/?{query}{PERIOD}")
        map_data(pg)
        wait_settled(pg)
        pg.wait_for_timeout(800)  # MapLibre moves to the fitted view
        got = pg.evaluate(FITS_JS)
        pg.screenshot(path=str(artifacts() / f"fit-{size[0]}x{size[1]}-{query[:1] or 'k'}.png"))
    finally:
        context.close()
    (w, s, e, n), (x0, y0, x1, y1) = got["view"], got["area"]
    assert w <= x0 and e >= x1 and s <= y0 and n >= y1, got
    # Fitted, not merely zoomed far out: the area fills most of the map's width or height.
    assert (x1 - x0) / (e - w) > 0.7 or (y1 - y0) / (n - s) > 0.7, got


def test_a_period_preset_sets_the_map_period_and_the_link(server, page):
    """Quick periods, chosen by keyboard alone: the public view snaps a financial year to
    the published quarter holding its end and says so; an analyst's "last 6 months" is six
    months; a year reaching before the first loaded month says what it covers."""

    focused = "(document.activeElement.closest('.dash-dropdown-option') || {}).textContent || ''"

    def choose(label: str) -> None:
        page.locator(f"#{ids.PERIOD_PRESET}").focus()
        page.keyboard.press("Enter")
        page.get_by_role("option", name=label, exact=False).first.wait_for(timeout=WAIT)
        page.keyboard.press("ArrowDown")  # into the list
        page.wait_for_function(f"({focused}) !== ''", timeout=WAIT)
        # Down the list to the option, then Enter: no mouse. Each key press is waited for
        # (the focus moves a frame later), so the option is never passed by.
        for _ in range(20):
            now = page.evaluate(focused)
            if label in now:
                break
            page.keyboard.press("ArrowDown")
            page.wait_for_function(f"(old) => ({focused}) !== old", arg=now, timeout=WAIT)
        page.keyboard.press("Enter")

    page.goto(f"{server}/?{PERIOD}")
    map_data(page)
    choose("Financial year 2025/26")
    page.wait_for_function("location.search.includes('from=2026-01')", timeout=WAIT)
    assert "to=2026-03" in page.url
    label = page.locator(f"#{ids.PERIOD_LABEL}")
    expect(label).to_contain_text("Asked for April 2025 to March 2026", timeout=WAIT)
    expect(label).to_contain_text("one whole quarter at a time")
    expect(label).to_contain_text("Shown: Q4 2025/26 (January to March 2026)")
    expect(page.locator(f"#{ids.MAP_CAPTION}")).to_contain_text(
        "Q4 2025/26 (January to March 2026)", timeout=WAIT
    )
    page.screenshot(path=str(artifacts() / "public-preset-fy.png"), full_page=True)

    page.goto(f"{server}/login?next=/restricted/")
    page.fill("#name", "ana")
    page.fill("#password", "ana-password-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile("/restricted/"), timeout=WAIT)
    map_data(page)
    choose("Last 6 months")
    page.wait_for_function("location.search.includes('from=2026-05')", timeout=WAIT)
    assert "to=2026-10" in page.url
    expect(page.locator(f"#{ids.MAP_CAPTION}")).to_contain_text(
        "May 2026 to October 2026", timeout=WAIT
    )
    expect(page.locator(f"#{ids.PERIOD_FROM}")).to_contain_text("May 2026")
    expect(page.locator(f"#{ids.PERIOD_TO}")).to_contain_text("Oct 2026")
    choose("Financial year 2018/19")
    page.wait_for_function("location.search.includes('from=2018-10')", timeout=WAIT)
    assert "to=2019-03" in page.url
    expect(label).to_contain_text(
        "Financial year 2018/19: data is loaded for 3 of its 12 months.", timeout=WAIT
    )
    expect(label).to_contain_text("data is loaded only from October 2018")
    expect(page.locator(f"#{ids.MAP_CAPTION}")).to_contain_text(
        "October 2018 to March 2019 (partial", timeout=WAIT
    )
    page.screenshot(path=str(artifacts() / "analyst-preset-fy-partial.png"), full_page=True)


def test_emerging_classes_show_an_outline_cue_named_in_the_legend(server, page):
    """Emerging patterns on screen: each class's outline weight is in its legend words and
    swatch (the screenshot is for people to look at)."""
    page.goto(f"{server}/login?next=/restricted/")
    page.fill("#name", "ana")
    page.fill("#password", "ana-password-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile("/restricted/"), timeout=WAIT)
    page.goto(f"{server}/restricted/?theme=knife_crime&m=emerging&from=2024-11&to=2026-10")
    map_data(page)
    legend = page.locator(f"#{ids.MAP_LEGEND}")
    expect(legend).to_contain_text("Persistent hot spot (heavy outline)", timeout=WAIT)
    expect(legend).to_contain_text("No pattern detected (thin outline)")
    width = page.evaluate(
        "() => [...document.querySelectorAll('#map-legend .legend-item')]"
        ".filter(e => e.textContent.startsWith('Persistent'))"
        ".map(e => getComputedStyle(e.querySelector('.swatch')).borderTopWidth)[0]"
    )
    assert float(width.removesuffix("px")) >= 2, width  # snapped to device pixels
    lines = page.evaluate(
        "() => document.querySelector('#map .js-plotly-plot').data"
        ".filter(t => t.type === 'choroplethmap').map(t => [t.name, t.marker.line.width])"
    )
    assert ["Persistent hot spot", 2.6] in lines, lines
    page.screenshot(path=str(artifacts() / "analyst-emerging-county.png"), full_page=True)


@pytest.mark.parametrize("audience", ["public", "analyst"])
def test_a_hexagon_card_shows_its_trend(server, page, audience):
    """Click a hexagon in Medway: its card draws its series (published blocks in public,
    months for an analyst) with the figures as a table (screenshots to look at)."""
    base = f"{server}/"
    if audience == "analyst":
        page.goto(f"{server}/login?next=/restricted/")
        page.fill("#name", "ana")
        page.fill("#password", "ana-password-123")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile("/restricted/"), timeout=WAIT)
        base = f"{server}/restricted/"
    page.goto(f"{base}?d=E06000035&theme=knife_crime&{PERIOD}")
    pieces = map_data(page)["pieces"]

    def count(p) -> int:
        found = re.search(r"Incidents: ([0-9,]+)", p["text"])
        return int(found.group(1).replace(",", "")) if found else -1

    # The busiest hexagon drawn whole (its series has something to show).
    busiest = max((p for p in pieces if p["geometry"]["type"] == "Polygon"), key=count)
    target = busiest if count(busiest) > 0 else inner_piece(pieces)
    click_piece_until(page, target, "location.search.includes('cell=')", timeout_ms=WAIT)
    chart = page.locator(f"#{ids.CELL_TREND}")
    expect(chart).to_be_visible(timeout=WAIT)
    unit = "quarter (published)" if audience == "public" else "month"
    expect(chart).to_contain_text(f"This hexagon by {unit}")
    page.locator(f"#{ids.CELL_DETAIL} summary").click()
    rows = page.locator(f"#{ids.CELL_DETAIL} details tr")
    assert rows.count() == (8 if audience == "public" else 12)
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts() / f"{audience}-hexagon-trend.png"), full_page=True)
