"""The attacks on the public statistics, run over HTTP as an outsider would run them.

Each attack reads only public responses (the map callback's figure and caption, the panel, the
hot spot summary, a CSV download) and public geometry, and makes claims about counts the map
withholds; the store's truth says whether a claim is right. Each runs twice: with the
protection switched off (monkeypatched back to what the public view did before) it must find
the leak, and as the code stands it must find nothing.

(a) Gi* z is an affine function of each hexagon's neighbourhood sum: with z printed to two
    places and one published total, the sums round to whole numbers and the neighbourhood
    matrix gives every hexagon's count (:func:`tests.support.attacks.integer_solve`).
(b) A caption's "0.13 incidents per hexagon on average" times the hexagons on the map, or
    "only 4 cells hold any incident" beside "fewer than 5", gives a withheld total.
(c) A study region that takes in every hexagon holding a record lets a record of a restricted
    category at an area's edge change the public classes (differencing two loads).
(d) An export's metadata that says how many parts a "fewer than k" count hides says, at its
    least, that every incident shares one hexagon.
And the property behind (a): two stores whose published figures are the same (one incident
moved inside a withheld division) give the same public statistics.

Runs on a synthetic store always, and on the real Kent months where SOCMAP_SHARED_DATA is set.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import h3.api.basic_int as h3i
import numpy as np
import pytest
import shapely

from dashboard import ids
from dashboard.app import create_app
from dashboard.views import measures, public_stats
from geo.filters import Filters
from geo.grid import CELL_COLUMNS, RESOLUTIONS, cell_column
from geo.settings import Settings
from geo.store import Store
from geo.themes import load_themes
from tests.support import attacks as at
from tests.support.attack_store import add_incident, fill_attack_store

K = 5
RES = 8  # the public maximum: the finest hexagons, where counts are smallest


@dataclass(frozen=True)
class World:
    """A store and the public (block, theme) the attacks aim at."""

    name: str
    db: Path
    theme: str
    months: tuple[str, str]
    districts: tuple[str, ...]  # attacked one by one (the z-score solve)
    edge_district: str  # where a restricted record is added at the edge (attack c)

    def query(self, area: str, measure: str = "hotspots") -> str:
        return f"?{area}&theme={self.theme}&from={self.months[0]}&to={self.months[1]}&m={measure}"

    def truth(self, level: str, code: str) -> dict[int, int]:
        """Exact counts by resolution-8 cell of the public filter in an area (the oracle)."""
        first, last = (date.fromisoformat(m + "-01") for m in self.months)
        f = Filters(themes=(self.theme,), month_from=first, month_to=last, **{level: code})
        where, params = f.where(load_themes())
        column = cell_column(RES)
        rows = Store(self.db).fetch_rows(
            f"SELECT {column}, count(*) FROM incidents WHERE cell IS NOT NULL AND {where} "
            "GROUP BY 1",
            params,
        )
        return {int(c): int(n) for c, n in rows}


def _synthetic(folder: Path) -> Path:
    db = folder / "socmap.duckdb"
    fill_attack_store(Store(db))
    return db


@pytest.fixture(scope="module", params=["synthetic", "real"])
def world(request, tmp_path_factory) -> World:
    folder = tmp_path_factory.mktemp(f"attack-{request.param}")
    if request.param == "synthetic":
        return World("synthetic", _synthetic(folder), "knife_crime", ("2024-04", "2024-06"),
                     ("E07000110", "E07000111"), "E07000111")  # fmt: skip
    if not os.environ.get("SOCMAP_SHARED_DATA"):
        pytest.skip("SOCMAP_SHARED_DATA is not set: the real-data attacks need the Kent data")
    built = request.getfixturevalue("dashboard_store")
    db = folder / "socmap.duckdb"
    shutil.copy(built.db_path, db)  # a private copy: these tests cache and write beside it
    # Folkestone and Hythe and Dover, knife crime, October to December 2018 (police.uk).
    return World("real", db, "knife_crime", ("2018-10", "2018-12"),
                 ("E07000112", "E07000108"), "E07000112")  # fmt: skip


def _app(db: Path, monkeypatch=None, *, protected: bool = True):
    if not protected:
        # The public hot spots as they were: Gi* of the exact counts, z on every card, and
        # every note of the statistic (those quoting exact figures too).
        from geo.stats import HotspotResult

        monkeypatch.setattr(measures, "_public_hotspots", measures._exact_hotspots)
        monkeypatch.setattr(HotspotResult, "public_notes", property(lambda r: r.notes))
    settings = Settings(db_path=db, cookie_secure=False, anonymous_export_limit=10_000)
    app = create_app(Store(db), settings)
    return app, app.server.test_client()


# -- (a) the z-score integer solve -------------------------------------------------------------


def _z_attack(world: World, app, client) -> tuple[dict, dict, int]:
    """Claims (cell: count) about withheld hexagons from every z the public view prints,
    the right ones, and how many z-scores were found at all."""
    claims, right, found = {}, {}, 0
    for district in world.districts:
        state = at.canonical(client, app, world.query(f"d={district}") + f"&res={RES}")
        pieces, _ = at.map_pieces(client, app, state)
        table = at.csv_download(client, state)
        z = {**at.csv_z_scores(table), **at.z_scores(pieces)}
        found += len(z)
        total = table[(table["layer"] == "area") & (table["code"] == district)]["count"]
        if not z or not total.iloc[0]:
            continue
        solved = at.integer_solve(z, int(total.iloc[0])) or {}
        withheld = {}
        for p in pieces:
            withheld[p["cell"]] = withheld.get(p["cell"], True) and not at.shown(p["count"])
        truth = world.truth("district", district)
        for cell, n in solved.items():
            if withheld.get(cell) and 1 <= n < K:
                claims[cell] = n
                if truth.get(cell, 0) == n:
                    right[cell] = n
    return claims, right, found


def test_z_scores_and_one_total_give_away_withheld_hexagons(world, monkeypatch):
    """Protection off: the attack works (the issue found 14 such hexagons in one district)."""
    app, client = _app(world.db, monkeypatch, protected=False)
    claims, right, found = _z_attack(world, app, client)
    assert found > 100
    assert len(right) >= 5, (world.name, claims)
    assert claims == right  # the solve is exact: every claim is right


def test_public_hot_spots_print_no_score_and_the_solve_finds_nothing(world):
    app, client = _app(world.db)
    claims, _, found = _z_attack(world, app, client)
    assert found == 0 and claims == {}
    # No score of any kind on any card or in any download column, for either statistic.
    for measure in ("hotspots", "emerging"):
        for district in world.districts:
            state = at.canonical(client, app, world.query(f"d={district}", measure))
            pieces, _ = at.map_pieces(client, app, state)
            assert not [p["hover"] for p in pieces if at.scores(p["hover"])]
            table = at.csv_download(client, state)
            hexagons = table[table["layer"] == "hexagon"]
            for column in ("hotspots_value", "emerging_value"):
                if column in hexagons:
                    assert set(hexagons[column]) <= {""}, column


# -- (b) captions times the hexagons on the map ----------------------------------------------


def _withheld_divisions(world: World, app, client) -> list[tuple[str, str]]:
    out = []
    for district in world.districts:
        table = at.csv_download(client, at.canonical(client, app, world.query(f"d={district}")))
        rows = table[(table["layer"] == "area") & (table["level"] == "division")]
        labels = zip(rows["code"], rows["count_label"], strict=True)
        out += [(district, code) for code, label in labels if label == f"fewer than {K}"]
    return out


def _caption_attack(world: World, app, client) -> tuple[dict, dict, int]:
    claims, right = {}, {}
    divisions = _withheld_divisions(world, app, client)
    for district, division in divisions:
        state = at.canonical(client, app, world.query(f"d={district}&v={division}"))
        pieces, caption = at.map_pieces(client, app, state)
        hexagons = len(at.z_scores(pieces)) or len({p["cell"] for p in pieces})
        found = at.caption_claims(caption, hexagons, K)
        if len(found) == 1:
            claims[division] = found.pop()
            if sum(world.truth("division", division).values()) == claims[division]:
                right[division] = claims[division]
    return claims, right, len(divisions)


def test_captions_times_hexagons_give_away_withheld_totals(world, monkeypatch):
    """Protection off (the exact captions): most "fewer than 5" divisions are pinned."""
    app, client = _app(world.db, monkeypatch, protected=False)
    claims, right, withheld = _caption_attack(world, app, client)
    assert withheld >= 3
    assert len(right) >= withheld // 2, (world.name, claims, withheld)


def test_public_captions_pin_no_withheld_total(world):
    app, client = _app(world.db)
    claims, _, withheld = _caption_attack(world, app, client)
    assert withheld >= 3 and claims == {}


# -- the property: same published figures, same public statistics ---------------------------


def _move_inside_withheld_division(db: Path) -> None:
    """Move one incident of a "fewer than 5" division to another hexagon of it: every
    published figure stays the same (all its parts are merged into its total)."""
    store = Store(db)
    rows = store.fetch_rows(
        "SELECT division, count(*) FROM incidents WHERE month >= DATE '2024-04-01' "
        "AND category IN ('knife_crime', 'Possession of weapons') GROUP BY 1 ORDER BY 1"
    )
    division = next(d for d, n in rows if 2 <= n < K)
    box = shapely.from_wkb(store.fetch_rows(
        "SELECT geometry FROM areas WHERE code = ?", [division])[0][0])  # fmt: skip
    uid, lat, lon = store.fetch_rows(
        "SELECT uid, latitude, longitude FROM incidents WHERE division = ? AND month >= "
        "DATE '2024-04-01' ORDER BY uid LIMIT 1",
        [division],
    )[0]
    here = _cell8(lat, lon)
    x0, y0, x1, y1 = box.bounds
    for lat2 in np.linspace(y0 + 0.002, y1 - 0.002, 9):
        for lon2 in np.linspace(x0 + 0.002, x1 - 0.002, 9):
            there = _cell8(lat2, lon2)
            clat, clon = h3i.cell_to_latlng(there)
            if there != here and box.contains(shapely.Point(clon, clat)):
                with store.writing() as con:
                    cells = {c: h3i.latlng_to_cell(lat2, lon2, r) for r, c in enumerate(
                        CELL_COLUMNS, start=RESOLUTIONS[0])}  # fmt: skip
                    con.execute(
                        "UPDATE incidents SET latitude = ?, longitude = ?, "
                        + ", ".join(f"{c} = ?" for c in cells)
                        + " WHERE uid = ?",
                        [lat2, lon2, *cells.values(), uid],
                    )
                return
    raise AssertionError("no other hexagon in the division")


def _cell8(lat: float, lon: float) -> int:
    return h3i.latlng_to_cell(lat, lon, RES)


def _public_outputs(db: Path, view: str, measures_: tuple[str, ...]) -> dict:
    """What the public view of one area says, for the measures given: each piece's class
    and card, the caption, the hot spot summary and, from the download, the measures' own
    columns (the counts and their labels for "count")."""
    app, client = _app(db)
    out = {}
    for measure in measures_:
        state = at.canonical(client, app, view + f"&m={measure}")
        pieces, caption = at.map_pieces(client, app, state)
        out[measure, "map"] = sorted((p["cell"], p["area"], p["class"], p["hover"]) for p in pieces)
        out[measure, "caption"] = caption
        summary = at.callback(client, app, state, f"{ids.HOTSPOT_SUMMARY}.children")
        out[measure, "summary"] = str(summary)
        table = at.csv_download(client, state)
        columns = [c for c in table.columns if c.startswith(f"{measure}_")]
        if measure == "count":
            columns = ["level", "code", "count", "count_label", "previous_label"]
        out[measure, "csv"] = table[table["layer"] != "note"][["hex", *columns]].to_csv()
    return out


def test_two_stores_with_the_same_published_figures_give_the_same_statistics(tmp_path, monkeypatch):
    first, second = _synthetic(tmp_path / "a"), _synthetic(tmp_path / "b")
    _move_inside_withheld_division(second)
    view = "?d=E07000110&theme=knife_crime&from=2024-04&to=2024-06"
    # The premise: nothing published differs (the public map has one hexagon size, RES,
    # whatever size a link asks for).
    for query in (view, f"{view}&res=5"):
        assert _public_outputs(first, query, ("count",)) == _public_outputs(
            second, query, ("count",)
        )
    stats = ("hotspots", "emerging")
    assert _public_outputs(first, view, stats) == _public_outputs(second, view, stats)
    # With the protection off the two stores are told apart: the leak the test looks for.
    monkeypatch.setattr(measures, "_public_hotspots", measures._exact_hotspots)
    off = [_public_outputs(db, view + "&res=8", ("hotspots",)) for db in (first, second)]
    assert off[0]["hotspots", "map"] != off[1]["hotspots", "map"]


# -- (c) region edges -----------------------------------------------------------------------


def _edge_records(db: Path, district: str, month: date, source: str) -> int:
    """Modern slavery records (restricted: never on the public map), one in each
    resolution-8 hexagon at the edge of ``district``: inside the district, in a hexagon
    whose centre lies outside it. A partner's load could hold such records."""
    store = Store(db)
    rows = store.fetch_rows(
        "SELECT code, geometry FROM areas WHERE level = 'division' AND parent_code = ? "
        "ORDER BY code",
        [district],
    )
    whole = shapely.from_wkb(
        store.fetch_rows("SELECT geometry FROM areas WHERE code = ?", [district])[0][0]
    )
    found: dict[int, tuple] = {}
    for code, wkb in rows:
        shape = shapely.from_wkb(wkb)
        x0, y0, x1, y1 = shape.bounds
        for lat in np.linspace(y0, y1, 120):
            for lon in np.linspace(x0, x1, 120):
                cell = _cell8(lat, lon)
                if cell in found or not shape.contains(shapely.Point(lon, lat)):
                    continue
                clat, clon = h3i.cell_to_latlng(cell)
                if not whole.contains(shapely.Point(clon, clat)):
                    found[cell] = (float(lat), float(lon), code)
    assert found, "no edge hexagon found"
    for lat, lon, code in found.values():
        add_incident(store, "modern_slavery", month, lat, lon, district, code, source)
    return len(found)


