"""The public map's layers give nothing that can be set against the published figures.

A red-team attack (2026-12-07) read the ports layer's counts, then suppressed as a side table
of their own for each area on screen, in the county view and each district's, and added "a
port's count is the sum of its hexagon's pieces" to the published tree of the public CSV: a
linear programme then pinned withheld district and hexagon counts exactly (three districts'
port events at 4, and secondary-suppressed hexagons). Here that attack runs over HTTP against
the app: with the ports layer as it was (the protection off) it pins counts the tree alone
does not; as it is, the layers add nothing and it pins none. The public layers are also the
same in every area view and period (the register's ports, no link, no figure), which is what
makes the attack impossible rather than merely unsuccessful here.
"""

from __future__ import annotations

import re
import shutil

import h3
import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from dashboard.app import create_app
from dashboard.views import map_view
from dashboard.views.map_model import PortMarker
from dashboard.views.overlays import PUBLIC_LINKS_NOTE, PUBLIC_PORT_NOTE
from geo.disclosure import Audience, DisclosurePolicy, suppress_breakdown
from geo.store import Store
from geo.store.queries.ports import port_event_counts, port_rows
from tests.support import attacks as at

pytestmark = pytest.mark.shared_data

DISTRICTS = [  # Medway and the twelve Kent districts
    *("E06000035", "E07000105", "E07000106", "E07000107", "E07000108", "E07000109"),
    *("E07000110", "E07000111", "E07000112", "E07000113", "E07000114", "E07000115"),
    "E07000116",
]
QUARTERS = [("2025-04", "2025-06"), ("2025-10", "2025-12"), ("2026-01", "2026-03")]
_PORTS_TRACE = re.compile(r"Port")


def _side_table_ports(ctx, state, audience):
    """The ports layer as it was before the attack: each view's port counts suppressed as a
    side table of their own, each port snapped to its public hexagon's centre."""
    rows = port_event_counts(ctx.store, state.filters(), ctx.themes)
    policy = DisclosurePolicy.from_settings(ctx.settings)
    shown = dict(suppress_breakdown({r[0]: int(r[3]) for r in rows}, policy.k).parts)
    out = []
    for name, lon, lat, _n in rows:
        count = shown[name]
        if count.status == "zero":
            continue
        lat_c, lon_c = h3.cell_to_latlng(h3.latlng_to_cell(lat, lon, policy.max_res))
        out.append(
            PortMarker(
                name=name,
                lonlat=(round(lon_c, 5), round(lat_c, 5)),
                events=count.value or 1,
                label=f"<b>{name}</b><br>Port-of-entry events: {count.text}",
                text=count.text,
            )
        )
    return tuple(out)


@pytest.fixture(scope="module")
def settings(dashboard_store):
    return dashboard_store.with_overrides(anonymous_export_limit=10_000)


def _client(settings):
    app = create_app(Store(settings.db_path), settings)
    return app, app.server.test_client()


def _ports_shown(client, app, state: str) -> list[tuple[str, float, float, str]]:
    """(name, lon, lat, the hover's last words) of every port marker the map draws."""
    out = []
    for trace in at.callback(client, app, state, "map.figure")["map"]["figure"]["data"]:
        if trace["type"] == "scattermap" and _PORTS_TRACE.search(trace.get("name") or ""):
            for lon, lat, card in zip(trace["lon"], trace["lat"], trace["customdata"], strict=True):
                name = re.sub("<.*?>", "", card.split("<br>")[0])
                out.append((name, lon, lat, card.split("<br>")[-1]))
    return out


def _bounds(label: str, k: int) -> tuple[float, float]:
    if label == f"fewer than {k}":
        return (1, k - 1)
    if label == "suppressed":
        return (k, np.inf)
    if label.replace(",", "").isdigit():
        return (int(label.replace(",", "")),) * 2
    return (0, np.inf)  # words, not a figure (a port's card in the public view)


