"""One headless Chromium, kept open for a batch of exports, driven through Playwright.

Three jobs share the browser: a plotly figure to SVG (plotly.js's own ``Plotly.toImage`` in a
page that loads the basic bundle, as kaleido's page does), an HTML page to PDF
(``page.pdf``: the CSS page size, backgrounds, Chromium's header and footer templates) and to
PNG (``page.screenshot`` in a context of the sheet's size and pixel density). Playwright's
async API runs on an event loop in a background thread, so the dashboard's request threads
can share one renderer. Debian's Chromium is used (found on the PATH); nothing is downloaded.
Starting the browser with its plotly.js is the cost of a first job; every job after the first
reuses it (docs/exports.md gives the figures).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from geo.errors import SocmapError

T = TypeVar("T")
_TIMEOUT_S = 120.0
# plotly.js's basic bundle, the release the plotly package ships (dashboard/vendor/README.md):
# Chromium compiles a quarter of the full bundle's code, so a new renderer opens faster. Print
# figures use only the trace types it has.
PLOTLY_JS = Path(__file__).parent / "vendor" / "plotly-basic.min.js"
PRINT_TRACE_TYPES = frozenset({"scatter", "bar", "pie"})
CSS_DPI = 96  # Chromium lays pages out in CSS pixels: 96 to the inch
# Debian's package, then Chrome's names: an offline server has no Playwright download.
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_ARGS = ["--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
# What kaleido's page passes plotly.js (kaleido_scopes.js), so a figure draws as it did there.
_TO_SVG = """async ([figure, opts]) => {
  const config = Object.assign(
    {mapboxAccessToken: null, plotGlPixelRatio: opts.scale * 2}, figure.config || {});
  return await Plotly.toImage(
    {data: figure.data, layout: figure.layout || {}, config: config},
    {format: "svg", width: opts.width, height: opts.height, scale: opts.scale,
     imageDataOnly: true, setBackground: ""});
}"""

# A sheet's side column (legend, key, "read with care", the grid's note) has the height the
# map leaves it, and a view with many caveats can need more: text past it would run over the
# footer, or be cut off by the page. Before printing, each sheet whose side overflows moves
# the grid's note to the footer and then draws the side's contents smaller (CSS zoom, every
# size alike: text, swatches, gaps), 2.5% at a time down to 70%; the count of sheets that
# still overflow is kept (``Renderer.unfitted``).
_FIT_SHEETS = """() => {
  const over = (el) => el.scrollHeight > el.clientHeight + 1;
  let unfitted = 0;
  for (const sheet of document.querySelectorAll(".sheet")) {
    const side = sheet.querySelector(".side");
    if (side && over(side)) {
      const grid = side.querySelector(".grid-note");
      const cols = sheet.querySelector("footer .cols");
      if (grid && cols) cols.appendChild(grid);
      for (let zoom = 0.975; over(side) && zoom >= 0.7; zoom -= 0.025) {
        for (const part of side.children) part.style.zoom = zoom;
      }
    }
    if ((side && over(side)) || over(sheet)) unfitted += 1;
  }
  return unfitted;
}"""


class RenderError(SocmapError):
    """The headless browser could not draw an export."""


class Renderer:
    """Use as a context manager: ``with Renderer() as r: r.pdf(html)``."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._playwright: Any = None
        self._browser: Any = None
        self._figures: Any = None  # the page with plotly.js, for SVG
        self._pages: Any = None  # the page HTML is printed in
        self._opening: Future | None = None
        # One job at a time: the dashboard's request threads share one browser tab.
        self._lock = threading.RLock()
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.unfitted = 0  # sheets of the last page printed whose text did not fit (_FIT_SHEETS)

    def __enter__(self) -> Renderer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._loop is not None

    def start(self) -> None:
        """Launch the browser in the background and return at once: an export computes its
        figures while Chromium starts, and its first drawing waits for it."""
        if self.running:
            return
        self._tmp = tempfile.TemporaryDirectory(prefix="socmap-render-")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="socmap-renderer"
        )
        self._thread.start()
        self._opening = asyncio.run_coroutine_threadsafe(self._open(), self._loop)

    def close(self) -> None:
        with self._lock:  # never under a job that is drawing
            self._close()

    def _close(self) -> None:
        if self._loop is None:
            return
        try:
            if self._opening is not None:
                with contextlib.suppress(Exception):
                    self._opening.result(timeout=_TIMEOUT_S)
            closing = asyncio.run_coroutine_threadsafe(self._shut(), self._loop)
            with contextlib.suppress(Exception):
                closing.result(timeout=_TIMEOUT_S)
        finally:
            self._playwright = self._browser = self._figures = self._pages = None
            self._opening = None
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            self._loop = None
            self._tmp.cleanup()

    # -- jobs --------------------------------------------------------------------------------

    def svg(self, figure: Any, width: int, height: int) -> str:
        """A plotly figure as SVG text (vector, with real text), ``width`` x ``height`` px."""
        unsupported = {trace.type for trace in figure.data} - PRINT_TRACE_TYPES
        if unsupported:
            raise RenderError(
                f"cannot print {', '.join(sorted(unsupported))} traces: the export renderer "
                f"draws only {', '.join(sorted(PRINT_TRACE_TYPES))}"
            )
        self.start()
        opts = {"format": "svg", "width": width, "height": height, "scale": 1}
        return self._run(self._svg(figure, opts))

    def pdf(self, html: str, *, header: str = "", footer: str = "") -> bytes:
        """An HTML document printed to PDF at its CSS page size; header and footer are
        Chromium's print templates (repeated on every page)."""
        self.start()
        return self._run(self._pdf(html, header, footer))

    def png(self, html: str, width: int, height: int, scale: float) -> bytes:
        """An HTML page of ``width`` x ``height`` CSS px as PNG, ``scale`` pixels per px."""
        self.start()
        return self._run(self._png(html, width, height, scale))

    # -- inside the loop ---------------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        with self._lock:
            try:
                if self._opening is not None:
                    self._opening.result(timeout=_TIMEOUT_S)
                future = asyncio.run_coroutine_threadsafe(coro, self._loop)
                return future.result(timeout=_TIMEOUT_S)
            except TimeoutError as exc:
                raise RenderError(f"rendering took longer than {_TIMEOUT_S:.0f} s") from exc
            except SocmapError:
                raise
            except Exception as exc:
                raise RenderError(f"the headless browser failed: {exc}") from exc

    async def _open(self) -> None:
        # Only exports need a browser: the dashboard and the command line start without it.
        from playwright.async_api import async_playwright  # noqa: PLC0415

        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(
            executable_path=_chromium(), args=_ARGS, timeout=_TIMEOUT_S * 1000
        )
        self._figures = await self._browser.new_page()
        await self._figures.set_content("<!DOCTYPE html><html><head></head><body></body></html>")
        await self._figures.add_script_tag(path=PLOTLY_JS)
        self._pages = await self._browser.new_page()
        for page in (self._figures, self._pages):
            page.set_default_timeout(_TIMEOUT_S * 1000)

    async def _shut(self) -> None:
        try:
            if self._browser is not None:
                await self._browser.close()
        finally:
            if self._playwright is not None:
                await self._playwright.stop()

    async def _svg(self, figure: Any, opts: dict) -> str:
        # plotly's own JSON (typed arrays as base64, dates as text), as kaleido sends it.
        spec = json.loads(figure.to_json())
        return await self._figures.evaluate(_TO_SVG, [spec, opts])

    async def _load(self, page: Any, html: str) -> None:
        assert self._tmp is not None
        path = Path(self._tmp.name) / "page.html"
        path.write_text(html, encoding="utf-8")
        await page.goto(path.as_uri(), wait_until="load")
        # Text is measured with the final fonts only once they have loaded.
        await page.evaluate("document.fonts.ready.then(() => true)")
        self.unfitted = await page.evaluate(_FIT_SHEETS)

    async def _pdf(self, html: str, header: str, footer: str) -> bytes:
        await self._load(self._pages, html)
        options: dict[str, Any] = {"print_background": True, "prefer_css_page_size": True}
        if header or footer:
            options.update(
                display_header_footer=True,
                header_template=header or "<span></span>",
                footer_template=footer or "<span></span>",
            )
        return await self._pages.pdf(**options)

    async def _png(self, html: str, width: int, height: int, scale: float) -> bytes:
        # A context of the sheet's size and pixel density, for this drawing only.
        context = await self._browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=scale
        )
        try:
            page = await context.new_page()
            page.set_default_timeout(_TIMEOUT_S * 1000)
            await self._load(page, html)
            return await page.screenshot(type="png")
        finally:
            await context.close()


def _chromium() -> str | None:
    """The system's Chromium; None lets Playwright use its own (if one was installed)."""
    return next((path for name in _CHROMIUM_NAMES if (path := shutil.which(name))), None)