def _edge_worlds(world: World, tmp_path: Path) -> tuple[Path, Path]:
    paths = []
    for name in ("before", "after"):
        (tmp_path / name).mkdir()
        db = tmp_path / name / "socmap.duckdb"
        if world.name == "synthetic":
            fill_attack_store(Store(db))
        else:
            shutil.copy(world.db, db)
        paths.append(db)
    month = date.fromisoformat(world.months[1] + "-01")
    # From a source that covers the month already: a new source would be named in the
    # notes (which sources cover a period is published, as docs/security.md says).
    source = "partner-a" if world.name == "synthetic" else "police-uk"
    _edge_records(paths[1], world.edge_district, month, source)
    return paths[0], paths[1]


def _old_region(store, level, code, res):
    """The study region as it was: every cell whose centre is in the area, and every cell
    holding any of its records, whatever their category, month or source."""
    from geo.grid import region_from_cells

    wkb = store.fetch_rows("SELECT geometry FROM areas WHERE level = ? AND code = ?",
                           [level, code])[0][0]  # fmt: skip
    centres = set()
    for part in shapely.get_parts(shapely.from_wkb(wkb)):
        centres.update(h3i.geo_to_cells(part, res))
    cell = cell_column(res)
    column = "district" if level == "district" else "division"
    held = store.fetch_rows(
        f"SELECT DISTINCT {cell} FROM incidents WHERE cell IS NOT NULL AND {column} = ?",
        [code],
    )
    cells = np.array(sorted(centres | {int(c) for (c,) in held}), dtype=np.uint64)
    return region_from_cells(cells, res)


