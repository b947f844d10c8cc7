"""The briefing pack: every page renders and carries the marking; the text a reader needs is
real text; the tables' numbers are the store's (Part 2) or the published ones (Part 1)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from dashboard.export import Renderer, briefing_html, export_briefing
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
    pdf_export_record,
    pdf_info,
    pdf_text,
    rendered_pages,
    small_numbers,
    table_cells,
)
from tests.support.export_store import (
    DIST_A,
    DIST_B,
    DIV_1,
    DIV_2,
    ID_PREFIX,
    PERIOD,
    SECRET_STREET,
    TRICKY_NAME,
    exact_counts,
    fill_export_store,
    theme_categories,
)

VIEW = ViewState.from_query(f"?from={PERIOD[0]}&to={PERIOD[1]}")
PREVIOUS = ("2024-01", "2024-03")
THEMES = load_themes()
AREAS = [
    ("county", None),
    ("district", DIST_A),
    ("district", DIST_B),
    ("division", DIV_1),
    ("division", DIV_2),
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    s = Settings(db_path=tmp_path_factory.mktemp("export-briefing") / "socmap.duckdb")
    fill_export_store(Store(s.db_path))
    return s


@pytest.fixture(scope="module")
def renderer():
    with Renderer() as r:
        yield r


@pytest.fixture(scope="module")
def packs(settings, renderer):
    """Each audience's pack (PDF) and its HTML, built once for the module."""
    out = {}
    for audience in Audience:
        ctx = AppContext.create(Store(settings.db_path), settings, audience)
        pdf = export_briefing(ctx, VIEW, audience, renderer=renderer, user="ana", client="t")
        brief = briefing_model(ctx, VIEW, audience)
        info = new_info(
            ctx,
            brief.state,
            audience,
            kind="briefing",
            fmt="pdf",
            title="t",
            user="ana",
            client="t",
        )
        out[audience] = (pdf, briefing_html(ctx, brief, info, renderer))
    return out


@pytest.mark.parametrize("audience", list(Audience))
def test_every_page_renders_and_carries_the_marking(packs, audience):
    pdf = packs[audience][0].data
    pages = int(pdf_info(pdf)["Pages"])
    assert pages >= 10
    assert len(rendered_pages(pdf)) == pages
    marking = "OFFICIAL-SENSITIVE" if audience is Audience.RESTRICTED else "OFFICIAL"
    for page in range(1, pages + 1):
        text = pdf_text(pdf, page)
        assert text.count(marking) >= 2, page  # header and footer
        assert f"Page {page} of {pages}" in text
        if audience is Audience.PUBLIC:
            assert "OFFICIAL-SENSITIVE" not in text


@pytest.mark.parametrize("audience", list(Audience))
def test_the_pack_says_what_it_is_in_real_text(packs, audience):
    export, _ = packs[audience]
    text = " ".join(pdf_text(export.data).split())
    if audience is Audience.PUBLIC:  # one published quarter against the one before it
        periods = ["Q1 2024/25 (April to June 2024)", "Q4 2023/24 (January to March 2024)"]
        periods += ["Briefing pack: Knife crime", "5. Quarterly trends by theme"]
    else:
        periods = ["April 2024 to June 2024", "January 2024 to March 2024"]
        periods += ["5. Monthly trends by theme"]
    for words in (
        "Serious and organised crime in Kent and Medway",
        *periods,
        "1. Summary",
        "2. County overview map",
        "3. Districts and divisions",
        "Hot spots and emerging hot spots",
        "6.1 Maidstone",
        "6.2 Medway",
        "7.1 Harm and deprivation: Kent and Medway",
        "8. Method notes",
        "Disclosure control",
        "Statistics used",
        "Boundaries",
        "Getis-Ord Gi*",
        "Benjamini-Hochberg",
        "Gi* hot spots:",  # the summary page's hotspot lines
        "Emerging patterns:",
        export.info.reference,
        TRICKY_NAME,
    ):
        assert words in text, words
    record = pdf_export_record(export.data)
    assert record["kind"] == "briefing" and record["audience"] == str(audience)


