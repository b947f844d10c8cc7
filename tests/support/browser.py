"""Helpers for browser tests: serve socmap for real, drive Debian's Chromium with Playwright.

The server is ``socmap serve`` (gunicorn, two workers) in a subprocess on a free port on
127.0.0.1. Screenshots go to ``$SOCMAP_TEST_ARTIFACTS`` (default ./test-artifacts).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import shapely
import shapely.geometry
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support.serve import free_port, wait_until_healthy

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (scripts/install-system installs it)")


def artifacts() -> Path:
    path = Path(os.environ.get("SOCMAP_TEST_ARTIFACTS", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Server:
    """A running ``socmap serve``: its base URL, its master process and its log file."""

    base: str
    proc: subprocess.Popen
    log: Path


@contextmanager
def served(db: Path, *, workers: int = 2, env: dict | None = None):
    """``socmap serve`` on a free port; yields the base URL; stops it afterwards."""
    with serving(db, workers=workers, env=env) as server:
        yield server.base


@contextmanager
def serving(db: Path, *, workers: int = 2, env: dict | None = None):
    """As :func:`served`, but yields the :class:`Server` (for tests that kill its workers
    or read its log)."""
    port = free_port()
    full_env = {
        **os.environ,
        "SOCMAP_DB": str(db),
        "SOCMAP_COOKIE_SECURE": "false",
        "SOCMAP_LOG_LEVEL": "warning",
        **(env or {}),
    }
    log_path = artifacts() / f"server-{port}.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "socmap", "serve", "--port", str(port), "--workers", str(workers)],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, proc)
        yield Server(base, proc, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# JavaScript run in the page: what the map draws, and where a piece is on screen.
MAP_DATA_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  if (!gd || !gd.data) return null;
  const pieces = [];
  for (const t of gd.data) {
    if (t.type !== 'choroplethmap') continue;
    const byId = {};
    for (const f of t.geojson.features) byId[f.id] = f;
    t.locations.forEach((id, i) => pieces.push({id, custom: t.customdata[i], name: t.name,
                                                text: t.text[i], geometry: byId[id].geometry}));
  }
  return {pieces, traces: gd.data.length};
}"""

PROJECT_JS = """([lon, lat]) => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const p = map.project([lon, lat]);
  const box = map.getCanvas().getBoundingClientRect();
  return {x: box.left + p.x, y: box.top + p.y, w: box.width, h: box.height,
          left: box.left, top: box.top};
}"""


# Reading and clicking the map in a page (shared by the browser tests).
MAP_WAIT = 30_000


def map_data(pg) -> dict:
    pg.wait_for_function(
        f"({MAP_DATA_JS})() && ({MAP_DATA_JS})().pieces.length > 0", timeout=MAP_WAIT
    )
    pg.wait_for_timeout(500)  # let MapLibre finish drawing
    return pg.evaluate(MAP_DATA_JS)


def wait_settled(pg) -> None:
    pg.wait_for_load_state("networkidle")
    pg.wait_for_function(
        "!document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=MAP_WAIT
    )


def click_piece(pg, piece: dict) -> None:
    # A point surely inside the piece (a piece cut at a boundary need not be convex).
    point = shapely.geometry.shape(piece["geometry"]).representative_point()
    at = pg.evaluate(PROJECT_JS, [point.x, point.y])
    assert at["left"] < at["x"] < at["left"] + at["w"], "piece is off screen"
    pg.mouse.click(at["x"], at["y"])


def click_piece_until(pg, piece: dict, condition: str, *, timeout_ms: int) -> None:
    """Click ``piece`` until the page's ``condition`` (JavaScript) holds: a click made while
    the map is still settling after its first drawing (a loaded CI machine) can land where
    the piece was a moment before and select nothing, so the click is made again at the
    piece's position as it is then, up to three times within ``timeout_ms``."""
    for attempt in range(3):
        click_piece(pg, piece)
        try:
            pg.wait_for_function(condition, timeout=timeout_ms // 3)
            return
        except PlaywrightTimeout:  # click again, then fail
            if attempt == 2:
                raise


def inner_piece(
    pieces: list[dict], *, district: str | None = None, division: str | None = None
) -> dict:
    """A piece of the area nearest its middle: a whole hexagon (not cut) where there is one,
    else the largest piece (Part 1's automatic size can be coarse, every hexagon cut)."""
    mine = [
        p
        for p in pieces
        if (district is None or p["custom"][2] == district)
        and (division is None or p["custom"][1] == division)
    ]
    assert mine
    shapes = [shapely.geometry.shape(p["geometry"]) for p in mine]
    whole = [
        (p, g)
        for p, g in zip(mine, shapes, strict=True)
        if p["geometry"]["type"] == "Polygon" and len(p["geometry"]["coordinates"][0]) == 7
    ]
    if not whole:
        return max(zip(mine, shapes, strict=True), key=lambda pg: pg[1].area)[0]
    middle = shapely.MultiPoint([g.centroid for _, g in whole]).centroid
    return min(whole, key=lambda pg: pg[1].centroid.distance(middle))[0]