def test_a_record_at_an_areas_edge_shows_when_regions_hold_record_cells(
    world, tmp_path, monkeypatch
):
    """Protection off (regions that take in record-holding cells, and the exact z on every
    card, as the public view had them): restricted records at the edge change what the
    public hot spot map says."""
    import geo.grid
    import geo.stats._hotspots

    monkeypatch.setattr(geo.grid, "study_region", _old_region)
    monkeypatch.setattr(geo.stats._hotspots, "study_region", _old_region)
    monkeypatch.setattr(measures, "_public_hotspots", measures._exact_hotspots)
    before, after = _edge_worlds(world, tmp_path)
    view = world.query(f"d={world.edge_district}", "hotspots") + f"&res={RES}"
    view = view.replace("&m=hotspots", "")
    stats = ("hotspots",)
    assert _public_outputs(before, view, stats) != _public_outputs(after, view, stats)


def test_a_record_at_an_areas_edge_changes_no_public_statistic(world, tmp_path):
    before, after = _edge_worlds(world, tmp_path)
    view = world.query(f"d={world.edge_district}", "hotspots").replace("&m=hotspots", "")
    stats = ("hotspots", "emerging")
    assert _public_outputs(before, view + f"&res={RES}", stats) == _public_outputs(
        after, view + f"&res={RES}", stats
    )


