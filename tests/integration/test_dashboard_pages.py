"""One page per audience: each page module registers its own controls and callbacks and no
other's, and a request's view state is resolved once.

The pages are read as the browser reads them, over HTTP (``_dash-layout`` and
``_dash-dependencies``), the restricted one signed in as an analyst.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import ids
from dashboard.app import create_app
from dashboard.features import _deprivation_panel, panel
from dashboard.features import map as map_feature
from dashboard.pages import public, restricted
from dashboard.state import ViewState
from dashboard.views import public as public_views
from dashboard.views.context import AppContext, options
from geo.accounts import Accounts
from geo.disclosure import Audience
from geo.store import Store
from tests.support.signin import sign_in

pytestmark = pytest.mark.shared_data

PASSWORD = "a long enough password for pages"
# Controls only the restricted page has: the public page publishes every source and whole
# themes over one published block, so it must never show or take these.
RESTRICTED_ONLY = {ids.CATEGORIES, ids.SOURCES, ids.PERIOD_FROM, ids.PERIOD_TO}
# Made by callbacks (pattern-matching buttons, the hexagon's own chart), not by the layout.
DRAWN_LATER = {ids.CRUMB, ids.AREA_LINK, ids.DOWNLOAD, ids.CELL_TREND}


@pytest.fixture(scope="module")
def app(dashboard_store):
    accounts = Accounts.from_settings(dashboard_store)
    if "pager" not in {u.name for u in accounts.list_users()}:
        accounts.add_user("pager", "analyst", PASSWORD, by="test", client="t")
    return create_app(Store(dashboard_store.db_path), dashboard_store)


def _signed_in(app):
    return sign_in(app.server.test_client(), "pager", PASSWORD)


def _ids(node, found: set[str]) -> set[str]:
    """Every string id of the components in a layout (as JSON)."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and isinstance(props.get("id"), str):
            found.add(props["id"])
        for value in node.values():
            _ids(value, found)
    elif isinstance(node, list):
        for value in node:
            _ids(value, found)
    return found


def _page(client, prefix: str) -> tuple[set[str], list[dict]]:
    layout = client.get(f"{prefix}_dash-layout")
    deps = client.get(f"{prefix}_dash-dependencies")
    assert layout.status_code == deps.status_code == 200
    return _ids(layout.get_json(), set()), deps.get_json()


def _dep_ids(deps: list[dict]) -> dict[str, set[str]]:
    """The component ids each kind of dependency names (pattern ids by their type)."""
    out = {"output": {o.rsplit(".", 1)[0] for o in _outputs(deps)}, "input": set(), "state": set()}
    for dep in deps:
        out["input"] |= {_id_name(item["id"]) for item in dep["inputs"]}
        out["state"] |= {_id_name(item["id"]) for item in dep["state"]}
    return out


def _id_name(cid) -> str:
    if isinstance(cid, dict):
        return cid["type"]
    if cid.startswith("{"):
        return json.loads(cid)["type"]
    return cid.split("@")[0]


def _outputs(deps: list[dict]) -> set[str]:
    """Every ``id.property`` a page's callbacks write."""
    found = set()
    for dep in deps:
        spec = dep["output"]
        parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
        found |= {p.split("@")[0] for p in parts}
    return found


def test_the_public_page_has_no_restricted_control_or_callback(app):
    layout_ids, deps = _page(app.server.test_client(), "/")
    named = _dep_ids(deps)
    assert not layout_ids & RESTRICTED_ONLY
    for kind, found in named.items():
        assert not found & RESTRICTED_ONLY, kind
    # Every component a callback names is on the page (or drawn by a callback).
    assert set().union(*named.values()) - DRAWN_LATER <= layout_ids
    # Its own output: the period list marked partial per theme.
    assert f"{ids.PERIOD}.options" in _outputs(deps)


