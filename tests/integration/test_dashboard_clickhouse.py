"""The dashboard on the ClickHouse backend: the same map and panel, figure for figure, as on
DuckDB over the same contents (the view functions, the map figure, and a served page)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from dashboard.figures.map_figure import map_figure
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from dashboard.views.panel_view import panel_model
from geo.disclosure import Audience
from geo.settings import Settings
from geo.store.queries import counts
from tests.support import backends as _backends
from tests.support import boundaries as bh

PERIOD = "from=2026-01&to=2026-09"
VIEWS = [
    f"?{PERIOD}",
    f"?d={bh.DISTRICT_A}&{PERIOD}",
    f"?d={bh.DISTRICT_B}&theme=knife_crime&{PERIOD}",
    f"?v=E58000901&{PERIOD}",
    f"?m=hotspots&{PERIOD}",
    f"?m=change&{PERIOD}",
    "?m=emerging&from=2025-11&to=2026-10",
    f"?layer=lines&layer=ports&{PERIOD}",
]


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture(scope="module")
def contexts(chdb_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dash-ch")
    ch = _backends.clickhouse_store(chdb_dir, folder)
    base = _backends.build_contents(ch, folder)
    settings = Settings(
        db_path=base.db_path, cookie_secure=False, workers=1, store=ch.target, prepare_public=False
    )
    duck_ctx = {a: AppContext.create(ch.staging, settings, a) for a in Audience}
    ch_ctx = {a: AppContext.create(ch, settings, a) for a in Audience}
    yield duck_ctx, ch_ctx, settings, ch
    ch.close()


def _same(a, b):
    assert json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("query", VIEWS)
def test_map_and_panel_are_the_same_on_clickhouse(contexts, query, audience):
    duck_ctx, ch_ctx, settings, _ = contexts
    state = ViewState.from_query(query)
    a = map_model(duck_ctx[audience], state, audience)
    b = map_model(ch_ctx[audience], state, audience)
    _same(dataclasses.asdict(a), dataclasses.asdict(b))
    assert a.features, a.title  # a map with hexagons on it, not two empty ones
    _same(map_figure(a, settings), map_figure(b, settings))
    _same(
        dataclasses.asdict(panel_model(duck_ctx[audience], state, audience)),
        dataclasses.asdict(panel_model(ch_ctx[audience], state, audience)),
    )


def test_a_hexagon_panel_lists_the_same_incidents(contexts):
    duck_ctx, ch_ctx, _, ch = contexts
    from geo.filters import Filters
    from geo.themes import load_themes

    table = counts.hex_counts(ch, Filters(division="E58000901"), 10, load_themes(None)).sort_by(
        [("count", "descending"), ("cell", "ascending")]
    )
    cell = table["cell_hex"][0].as_py()
    state = ViewState.from_query(f"?v=E58000901&cell={cell}&{PERIOD}")
    a = panel_model(duck_ctx[Audience.RESTRICTED], state, Audience.RESTRICTED)
    b = panel_model(ch_ctx[Audience.RESTRICTED], state, Audience.RESTRICTED)
    _same(dataclasses.asdict(a), dataclasses.asdict(b))
    assert b.cell["incidents"], b.cell  # the analyst sees the records in it


def test_the_app_serves_a_page_from_clickhouse(contexts):
    from dashboard.app import create_app

    _, _, settings, ch = contexts
    app = create_app(ch, settings)
    client = app.server.test_client()
    page = client.get("/")
    assert page.status_code == 200
    assert b"socmap" in page.data.lower() or b"dash" in page.data.lower()