# -- (d) export metadata ----------------------------------------------------------------------


def _one_hexagon_claim(db: Path) -> bool | None:
    """From a public GeoJSON's metadata and the public boundaries: True when it shows that
    every port event of the quarter lies in one hexagon (the county's "fewer than 5" has as
    parts every district and division, which the boundaries give, and one non-empty hexagon
    piece at the one public resolution), None when it says nothing about the parts."""
    import json

    app, client = _app(db)
    state = at.canonical(client, app, "?theme=port_events&from=2024-04&to=2024-06")
    meta = json.loads(at.download(client, state, "geojson"))["socmap"]
    merged = next(r for r in meta["rules"] if r["rule"] == "merged")
    if "merged" not in merged:
        return None
    areas = Store(db).fetch_rows(
        "SELECT count(*) FROM areas WHERE level IN ('district', 'division')"
    )[0][0]
    return merged["merged"] == areas + 1  # and one piece at the public resolution RES


def _two_port_events(folder: Path) -> Path:
    db = _synthetic(folder)
    store = Store(db)
    for _ in range(2):  # two events at one place: the county's only ones this quarter
        add_incident(store, "port_event", date(2024, 5, 1), 51.215, 0.43, "E07000110",
                     "E58000001")  # fmt: skip
    return db


def test_metadata_counting_merged_parts_says_all_incidents_share_a_hexagon(tmp_path, monkeypatch):
    """Protection off (the rules' metadata with the number of parts merged): the claim is
    made, and it is right."""
    import geo.disclosure._query as query
    from geo.disclosure._rules import rules_applied

    def with_counts(policy, audience, themes=None, *, counts=None, block=None):
        rules = rules_applied(policy, audience, themes, counts=counts, block=block)
        return tuple(
            replace(r, params={**r.params, "merged": (counts or {}).get("merged", 0)})
            if r.key == "merged" else r
            for r in rules
        )  # fmt: skip

    monkeypatch.setattr(query, "rules_applied", with_counts)
    db = _two_port_events(tmp_path)
    assert _one_hexagon_claim(db) is True
    cells = Store(db).fetch_rows(
        "SELECT DISTINCT cell FROM incidents WHERE category = 'port_event'"
    )
    assert len(cells) == 1  # right: both events are in one hexagon