def test_restricted_tables_hold_the_stores_counts(packs, settings):
    html = packs[Audience.RESTRICTED][1]
    cells = table_cells(html)
    store = Store(settings.db_path)
    now = exact_counts(store, PERIOD, theme_categories())
    before = exact_counts(store, PREVIOUS, theme_categories())
    for level, code in AREAS:
        rows = cells.rows[(level, code)]
        assert rows, (level, code)
        for row in rows:  # the county table and the district pages agree
            assert row["count"] == f"{now[code]:,}", (level, code)
            assert row["previous"] == f"{before[code]:,}", (level, code)
    slavery = store.fetch_rows(
        "SELECT count(*) FROM incidents WHERE cell IS NOT NULL AND category = 'modern_slavery' "
        "AND month BETWEEN ? AND ? AND district IS NOT NULL",  # the county: every district
        [date(2024, 4, 1), date(2024, 6, 1)],
    )[0][0]
    assert cells.themes["Modern slavery"][0]["count"] == f"{slavery:,}"


def test_public_tables_hold_only_published_counts(packs, settings):
    html = packs[Audience.PUBLIC][1]
    cells = table_cells(html)
    policy = DisclosurePolicy.from_settings(settings)
    store = Store(settings.db_path)
    quarter = {"month_from": date(2024, 4, 1), "month_to": date(2024, 6, 1)}
    # The pack asked for every theme: it shows one (period block, theme) pair of the public
    # view, the first public theme in the published quarter holding its end month.
    result = public_counts(store, Filters(themes=("knife_crime",), **quarter), THEMES, policy)
    assert result.filters == Filters(themes=("knife_crime",), **quarter)
    for level, code in AREAS:
        node = Node(level, code)
        for row in cells.rows[(level, code)]:
            assert row["count"] == result.map.count(node).text, (level, code)
    # By theme: each theme's row is that theme's own county node, this quarter and the last;
    # there is no total across themes.
    previous = {"month_from": date(2024, 1, 1), "month_to": date(2024, 3, 1)}
    for key, label in (("knife_crime", "Knife crime"), ("county_lines", "County lines")):
        now = public_counts(store, Filters(themes=(key,), **quarter), THEMES, policy).map.total
        then = public_counts(store, Filters(themes=(key,), **previous), THEMES, policy).map.total
        row = cells.themes[label][0]
        assert (row["count"], row["previous"]) == (now.text, then.text), label
    for district, text in cells.restricted.items():
        code = DIST_A if district == "Maidstone" else DIST_B
        assert text == result.restricted.area("district", code).text
    assert "Modern slavery" not in cells.themes  # only as district totals
    assert small_numbers(cells.numbers, policy.k) == []


def test_public_pack_has_no_small_counts_ids_or_streets(packs, settings):
    export, html = packs[Audience.PUBLIC]
    text = pdf_text(export.data)
    assert ID_PREFIX not in text and ID_PREFIX not in html
    assert "Secret Lane" not in text and "Secret Lane" not in html
    k = DisclosurePolicy.from_settings(settings).k
    assert small_numbers(table_cells(html).numbers, k) == []


def test_restricted_pack_names_the_street_of_hot_spots(packs):
    _, html = packs[Audience.RESTRICTED]
    assert SECRET_STREET.removeprefix("On or near ") in html


def test_a_district_without_publishable_hexagons_says_so(packs, settings, renderer):
    """At resolution 8, Medway's hexagons all hold fewer than k in the public pack: the page
    says why none is listed, instead of "No incidents" beside a total of dozens. (The pack's
    automatic size is coarser, where some are published: the size is chosen here.)"""
    ctx = AppContext.create(Store(settings.db_path), settings, Audience.PUBLIC)
    fine = ViewState.from_query(f"?from={PERIOD[0]}&to={PERIOD[1]}&res=8")
    brief = briefing_model(ctx, fine, Audience.PUBLIC)
    info = new_info(
        ctx,
        brief.state,
        Audience.PUBLIC,
        kind="briefing",
        fmt="pdf",
        title="t",
        user="a",
        client="t",
    )
    html = briefing_html(ctx, brief, info, renderer)
    page = html[html.index(f'id="district-{DIST_B}"') :]
    page = page[: page.index("</section>")]
    assert "No hexagon has a count that can be published (all below 5 or withheld)" in page
    assert "No incidents." not in page
    _, restricted = packs[Audience.RESTRICTED]
    page = restricted[restricted.index(f'id="district-{DIST_B}"') :]
    assert "No hexagon has a count" not in page[: page.index("</section>")]


