"""The full briefing pack on the real Kent data: 12 districts and Medway, every page drawn,
every area's figure equal to the store's (Part 2) or the published one (Part 1)."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.export import Renderer, briefing_html
from dashboard.export._briefing import briefing_model
from dashboard.export._meta import new_info
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from geo.disclosure import Audience, DisclosurePolicy, Node, public_counts
from geo.filters import Filters
from geo.settings import Settings
from geo.store import Store
from geo.themes import load_themes
from tests.support.export_check import (
    pdf_info,
    pdf_text,
    rendered_pages,
    small_numbers,
    table_cells,
)
from tests.support.export_store import exact_counts, theme_categories

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]
PERIOD = ("2018-10", "2018-12")
VIEW = ViewState.from_query(f"?from={PERIOD[0]}&to={PERIOD[1]}")
THEMES = load_themes()


@pytest.fixture(scope="module")
def settings(tmp_path_factory, kent_stores) -> Settings:
    return kent_stores.copy(tmp_path_factory.mktemp("export-real"))


@pytest.fixture(scope="module")
def renderer():
    with Renderer() as r:
        yield r


def _pack(settings, renderer, audience):
    from dashboard.export import export_briefing

    ctx = AppContext.create(Store(settings.db_path), settings, audience)
    export = export_briefing(ctx, VIEW, audience, renderer=renderer, user="t", client="t")
    assert renderer.unfitted == 0  # every map page fits (tests/integration/test_sheet_fit.py)
    # No earlier quarter is loaded, so no change column, and no sentence about one.
    assert "Changes are not tested" not in pdf_text(export.data)
    assert "A change in bold" not in pdf_text(export.data)
    brief = briefing_model(ctx, VIEW, audience)
    info = new_info(
        ctx, brief.state, audience, kind="briefing", fmt="pdf", title="t", user="t", client="t"
    )
    return export.data, briefing_html(ctx, brief, info, renderer), brief


@pytest.mark.parametrize("audience", list(Audience))
def test_the_kent_pack_has_a_page_per_district_and_the_right_figures(settings, renderer, audience):
    pdf, html, brief = _pack(settings, renderer, audience)
    pages = int(pdf_info(pdf)["Pages"])
    assert len(rendered_pages(pdf)) == pages
    text = " ".join(pdf_text(pdf).split())
    assert len(brief.districts) == 13
    for i, d in enumerate(brief.districts, start=1):
        assert f"6.{i} {d.name}" in text
    cells = table_cells(html)
    store = Store(settings.db_path)
    if audience is Audience.RESTRICTED:
        exact = exact_counts(store, PERIOD, theme_categories())
        for (level, code), rows in cells.rows.items():
            assert all(r["count"] == f"{exact.get(code, 0):,}" for r in rows), (level, code)
    else:
        policy = DisclosurePolicy.from_settings(settings)
        filters = Filters(
            themes=tuple(t.key for t in THEMES.themes),
            month_from=date(2018, 10, 1),
            month_to=date(2018, 12, 1),
        )
        tree = public_counts(store, filters, THEMES, policy).map
        for (level, code), rows in cells.rows.items():
            assert all(r["count"] == tree.count(Node(level, code)).text for r in rows)
        assert small_numbers(cells.numbers, policy.k) == []
    assert len(cells.rows) == 1 + 13 + 72  # the county, every district and division
    # police.uk has no port-of-entry events: their chart says no data, never draws a 0 line.
    page = next(
        t
        for t in (" ".join(pdf_text(pdf, p).split()) for p in range(1, pages + 1))
        if "trends by theme" in t and "Port-of-entry events" in t
    )
    assert "No data loaded (not a count of 0)" in page