def test_public_metadata_says_which_rules_applied_not_how_many_parts(tmp_path):
    db = _two_port_events(tmp_path)
    assert _one_hexagon_claim(db) is None
    app, client = _app(db)
    state = at.canonical(client, app, "?theme=port_events&from=2024-04&to=2024-06")
    import json

    for rule in json.loads(at.download(client, state, "geojson"))["socmap"]["rules"]:
        counts = {k: v for k, v in rule.items() if isinstance(v, int) and not isinstance(v, bool)}
        assert set(counts) <= {"k", "max_resolution", "period_months", "year_start"}, rule


# -- the classes are a function of the published map ------------------------------------------


def _published_value(label: str) -> float | None:
    """A piece's published count as a number, by the documented stand-ins (None: merged)."""
    if at.shown(label):
        return float(label.replace(",", ""))
    if label == f"fewer than {K}":
        return K / 2  # the midpoint of 1 to k-1
    if label == "suppressed":
        return float(K)
    return None  # a part of a withheld count: "part of a larger area with fewer than 5..."


def test_anyone_can_recompute_the_public_classes_from_the_published_map(world):
    """The public classes are what Gi* gives on the published map read as numbers, worked
    out here from the public responses alone: each piece's label, and for a grey piece the
    "fewer than 5" it belongs to (its division's: the public map has one hexagon size),
    spread over that count's grey pieces on the map."""
    from geo.grid import study_region
    from geo.stats import CLASS_LABELS, gi_star_frame

    app, client = _app(world.db)
    district = world.districts[0]
    state = at.canonical(client, app, world.query(f"d={district}") + f"&res={RES}")
    pieces, _ = at.map_pieces(client, app, state)
    table = at.csv_download(client, state)
    divisions = dict(zip(table["code"], table["count_label"], strict=True))
    values, groups = {}, {}
    for p in pieces:
        value = _published_value(p["count"])
        if value is None:  # one public resolution: a merged piece is part of its division's
            container = ("division", p["area"])
            assert divisions[p["area"]] == f"fewer than {K}"
            groups.setdefault(container, []).append(p)
        else:
            values[p["cell"]] = values.get(p["cell"], 0.0) + value
    for group in groups.values():
        for p in group:
            values[p["cell"]] = values.get(p["cell"], 0.0) + (K / 2) / len(group)
    region = study_region(Store(world.db), "district", district, RES)
    cells = np.array(list(values), dtype=np.uint64)
    y = region.align(cells, np.array(list(values.values())))
    frame = gi_star_frame(public_stats.in_halves(y), region)
    expected = dict(zip(frame["cell"].tolist(), frame["class"].tolist(), strict=True))
    by_label = {label: key for key, label in CLASS_LABELS.items()}
    served = {p["cell"]: by_label[p["class"]] for p in pieces}
    assert any(k != "not_significant" for k in served.values())
    assert served == {c: expected.get(c, "not_significant") for c in served}


