"""The browser lane's Chromium and page: one browser per module, a fresh context per test, a
full-page screenshot of every test kept as an artifact, and any script error in the page fails
the test (a user would see a broken page even when the assertions pass)."""

from __future__ import annotations

import pytest

from tests.support.browser import ARGS, CHROMIUM, artifacts, require_chromium


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    pg.screenshot(path=str(artifacts() / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert errors == [], f"errors in the browser console: {errors}"
