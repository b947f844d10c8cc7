"""Partial and empty periods in the dashboard, in Chromium against ``socmap serve``.

On the dashboard's store the public trend of the default quarter (Q2 2026/27) reaches back to
Q3 2024/25, which holds two of its three months (the demo starts in November 2024): that
point is drawn hollow on a dashed line. A link to January to March 2024, when nothing is
loaded, shows "no data loaded" on the map and the panel for both audiences, not zeros and not
another period. Screenshots go to $SOCMAP_TEST_ARTIFACTS.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from geo.accounts import Accounts
from tests.support.browser import MAP_DATA_JS, artifacts, require_chromium
from tests.support.browser import served as serve

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]

WAIT = 30_000
EMPTY = "from=2024-01&to=2024-03"
TREND_JS = """() => {
  const gd = document.querySelector('#panel-trend .js-plotly-plot');
  return gd && gd.data ? gd.data.map(t => ({name: t.name, x: t.x, y: t.y,
    symbol: t.marker && t.marker.symbol, dash: t.line && t.line.dash, mode: t.mode})) : null;
}"""


@pytest.fixture(scope="module")
def server(dashboard_store):
    require_chromium()
    accounts = Accounts.from_settings(dashboard_store)
    if accounts.get_user("cov") is None:
        accounts.add_user("cov", "analyst", "cov-password-123", by="test", client="test")
    with serve(dashboard_store.db_path) as base:
        yield base


def _settled(pg) -> None:
    pg.wait_for_load_state("networkidle")
    pg.wait_for_function("!document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=WAIT)
    pg.wait_for_function(f"({MAP_DATA_JS})() && ({MAP_DATA_JS})().pieces.length > 0", timeout=WAIT)
    pg.wait_for_timeout(700)  # MapLibre draws after the data arrives


def test_the_public_trend_draws_the_partial_quarter_hollow_and_dashed(server, page):
    page.goto(f"{server}/")
    page.wait_for_function("location.search.includes('from=2026-07')", timeout=WAIT)
    _settled(page)
    page.wait_for_function(f"({TREND_JS})() && ({TREND_JS})().length > 1", timeout=WAIT)
    traces = page.evaluate(TREND_JS)
    hollow = [t for t in traces if t["symbol"] == "circle-open"]
    assert len(hollow) == 1 and hollow[0]["x"] == ["Q3<br>24/25"]
    assert "partial" in hollow[0]["name"]
    solid = next(t for t in traces if t["symbol"] == "circle")
    assert solid["y"][0] is None and all(v is not None for v in solid["y"][1:])
    assert any(t["dash"] == "dash" for t in traces)
    # The period list marks the partial quarter before anyone chooses it.
    page.locator("#filter-period").click()
    expect(page.get_by_role("option", name="Q3 2024/25: Oct–Dec 2024 (partial)")).to_be_visible()
    page.screenshot(path=str(artifacts() / "coverage-public-trend-partial.png"), full_page=True)
    page.get_by_role("option", name="Q3 2024/25: Oct–Dec 2024 (partial)").click()
    page.wait_for_function("location.search.includes('from=2024-10')", timeout=WAIT)
    _settled(page)
    expect(page.locator("#panel-title")).to_contain_text("(partial: data for 2 of 3 months)")
    expect(page.locator("#filter-period-label")).to_contain_text("Partial: the synthetic demo")
    page.screenshot(path=str(artifacts() / "coverage-public-partial-quarter.png"), full_page=True)


def _assert_no_data(page) -> None:
    pieces = page.evaluate(MAP_DATA_JS)["pieces"]
    assert pieces and {p["name"] for p in pieces} == {"No data loaded (not a count of 0)"}
    assert all("no data loaded" in p["text"] for p in pieces)
    expect(page.locator("#panel-totals")).to_contain_text("no data loaded")
    totals = page.locator("#panel-totals").inner_text()
    assert not re.search(r":\s*0\b", totals), totals
    expect(page.locator("#map-legend")).to_contain_text("No data loaded (not a count of 0)")


def test_a_link_to_months_without_data_says_no_data_in_public(server, page):
    page.goto(f"{server}/?{EMPTY}")
    _settled(page)
    assert "from=2024-01" in page.url and "to=2024-03" in page.url  # not another period
    _assert_no_data(page)
    expect(page.locator("#filter-period-label")).to_contain_text(
        "No figures are published for January 2024 to March 2024"
    )
    page.screenshot(path=str(artifacts() / "coverage-public-empty.png"), full_page=True)


def test_a_link_to_months_without_data_says_no_data_in_the_restricted_view(server, page):
    page.goto(f"{server}/login?next=/restricted/")
    page.fill("#name", "cov")
    page.fill("#password", "cov-password-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile("/restricted/"), timeout=WAIT)
    page.goto(f"{server}/restricted/?{EMPTY}&d=E07000110&m=hotspots")
    _settled(page)
    _assert_no_data(page)
    caption = page.locator("#map-caption").inner_text()
    assert "No data loaded for January to March 2024" in caption
    assert "Not significant" not in page.locator("#map-legend").inner_text()
    page.screenshot(path=str(artifacts() / "coverage-restricted-empty.png"), full_page=True)
