"""One headless Chromium, kept open for a batch of exports.

Kaleido 1.x drives Chromium through choreographer; its own sync server takes only figure jobs.
This renderer owns a :class:`kaleido.Kaleido` on an event loop in a background thread and uses
the same browser for three jobs: a plotly figure to SVG (kaleido's page), and an HTML page to
PDF (``Page.printToPDF``) or to PNG (``Page.captureScreenshot``) in a second tab. Starting
Chromium with its plotly.js costs about 0.7 s; every job after the first reuses it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
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
# Chromium compiles a quarter of the full bundle's code, so a new renderer opens in about
# 0.7 s rather than 1.5 s. Print figures use only the trace types it has.
PLOTLY_JS = Path(__file__).parent / "vendor" / "plotly-basic.min.js"
PRINT_TRACE_TYPES = frozenset({"scatter", "bar", "pie"})
CSS_DPI = 96  # Chromium lays pages out in CSS pixels: 96 to the inch


class RenderError(SocmapError):
    """The headless browser could not draw an export."""


class Renderer:
    """Use as a context manager: ``with Renderer() as r: r.pdf(html)``."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._tab: Any = None
        self._opening: Future | None = None
        # One job at a time: the dashboard's request threads share one browser tab.
        self._lock = threading.RLock()
        self._tmp: tempfile.TemporaryDirectory | None = None

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
            if self._kaleido is not None:
                closing = asyncio.run_coroutine_threadsafe(self._kaleido.close(), self._loop)
                with contextlib.suppress(Exception):
                    closing.result(timeout=_TIMEOUT_S)
        finally:
            self._kaleido = self._tab = self._opening = None
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
        import kaleido  # noqa: PLC0415 - only exports need a browser

        k = kaleido.Kaleido(n=1, mathjax=False, plotlyjs=str(PLOTLY_JS))
        await k.open()
        self._kaleido = k
        self._tab = await k.create_tab(url="about:blank", window=True)
        await _command(self._tab, "Page.enable")
        await _command(self._tab, "Runtime.enable")

    async def _svg(self, figure: Any, opts: dict) -> str:
        data = await self._kaleido.calc_fig(figure, opts=opts)
        return data.decode("utf-8")

    async def _load(self, html: str) -> None:
        assert self._tmp is not None
        path = Path(self._tmp.name) / "page.html"
        path.write_text(html, encoding="utf-8")
        loaded = self._tab.subscribe_once("Page.loadEventFired")
        await _command(self._tab, "Page.navigate", {"url": path.as_uri()})
        await loaded
        # Text is measured with the final fonts only once they have loaded.
        await _command(
            self._tab,
            "Runtime.evaluate",
            {"expression": "document.fonts.ready.then(() => true)", "awaitPromise": True},
        )

    async def _pdf(self, html: str, header: str, footer: str) -> bytes:
        await self._load(html)
        params: dict[str, Any] = {
            "printBackground": True,
            "preferCSSPageSize": True,
            "transferMode": "ReturnAsBase64",
        }
        if header or footer:
            params.update(
                displayHeaderFooter=True,
                headerTemplate=header or "<span></span>",
                footerTemplate=footer or "<span></span>",
            )
        result = await _command(self._tab, "Page.printToPDF", params)
        return base64.b64decode(result["data"])

    async def _png(self, html: str, width: int, height: int, scale: float) -> bytes:
        await _command(
            self._tab,
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False},
        )
        try:
            await self._load(html)
            result = await _command(
                self._tab,
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": False},
            )
        finally:
            await _command(self._tab, "Emulation.clearDeviceMetricsOverride")
        return base64.b64decode(result["data"])


async def _command(tab: Any, method: str, params: dict | None = None) -> dict:
    response = await tab.send_command(method, params=params)
    if "error" in response:
        raise RenderError(f"{method}: {response['error'].get('message', response['error'])}")
    return response.get("result", {})