def test_the_restricted_page_has_its_controls_and_not_the_public_ones(app):
    public_ids, public_deps = _page(app.server.test_client(), "/")
    layout_ids, deps = _page(_signed_in(app), "/restricted/")
    named = _dep_ids(deps)
    assert layout_ids >= RESTRICTED_ONLY
    assert named["input"] & named["output"] >= RESTRICTED_ONLY
    assert set().union(*named.values()) - DRAWN_LATER <= layout_ids
    assert f"{ids.PERIOD}.options" not in _outputs(deps)
    # The pages differ by exactly these controls and the public period list.
    assert layout_ids == public_ids | RESTRICTED_ONLY
    assert _outputs(deps) == (_outputs(public_deps) - {f"{ids.PERIOD}.options"}) | {
        f"{cid}.value" for cid in RESTRICTED_ONLY
    }


def test_each_page_module_is_its_audience():
    assert (public.AUDIENCE, public.PREFIX) == (Audience.PUBLIC, "/")
    assert (restricted.AUDIENCE, restricted.PREFIX) == (Audience.RESTRICTED, "/restricted/")
    assert not {cid for cid, _ in public.CONTROLS.present} & RESTRICTED_ONLY
    assert {cid for cid, _ in restricted.CONTROLS.present} >= RESTRICTED_ONLY


@pytest.fixture(scope="module")
def contexts(dashboard_store):
    store = Store(dashboard_store.db_path)
    yield {a: AppContext.create(store, dashboard_store, a) for a in Audience}
    store.close()


_MONTHS = [None, *(date(y, m, 1) for y in (2018, 2024, 2025, 2026) for m in (1, 3, 4, 10, 12))]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    audience=st.sampled_from(list(Audience)),
    themes=st.one_of(st.none(), st.lists(st.sampled_from(
        ["knife_crime", "port_events", "county_lines", "modern_slavery", "nope"]), max_size=3)),
    categories=st.lists(
        st.sampled_from(["Drugs", "Possession of weapons", "Robbery", "x"]), max_size=2),
    sources=st.lists(st.sampled_from(["police-uk", "synthetic-demo", "x"]), max_size=2),
    first=st.sampled_from(_MONTHS),
    last=st.sampled_from(_MONTHS),
    area=st.sampled_from([(None, None), ("E07000112", None), ("E06000035", None),
                          (None, "nope"), ("E07000110", "E05000000")]),
    res=st.sampled_from([None, 6, 8, 10]),
)  # fmt: skip
def test_resolving_a_resolved_state_changes_nothing(
    contexts, audience, themes, categories, sources, first, last, area, res
):
    """The callbacks pass a resolved state to the views, which resolve what they are given
    again: that must be the same state, for both audiences and any request."""
    ctx = contexts[audience]
    # A request as a URL carries it (parsing puts a reversed period the right way round).
    asked = ViewState(
        themes=tuple(themes) if themes is not None else None,
        categories=tuple(categories),
        sources=tuple(sources),
        district=area[0],
        division=area[1],
        res=res,
    )
    query = asked.to_query() + "".join(
        f"&{k}={m:%Y-%m}" for k, m in (("from", first), ("to", last)) if m
    )
    state = ViewState.from_query(query)
    once = public_views._resolve(ctx, state, audience)
    assert public_views._resolve(ctx, once, audience) == once
    # And through the URL, as the next callback receives it.
    assert public_views._resolve(ctx, ViewState.from_query(once.to_query()), audience) == once


@pytest.mark.parametrize("audience", list(Audience))
def test_one_request_resolves_its_state_once(dashboard_store, monkeypatch, audience):
    """The map's, the panel's, the hot spot summary's and the deprivation section's requests
    for one view state: the state is resolved once, however many view functions it passes
    through (each resolves what it is given)."""
    store = Store(dashboard_store.db_path)
    try:
        first = AppContext.create(store, dashboard_store, audience)
        last = options(first).last_month
        asked = ViewState(district="E07000112", month_from=last, month_to=last, layers=("imd",))
        query = public_views.resolve_view(first, asked, audience).to_query()
        ctx = AppContext.create(store, dashboard_store, audience)  # nothing resolved yet
        calls = []
        real = public_views._resolve
        monkeypatch.setattr(public_views, "_resolve", lambda *a: calls.append(a[1]) or real(*a))
        map_feature.view(ctx, query)
        panel.view(ctx, query)
        panel.hotspots_view(ctx, query)
        _deprivation_panel.view(ctx, query)
        assert calls == [ViewState.from_query(query)]
    finally:
        store.close()
