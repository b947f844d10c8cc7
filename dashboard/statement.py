"""The accessibility statement (served at /accessibility, linked from every page), as UK
public-sector websites must publish one (Public Sector Bodies Accessibility Regulations 2018).
It says what is tested and how, what is known not to meet WCAG 2.2 AA, and what to do about
it: a reader who cannot use the map must know where the same figures are."""

from __future__ import annotations

import json

from flask import Flask, abort

from dashboard.layout import TITLE
from dashboard.views.basemap import URL_PREFIX, layer_geojson

PATH = "/accessibility"
PREPARED = "7 December 2026"

_BODY = f"""
<main class="statement">
<h1>Accessibility statement for socmap</h1>
<p>This statement covers the socmap dashboard ({TITLE}): the public view (Part 1), the
restricted analyst view (Part 2), the sign-in page and the maps, tables and briefing packs it
exports. Kent County Council wants as many people as possible to be able to use it.</p>

<h2>How accessible it is</h2>
<p>socmap aims to meet the Web Content Accessibility Guidelines, WCAG 2.2 at level AA. It is
<strong>partially compliant</strong>: the parts below do not yet meet it.</p>
<ul>
<li>The map itself is a picture drawn by the browser (a canvas). A screen reader cannot read a
hexagon. Every figure the map shows is also in words: the side panel's totals by theme, the
list of areas (each a button that opens the area, so the drill-down works by keyboard
alone), the busiest hexagons, the selected hexagon's detail, and the CSV, GeoJSON and
GeoPackage downloads, which hold every hexagon's figure.</li>
<li>Clicking a hexagon needs a mouse or touch; by keyboard, go to an area through the list of
areas, the breadcrumb or "Go to an area" (which also finds towns, villages and postcodes).</li>
<li>Place names on the map are decoration for screen readers (the hover cards and tables
name every area).</li>
<li>Legend classes are told apart by their words as well as their colour; colours are
ColorBrewer schemes chosen to stay readable with colour-vision deficiencies.</li>
</ul>

<h2>How it was tested</h2>
<p>Every release is checked automatically: axe-core, run in Chromium on the public and
analyst pages in each measure (counts, hot spots, change, emerging patterns), must report no
serious or critical problem, and a test drives the drill-down from Kent and Medway to a
district and a division by keyboard alone. Some of Dash's own controls (radio buttons, check
boxes and drop-down lists) are repaired in the page to give them names and correct roles.</p>

<h2>Reporting a problem or asking for another format</h2>
<p>If you cannot use part of socmap, or need its figures in another format, report it to the
Kent County Council community safety team through the council's usual contact routes, saying
which page and what you were trying to do. We will reply within 10 working days.</p>

<h2>Enforcement</h2>
<p>The Equality and Human Rights Commission enforces the accessibility regulations. If you are
not happy with how we respond to your complaint, contact the Equality Advisory and Support
Service (EASS).</p>

<p class="small">This statement was prepared on {PREPARED}. <a href="/">Back to the map</a></p>
</main>
"""


def install_basemap(server: Flask, ctx) -> None:
    """The basemap's static layers at the addresses the map figures name
    (``dashboard.views.basemap``): kept by the browser for a year, since an address names one
    version of the loaded files and one box."""

    @server.get(URL_PREFIX + "<key>/<layer>.geojson")
    def _basemap_layer(key: str, layer: str):
        doc = layer_geojson(ctx, key, layer)
        if doc is None:
            abort(404)
        body = json.dumps(doc, separators=(",", ":"))
        return (
            body,
            200,
            {
                "Content-Type": "application/geo+json",
                "Cache-Control": "public, max-age=31536000, immutable",
            },
        )


def install(server: Flask) -> None:
    @server.get(PATH)
    def _statement():
        html = (
            "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>Accessibility statement: socmap</title>"
            "<link rel='stylesheet' href='/assets/style.css'></head>"
            f"<body><header class='topbar'><div><p class='brand'>{TITLE}</p></div></header>"
            f"{_BODY}</body></html>"
        )
        return html, 200, {"Content-Type": "text/html; charset=utf-8"}