def _tree(client, app, query: str, k: int):
    """The public CSV's tree as an attacker's linear system: each node's bounds from its
    label, and "a parent is the sum of its children" for every area."""
    table = at.csv_download(client, at.canonical(client, app, query))
    system = {"index": {}, "low": [], "high": [], "rows": [], "pieces": {}}

    def add(key, bounds):
        system["index"][key] = len(system["low"])
        system["low"].append(bounds[0])
        system["high"].append(bounds[1])

    children: dict[tuple, list] = {}
    for r in table[table["layer"] == "area"].itertuples():
        add(("area", r.code or "county"), _bounds(r.count_label, k))
        if r.level != "county":
            children.setdefault(("area", r.parent_code or "county"), []).append(("area", r.code))
    for r in table[table["layer"] == "hexagon"].itertuples():
        key = ("hex", r.hex, r.area_code)
        add(key, _bounds(r.count_label, k))
        children.setdefault(("area", r.area_code), []).append(key)
        system["pieces"].setdefault(r.hex, []).append(key)
    system["rows"] = list(children.items())
    return system


def _port_bounds(client, app, query: str, k: int) -> dict[str, list]:
    """What the ports layer says of each port's events, over the county view and every
    district's: [its public hexagon, least, greatest]."""
    ports: dict[str, list] = {}
    for area in ["", *(f"&d={d}" for d in DISTRICTS)]:
        state = at.canonical(client, app, query + area)
        for name, lon, lat, words in _ports_shown(client, app, state):
            low, high = _bounds(words.split(": ")[-1], k)
            seen = ports.setdefault(name, [h3.latlng_to_cell(lat, lon, 8), 0, np.inf])
            seen[1], seen[2] = max(seen[1], low), min(seen[2], high)
    return ports


def _pinned(system: dict, ports: dict[str, list]) -> set:
    """Withheld areas and port hexagons' pieces whose least and greatest values are equal
    given the tree and, for each port the layer bounds, "the port's events are its hexagon's
    pieces' (at most)": the nodes a port's figure can reach."""
    index, low, high = dict(system["index"]), list(system["low"]), list(system["high"])
    rows = [(parent, kids, False) for parent, kids in system["rows"]]
    targets = {key for key in index if key[0] == "area"}
    for name, (cell, least, most) in ports.items():
        if cell in system["pieces"] and (least > 0 or most < np.inf):
            index[("port", name)] = len(low)
            low.append(least)
            high.append(most)
            # The hexagon holds the port's events and perhaps others: pieces >= port.
            rows.append((("port", name), system["pieces"][cell], True))
            targets.update(system["pieces"][cell])
    eq = [r for r in rows if not r[2]]
    ub = [r for r in rows if r[2]]
    a_eq, a_ub = (sparse.lil_matrix((len(x), len(low))) for x in (eq, ub))
    for a, sign, part in ((a_eq, 1, eq), (a_ub, -1, ub)):
        for i, (parent, kids, _) in enumerate(part):
            a[i, index[parent]] = sign
            for kid in kids:
                a[i, index[kid]] -= sign
    bounds = [(lo, None if hi == np.inf else hi) for lo, hi in zip(low, high, strict=True)]
    extra = {"A_ub": a_ub.tocsr(), "b_ub": np.zeros(len(ub))} if ub else {}
    found = set()
    for key in targets:
        j = index[key]
        if low[j] == high[j]:
            continue
        c = np.zeros(len(low))
        c[j] = 1
        solve = {"A_eq": a_eq.tocsr(), "b_eq": np.zeros(len(eq)), "bounds": bounds, **extra}
        least = linprog(c, method="highs", **solve)
        most = linprog(-c, method="highs", **solve)
        assert least.status == 0, (key, least.message)
        if most.status == 0 and abs(least.fun + most.fun) < 1e-6:
            found.add((key, round(least.fun)))
    return found