# -- (b') sources named beside a withheld total --------------------------------------------


def _sources_line(caption: list[str]) -> str:
    return next((line for line in caption if line.startswith("Sources:")), "")


def _four_sources(folder: Path) -> tuple[Path, str, str]:
    """A division with no knife crime this quarter gets four incidents, each from its own
    source: its total is "fewer than 5", and four sources hold it."""
    db = _synthetic(folder)
    store = Store(db)
    district, division = "E07000110", "E58000002"
    lat, lon = 51.225, 0.49
    sources = {"police-uk": "Possession of weapons", "partner-a": "knife_crime",
               "partner-b": "knife_crime", "partner-c": "knife_crime"}  # fmt: skip
    for source, category in sources.items():
        add_incident(store, category, date(2024, 5, 1), lat, lon, district, division, source)
    return db, district, division


def _source_claims(db: Path, district: str) -> tuple[dict[str, int], set[str]]:
    """Each "fewer than 5" division whose notes name k-1 sources is claimed to hold k-1;
    and the distinct "Sources:" lines over the district's divisions."""
    world = World("synthetic", db, "knife_crime", ("2024-04", "2024-06"), (district,), district)
    app, client = _app(db)
    claims, lines = {}, set()
    for _, division in _withheld_divisions(world, app, client):
        state = at.canonical(client, app, world.query(f"d={district}&v={division}", "count"))
        line = _sources_line(at.map_pieces(client, app, state)[1])
        lines.add(line)
        named = re.sub(r"\([^)]*\)", "", line).split(";")  # each source's note in brackets
        if len(named) == K - 1:
            claims[division] = K - 1
    return claims, lines


def test_sources_named_for_a_division_give_away_its_withheld_total(tmp_path, monkeypatch):
    """Protection off (the notes name the sources of the view's own incidents): four
    sources beside "fewer than 5" say it is 4, and it is."""
    from dashboard.views import labels
    from dashboard.views.profile import profile

    def own_sources(ctx, state, audience=None):
        return profile(ctx, state.filters()).sources()

    monkeypatch.setattr(labels, "sources_in_view", own_sources)
    db, district, division = _four_sources(tmp_path)
    claims, lines = _source_claims(db, district)
    assert claims.get(division) == 4
    assert sum(World("s", db, "knife_crime", ("2024-04", "2024-06"), (), "")
               .truth("division", division).values()) == 4  # fmt: skip
    assert len(lines) > 1


def test_public_notes_name_the_sources_covering_the_period_alike_for_every_area(tmp_path):
    db, district, _ = _four_sources(tmp_path)
    _, lines = _source_claims(db, district)
    assert len(lines) == 1  # the same words for every division: nothing about its incidents
    assert all(name in next(iter(lines)) for name in ("partner-a", "partner-b", "partner-c"))
