"""Accessibility (issue 18; WCAG 2.2 AA, as UK public-sector sites must meet): axe-core (from
the npm registry, installed by `scripts/install --test` into .cache/test-js) injected by
Playwright finds no serious or critical violation on the public and analyst pages in each
measure; the drill-down works by keyboard alone; the accessibility statement is served and
linked from every page. axe's results go to $SOCMAP_TEST_ARTIFACTS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support import basemap_pages as _served
from tests.support.browser import artifacts, map_data, wait_settled

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]

# The served store with the context data, its browser and pages (fixtures shared).
context_store, server = (
    _served.context_store, _served.server
)  # fmt: skip
PERIOD, WAIT = _served.PERIOD, _served.WAIT

AXE = Path(__file__).resolve().parents[2] / ".cache/test-js/node_modules/axe-core/axe.min.js"
MEASURES = ("count", "hotspots", "change", "emerging")
RUN_AXE = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations'],
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""


def _axe(page) -> list[dict]:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run `bash scripts/install --test` (needs npm)")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def _sign_in(page, server) -> None:
    page.goto(f"{server}/login?next=/restricted/")
    page.fill("input[name=name]", "ana")
    page.fill("input[name=password]", "ana-password-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/restricted/**", timeout=WAIT)


@pytest.mark.parametrize("audience", ["public", "analyst"])
def test_axe_finds_no_serious_or_critical_violation_in_any_measure(server, page, audience):
    base = f"{server}/"
    if audience == "analyst":
        _sign_in(page, server)
        base = f"{server}/restricted/"
    found = {}
    for measure in MEASURES:
        page.goto(f"{base}?d=E07000114&m={measure}&{PERIOD}")
        map_data(page)
        wait_settled(page)
        found[measure] = _axe(page)
    (artifacts() / f"axe-{audience}.json").write_text(json.dumps(found, indent=1))
    bad = {m: [v for v in vs if v["impact"] in ("serious", "critical")] for m, vs in found.items()}
    assert not any(bad.values()), json.dumps(bad, indent=1)


def test_the_drill_down_works_by_keyboard_alone(server, page):
    page.goto(f"{server}/?{PERIOD}")
    map_data(page)
    wait_settled(page)

    def tab_to(selector: str, *, skip: str | None = None, limit: int = 200) -> str:
        """Tab until the focus is on ``selector`` (and its text is not ``skip``)."""
        for _ in range(limit):
            page.keyboard.press("Tab")
            text = page.evaluate(
                f"() => document.activeElement.matches({json.dumps(selector)})"
                " ? document.activeElement.textContent : null"
            )
            if text is not None and text != skip:
                return text
        raise AssertionError(f"Tab never reached {selector}")

    def arrived_at(name: str) -> None:
        # The address changes first and the breadcrumb follows in the next callback; waiting on
        # the breadcrumb itself (not a quiet network) is what a reader does.
        expect(page.locator(".crumb-current")).to_have_text(name, timeout=WAIT)

    # The side panel's list of areas is the keyboard's way in: each name is a button. At
    # county level it lists the busiest divisions.
    division = tab_to("#panel-top-areas button")
    page.keyboard.press("Enter")
    page.wait_for_url("**v=E58*", timeout=WAIT)
    wait_settled(page)
    arrived_at(division)
    # Up to the division's district by the breadcrumb...
    district = tab_to("nav.breadcrumb button", skip="Kent and Medway")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !location.search.includes('v=')", timeout=WAIT)
    wait_settled(page)
    arrived_at(district)
    # ... and down to one of its divisions from the list again.
    other = tab_to("#panel-top-areas button")
    page.keyboard.press("Enter")
    page.wait_for_url("**v=E58*", timeout=WAIT)
    wait_settled(page)
    arrived_at(other)


def test_the_accessibility_statement_is_served_and_linked(server, page):
    page.goto(f"{server}/?{PERIOD}")
    link = page.get_by_role("link", name="Accessibility statement")
    link.wait_for(timeout=WAIT)
    link.click()
    page.wait_for_url("**/accessibility", timeout=WAIT)
    text = page.locator("main").inner_text()
    for words in ("WCAG 2.2", "AA", "keyboard", "axe-core", "report"):
        assert words in text, words
    assert _axe(page) == [] or not [v for v in _axe(page) if v["impact"] in ("serious", "critical")]