def test_the_ports_attack_pins_nothing(settings, tmp_path, monkeypatch):
    k = settings.disclosure_k
    app, client = _client(settings)
    for first, last in QUARTERS:
        query = f"?theme=port_events&layer=ports&from={first}&to={last}"
        # Nothing the layer says bounds a port's events: the attacker's system is the tree's.
        said = _port_bounds(client, app, query, k)
        assert said and all(b[1:] == [0, np.inf] for b in said.values())
    # The protection off (the side-table layer, on a copy of the store: nothing cached) and
    # the same attack pins counts the tree alone does not.
    shutil.copyfile(settings.db_path, tmp_path / "off.duckdb")
    monkeypatch.setattr(map_view, "ports", _side_table_ports)
    app, client = _client(settings.with_overrides(db_path=tmp_path / "off.duckdb"))
    gained = {}
    for first, last in QUARTERS:
        query = f"?theme=port_events&layer=ports&from={first}&to={last}"
        system = _tree(client, app, query, k)
        ports = _port_bounds(client, app, query, k)
        gained[first] = _pinned(system, ports) - _pinned(system, {})
        if gained[first]:
            break
    assert any(gained.values()), gained


def test_public_layers_are_the_register_alone_in_every_view(settings):
    """Every area view and quarter draws the same ports (the register's, where they are) with
    the same words and no figure, and no county-lines link; asking for the links says why."""
    app, client = _client(settings)
    store = Store(settings.db_path)
    register = sorted((r[1], round(r[5], 5), round(r[4], 5)) for r in port_rows(store))
    store.close()
    assert register
    for quarter in QUARTERS:
        for area in ["", *(f"&d={d}" for d in DISTRICTS[::4])]:
            query = f"?layer=ports&layer=lines&from={quarter[0]}&to={quarter[1]}{area}"
            state = at.canonical(client, app, query)
            response = at.callback(client, app, state, "map.figure")
            shown = _ports_shown(client, app, state)
            assert sorted((n, lon, lat) for n, lon, lat, _ in shown) == register
            assert {words for *_, words in shown} == {PUBLIC_PORT_NOTE}
            traces = response["map"]["figure"]["data"]
            assert not [t for t in traces if (t.get("name") or "").startswith("County lines")]
            caption = " ".join(at._plain(p) for p in at._texts(response["map-caption"]["children"]))
            assert PUBLIC_LINKS_NOTE in caption


def test_the_restricted_view_keeps_its_exact_layers(settings, dashboard_store):
    from dashboard.state import ViewState
    from dashboard.views.context import AppContext

    ctx = AppContext.create(Store(settings.db_path), settings, Audience.RESTRICTED)
    state = ViewState.from_query("?layer=ports&layer=lines&from=2025-04&to=2025-06")
    model = map_view.map_model(ctx, state, Audience.RESTRICTED)
    exact = {name: n for name, _, _, n in port_event_counts(ctx.store, state.filters(), ctx.themes)}
    assert exact and {p.name: p.events for p in model.ports} == exact
    assert all(p.text == f"{p.events:,}" for p in model.ports)
    assert model.links and all(k.lines >= 1 for k in model.links)


def test_restricted_layer_categories_reach_no_public_layer(settings):
    """With port events and county lines made restricted (the settings allow it), the public
    layers are still only the register's ports: no link, no figure, nothing of the events."""
    from dashboard.state import ViewState
    from dashboard.views.context import AppContext

    closed = settings.with_overrides(
        restricted_categories=("modern_slavery", "port_events", "county_lines")
    )
    ctx = AppContext.create(Store(closed.db_path), closed, Audience.PUBLIC)
    for query in ("", "&d=E07000108", "&theme=knife_crime"):
        state = ViewState.from_query(f"?layer=ports&layer=lines&from=2025-04&to=2025-06{query}")
        model = map_view.map_model(ctx, state, Audience.PUBLIC)
        assert model.links == ()
        assert {p.text for p in model.ports} == {""}
        assert not any(ch.isdigit() for p in model.ports for ch in p.label)