def test_every_page_of_a_pack_with_demo_data_says_so(tmp_path, renderer):
    """Synthetic demo data is named on the cover, the summary and every page's footer, not
    first on page 3."""
    s = Settings(db_path=tmp_path / "socmap.duckdb")
    store = Store(s.db_path)
    fill_export_store(store)
    with store.writing() as con:
        con.execute("UPDATE incidents SET source = 'synthetic-demo' WHERE source = 'partner-a'")
    ctx = AppContext.create(Store(s.db_path), s, Audience.PUBLIC)
    pdf = export_briefing(ctx, VIEW, Audience.PUBLIC, renderer=renderer, user="a", client="t")
    pages = int(pdf_info(pdf.data)["Pages"])
    for page in range(1, pages + 1):
        text = " ".join(pdf_text(pdf.data, page).split()).lower()
        assert "synthetic demo data" in text, page
    cover = " ".join(pdf_text(pdf.data, 1).split())
    assert "Synthetic demo data: these are not real incidents." in cover
    summary = " ".join(pdf_text(pdf.data, 2).split())
    assert "1. Summary" in summary and "Synthetic demo data: these are not real" in summary


@pytest.mark.parametrize("audience", list(Audience))
def test_hot_hexagons_are_named_by_place_with_incidents_first(packs, audience):
    import re

    _, html = packs[audience]
    table = html[html.index('<table class="data hot">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr><td>(.*?)</td>.*?data-col=\"count\">([^<]*)</td></tr>", table)
    if audience is Audience.PUBLIC and not rows:
        # Part 1 is one theme for one quarter: here, knife crime alone has no hot spot.
        assert "No hot spots, even at the loosest level (at most 1 in 10 false alarms)." in table
        return
    assert rows, "the export store has a hot spot"
    for where, _ in rows:
        assert re.search(r"(in or near|km from) [A-Z]", where), where
        assert not re.match(r"\s*8[0-9a-f]{14}", where), where  # a place first, not the id
    held = [count != "0" for _, count in rows]
    assert held == sorted(held, reverse=True)  # hexagons with incidents come first
    assert "+ withheld" not in html
    assert "A hexagon can be a hot spot with no incidents of its own" in html
    if audience is Audience.PUBLIC:  # classes only: a z-score would give the counts away
        assert "Gi* z" not in table and 'data-col="z"' not in table


@pytest.mark.parametrize("audience", list(Audience))
def test_emerging_summary_warns_with_fewer_than_ten_months(packs, audience):
    """The pack covers three months: its emerging summary carries the warning (and the
    method page says what ten months are for)."""
    pdf, html = packs[audience]
    text = " ".join(pdf_text(pdf.data).split())
    assert "ArcGIS Pro requires at least ten time steps" in text  # the method page
    if audience is Audience.PUBLIC:
        # Public steps are published blocks, never months: the warning counts quarters.
        assert re.search(r"[Oo]nly \d quarters published: ArcGIS Pro", html)
        assert "Emerging Hot Spot Analysis requires at least 10 time steps" in html
        return
    assert "Only 3 months: ArcGIS Pro" in html  # the summary page's note (HTML-escaped)
    assert "Emerging Hot Spot Analysis requires at least 10 time steps" in html
    assert "requires at least 10 time steps" in text


@pytest.mark.parametrize("audience", list(Audience))
def test_harm_pages_say_why_there_are_no_rates_without_population(packs, audience):
    """This store has no context data: each "Harm and deprivation" page says so, with the
    command that loads it, and prints no rate (a blank table would read as no harm)."""
    _, html = packs[audience]
    pages = re.findall(r'<section class="page harm".*?</section>', html, flags=re.S)
    assert len(pages) == 3  # the county and its two districts
    for page in pages:
        assert re.search(r"No population( by age \(10-24\))? is loaded", page), page
        assert "socmap context load" in page
        assert "harmrates" not in page
