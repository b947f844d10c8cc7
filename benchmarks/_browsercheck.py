"""Does tests/support/dashclient.py send what Chromium sends? (``callback_bench --check-browser``)

The same steps in Debian's Chromium (Playwright) and in a :class:`Tab`: open the page, untick
a theme, click a piece of a district, click a piece of one of its divisions. Every callback
request body is captured on both sides and compared in shape: the callback, its outputs, the
changed properties, every input and state (id, property, and whether a value was sent) and
the number of components a pattern-matching input listed. Values are not compared (the pieces
clicked differ), and a click's pixel position is something only a browser has.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor

from tests.support.dashclient import Http, Tab

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
WAIT = 60_000
# The middle piece of the area's pieces, found in the page's own figure (as the Tab does).
_CLICK_JS = """([key, code]) => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const box = map.getCanvas().getBoundingClientRect();
  const hits = [];
  gd.data.forEach((t) => { if (t.type === 'choroplethmap') t.geojson.features.forEach((f, i) => {
    if (t.customdata[i][key] === code && f.geometry.type === 'Polygon') hits.push(f); }); });
  const ring = hits[Math.floor(hits.length / 2)].geometry.coordinates[0];
  let lon = 0, lat = 0;
  ring.slice(0, -1).forEach((p) => { lon += p[0]; lat += p[1]; });
  const p = map.project([lon / (ring.length - 1), lat / (ring.length - 1)]);
  return {x: box.left + p.x, y: box.top + p.y};
}"""


def check(base: str, district: str) -> None:
    browser = sorted(json.dumps(_shape(b)) for b in _in_browser(base, district))
    ours = sorted(json.dumps(_shape(b)) for b in _in_tab(base, district))
    if browser != ours:
        for b in sorted(set(browser) ^ set(ours)):
            print("browser only:" if b in browser else "client only: ", b[:800])
        sys.exit(f"callback bodies differ from Chromium's ({len(browser)} vs {len(ours)})")
    print(f"browser check: the client sent the {len(ours)} callback bodies Chromium sends")


def _in_browser(base: str, district: str) -> list[dict]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only for this check

    bodies: list[dict] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.on(
            "request",
            lambda r: (
                bodies.append(json.loads(r.post_data))
                if "_dash-update-component" in r.url
                else None
            ),
        )
        page.goto(base + "/")
        _settle(page)
        page.locator("#filter-themes input").nth(1).click()  # the public view's second theme
        _settle(page)
        at = page.evaluate(_CLICK_JS, [2, district])
        page.mouse.click(at["x"], at["y"])
        page.wait_for_function(f"location.search.includes('d={district}')", timeout=WAIT)
        _settle(page)
        division = page.evaluate(
            "() => document.querySelector('#map .js-plotly-plot').data"
            ".find(t => t.type === 'choroplethmap' && t.customdata.length).customdata[0][1]"
        )
        at = page.evaluate(_CLICK_JS, [1, division])
        page.mouse.click(at["x"], at["y"])
        page.wait_for_function("location.search.includes('v=')", timeout=WAIT)
        _settle(page)
        browser.close()
    return bodies


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('[data-dash-is-loading=\"true\"]')")
    page.wait_for_timeout(500)


def _in_tab(base: str, district: str) -> list[dict]:
    bodies: list[dict] = []

    class Recording(Http):
        def request(self, kind, method, path, body=None):
            if body is not None:
                bodies.append(body)
            return super().request(kind, method, path, body)

    with ThreadPoolExecutor(4) as pool:
        tab = Tab(Recording(base), pool=pool)
        tab.open("")
        tab.set("filter-themes", "value", tab.value("filter-themes", "options")[1]["value"])
        tab.click_map(lambda pieces: next(p for p in pieces if p[2][2] == district)[:2])
        tab.click_map(lambda pieces: next(p for p in pieces if p[2][1] != district)[:2])
    return bodies


def _shape(body: dict) -> dict:
    def entry(e):
        if isinstance(e, list):
            return ["list", len(e)]
        return [e["id"], e["property"], "value" in e]

    return {
        "keys": sorted(body),
        "output": body["output"],
        "outputs": body["outputs"],
        "changed": body["changedPropIds"],
        "inputs": [entry(e) for e in body["inputs"]],
        "state": [entry(e) for e in body.get("state", [])],
    }
