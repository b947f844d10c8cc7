"""geo.context's queries on a small generated folder: search, populations and their
apportionment rule, age ranges, deprivation, basemap levels of detail and attribution."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geo.context import (
    age_bands,
    attribution,
    basemap,
    imd_deciles,
    load_context,
    lsoa_deprivation,
    lsoa_division_shares,
    lsoa_populations,
    lsoa_table,
    population,
    populations,
    search_places,
)
from geo.errors import ValidationError
from geo.store import Store, summarize
from geo.themes import load_themes
from socmap.cli import main
from tests.support.boundaries import DISTRICT_A, DISTRICT_B, MEDWAY
from tests.support.context import (
    ATTRIBUTION_ALL,
    DIVISION_POP_2018,
    EAST,
    LSOAS,
    NORTH,
    PLACES,
    POP_2018,
    SOUTH,
    WEST,
    deprivation_rank,
    load_geography,
    single_years,
    write_context,
)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    root = tmp_path_factory.mktemp("ctx")
    write_context(root / "shared")
    store = Store(root / "socmap.duckdb")
    load_geography(store, root / "geo")
    load_context(store, root / "shared" / "context")
    yield store
    store.close()


def one(store, query, **kw):
    found = search_places(store, query, **kw)
    assert found, query
    return found[0]


@pytest.mark.parametrize(
    ("query", "name", "kind", "district", "division"),
    [
        ("Alphaton", "Alphaton", "town", DISTRICT_A, WEST),
        ("  alphaTON ", "Alphaton", "town", DISTRICT_A, WEST),
        ("alph", "Alphaton", "town", DISTRICT_A, WEST),  # prefix
        ("Alfaton", "Alphaton", "town", DISTRICT_A, WEST),  # one edit
        ("eastfold", "Eastfold", "village", DISTRICT_A, EAST),
        ("st olaves at beta", "St Olave's at Beta", "village", DISTRICT_B, NORTH),
        ("olave", "St Olave's at Beta", "village", DISTRICT_B, NORTH),  # a word's start
        ("Medtown", "Medtown", "town", MEDWAY, None),  # Medway has no divisions
        ("ME4 4QB", "ME4 4QB", "postcode", MEDWAY, None),
        ("me44qb", "ME4 4QB", "postcode", MEDWAY, None),
        ("AB2 1AB", "AB2 1AB", "postcode", DISTRICT_B, NORTH),
        ("AA1 2", "AA1 2", "postcode_sector", DISTRICT_A, EAST),
        ("aa12", "AA1 2", "postcode_sector", DISTRICT_A, EAST),
        ("AB2", "AB2", "postcode_district", DISTRICT_B, None),  # mean of 3: on the S/N edge?
    ],
)
def test_search_finds_places_and_postcodes_in_their_areas(
    ctx, query, name, kind, district, division
):
    m = one(ctx, query)
    assert (m.name, m.kind, m.district_code) == (name, kind, district)
    if division is not None:
        assert (m.division_code, m.division_match) == (division, "inside")
    elif district == MEDWAY:
        assert m.division_code is None


def test_a_postcode_districts_division_is_the_one_holding_its_centroid(ctx):
    m = one(ctx, "AB2")
    rows = ctx.fetch_rows("SELECT code, geometry FROM areas WHERE level = 'division'")
    holding = [
        c
        for c, g in rows
        if shapely.intersects(shapely.from_wkb(g), shapely.Point(m.longitude, m.latitude))
    ]
    assert m.division_code == min(holding)


def test_search_uses_the_current_postcodes_and_falls_back_for_old_ones(ctx):
    current = one(ctx, "AA1 4AB")  # only in 2025.4
    assert current.vintage == "2025.4" and "Code-Point Open 2025.4" in current.detail
    old = one(ctx, "aa1 3xx")  # terminated: only in 2018.3
    assert old.vintage == "2018.3" and "not in use in 2025.4" in old.detail
    assert search_places(ctx, "ZZ9 9ZZ") == []
    assert search_places(ctx, "AA1 3") and one(ctx, "AA1 3").kind == "postcode_sector"


def test_places_beyond_the_county_only_when_asked(ctx):
    assert search_places(ctx, "Farborough") == []
    far = one(ctx, "Farborough", include_outside=True)
    assert far.district_code is None and far.division_code is None


def test_close_spellings_only_when_nothing_matches_exactly(ctx):
    assert [m.name for m in search_places(ctx, "Medtown")] == ["Medtown"]  # not Medham
    assert {m.name for m in search_places(ctx, "Medtowm")} >= {"Medtown"}
    assert search_places(ctx, "Xyzzy") == []


@given(
    place=st.sampled_from([p for p in PLACES if p[5] is not None]),
    upper=st.lists(st.booleans(), min_size=30, max_size=30),
    spaces=st.integers(0, 3),
)
def test_case_and_spaces_do_not_matter(ctx, place, upper, spaces):
    name = place[0]
    typed = "".join(c.upper() if u else c.lower() for c, u in zip(name, upper, strict=False))
    typed = " " * spaces + typed.replace(" ", " " * (spaces + 1)) + " " * spaces
    found = search_places(ctx, typed)
    assert found[0].name == name and found[0].match == "exact"


def test_division_populations_follow_the_postcode_rule(ctx):
    found = populations(ctx, "division")
    assert found == pytest.approx(DIVISION_POP_2018)
    shares = lsoa_division_shares(ctx).set_index(["lsoa_code", "division_code"])["share"]
    # 2018.3 (the release nearest mid-2018) weighs the straddling LSOAs, not 2025.4.
    assert shares[("E01000002", WEST)] == pytest.approx(0.75)
    assert shares[("E01000005", SOUTH)] == pytest.approx(0.5)
    assert lsoa_division_shares(ctx).groupby("lsoa_code")["share"].sum().tolist() == pytest.approx(
        [1.0] * 6
    )
    p = population(ctx, "division", WEST)
    assert p.persons == pytest.approx(400) and p.lsoas == 2 and "2018.3" in p.rule


def test_divisions_add_up_to_their_districts_and_the_county(ctx):
    divisions = populations(ctx, "division")
    districts = populations(ctx, "district")
    assert divisions[WEST] + divisions[EAST] == pytest.approx(districts[DISTRICT_A])
    assert divisions[SOUTH] + divisions[NORTH] == pytest.approx(districts[DISTRICT_B])
    county = populations(ctx, "county")["E10000901"]
    assert sum(divisions.values()) == pytest.approx(county)
    raw = pd.Series(POP_2018)
    districts_of = pd.Series({c: d for c, (d, _) in LSOAS.items()})
    assert county == raw[districts_of != MEDWAY].sum()
    assert districts[MEDWAY] == raw[districts_of == MEDWAY].sum()


def test_the_best_fit_rule_gives_straddling_lsoas_whole(ctx):
    found = populations(ctx, "division", rule="best_fit")
    assert found == pytest.approx({WEST: 500, EAST: 200, SOUTH: 300, NORTH: 1500})
    assert sum(found.values()) == pytest.approx(sum(DIVISION_POP_2018.values()))


def test_age_ranges_against_the_raw_single_years(ctx):
    ages = pd.DataFrame(single_years()).T  # LSOA x age 0..90+
    for lo, hi in [(10, 24), (0, 17), (65, None), (90, None), (0, 89)]:
        want = ages.loc[:, lo : (90 if hi is None else hi)].sum(axis=1)
        got = lsoa_populations(ctx, year=2019, ages=(lo, hi))
        assert got.to_dict() == want.to_dict()
    band = population(ctx, "district", MEDWAY, year=2019, ages=(10, 24))
    medway = [c for c, (d, _) in LSOAS.items() if d == MEDWAY]
    assert band.persons == ages.loc[medway, 10:24].to_numpy().sum() and band.ages == "10-24"
    bands = age_bands(ctx, "division", WEST)
    assert sum(bands.values()) == pytest.approx(
        population(ctx, "division", WEST, year=2019).persons
    )
    assert list(bands) == ["0-9", "10-17", "18-24", "25-64", "65 and over"]


def test_ages_that_cannot_be_answered_are_refused(ctx):
    with pytest.raises(ValidationError, match="single years of age stop at '90 and over'"):
        lsoa_populations(ctx, year=2019, ages=(85, 95))
    with pytest.raises(ValidationError, match="mid-2018 population is loaded as totals only"):
        lsoa_populations(ctx, year=2018, ages=(10, 24))
    with pytest.raises(
        ValidationError, match=r"no mid-2017 population is loaded \(loaded: mid-2018, mid-2019\)"
    ):
        lsoa_populations(ctx, year=2017)


def test_deprivation_by_lsoa(ctx):
    deciles = imd_deciles(ctx)
    assert set(deciles) == set(LSOAS)
    for i, code in enumerate(LSOAS):
        assert deciles[code] == (deprivation_rank(i, 0) - 1) * 10 // 32844 + 1
    assert lsoa_deprivation(ctx, "E01000003")["crime"] == (
        deprivation_rank(2, 5),
        (deprivation_rank(2, 5) - 1) * 10 // 32844 + 1,
    )
    table = lsoa_table(ctx)
    assert table["persons"].tolist() == [POP_2018[c] for c in table["lsoa_code"]]
    assert table["imd_decile"].tolist() == [deciles[c] for c in table["lsoa_code"]]


def test_basemap_is_light_at_county_level_and_richer_when_zoomed(ctx):
    county = basemap(ctx, level="county")
    names = [f["properties"]["name"] for f in county.layers["labels"]["features"]]
    assert names == ["Alphaton", "Medtown", "Farborough"]  # towns only, larger first
    assert len(county.layers["water"]["features"]) == 1  # the 90 ha lake, not the 3 ha pond
    # ... and the pond's hole in the land is filled, so it does not show as sea.
    land = shapely.geometry.shape(county.layers["land"]["features"][0]["geometry"])
    assert len(land.interiors) == 1
    division = basemap(ctx, level="division")
    assert len(division.layers["labels"]["features"]) == 6  # + villages, suburbs (no hamlets)
    assert len(division.layers["water"]["features"]) == 2
    land = shapely.geometry.shape(division.layers["land"]["features"][0]["geometry"])
    assert len(land.interiors) == 2
    assert county.attribution == ATTRIBUTION_ALL.replace(
        "contains National Statistics data © Crown copyright and database right; ", ""
    )
    assert county.notes and county.notes[0].startswith("Railways approximate")
    assert (
        basemap(ctx, level="county", max_labels=1).layers["labels"]["features"][0]["properties"][
            "name"
        ]
        == "Alphaton"
    )


def test_basemap_clips_to_the_box_and_credits_only_what_it_draws(ctx):
    box = (0.45, 51.16, 0.6, 51.3)  # no railway, no water
    found = basemap(ctx, box, level="division")
    land = shapely.geometry.shape(found.layers["land"]["features"][0]["geometry"])
    assert shapely.equals(land, shapely.box(*box))
    assert found.layers["railways"]["features"] == []
    assert "Network Rail" not in found.attribution and not found.notes
    with pytest.raises(ValidationError, match="bbox"):
        basemap(ctx, (1, 51, 0, 52))


def test_attribution_for_the_layers_used(ctx):
    assert attribution(ctx, ["land", "labels", "railways", "population"]) == ATTRIBUTION_ALL
    assert attribution(ctx, ["land"]) == "© OpenStreetMap contributors (ODbL)"
    assert attribution(ctx, ["postcodes"]).endswith(
        "contains Royal Mail data © Royal Mail copyright and database right"
    )
    assert "MHCLG" in attribution(ctx, ["deprivation"])
    with pytest.raises(ValueError, match="unknown uses"):
        attribution(ctx, ["motorways"])


def test_summary_lists_the_context_sets_with_vintages(ctx, capsys):
    data = summarize(ctx, load_themes())
    sets = {s["set"]: s for s in data["context"]["sets"]}
    assert sets["population/mid-2018"]["vintage"] == "mid-2018 (ONS SAPE21DT11)"
    assert sets["postcodes/2025.4"]["rows"] == 12
    assert data["context"]["attribution"].startswith("Contains OS data")
    assert main(["--db", str(ctx.path), "summary"]) == 0
    out = capsys.readouterr().out
    assert "context data (set, rows, vintage):" in out
    assert "deprivation/iod2019" in out and "IoD 2019 (published 26 September 2019)" in out


def test_the_command_line_searches_and_counts_residents(ctx, capsys):
    assert main(["--db", str(ctx.path), "context", "search", "me4", "4qb"]) == 0
    assert capsys.readouterr().out.startswith("ME4 4QB: postcode (Code-Point Open 2025.4)")
    assert main(["--db", str(ctx.path), "context", "population", "--level", "division"]) == 0
    out = capsys.readouterr().out
    assert f"{WEST}: about 400 residents, all ages, mid-2018 (2 LSOAs)" in out
    assert (
        main(
            [
                "--db",
                str(ctx.path),
                "context",
                "population",
                "--level",
                "lsoa",
                "--year",
                "2019",
                "--ages",
                "65-",
                "--code",
                "E01000001",
            ]
        )
        == 0
    )
    assert "65 and over" in capsys.readouterr().out


def _drop_postcodes(path, prefixes):
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith(prefixes)]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def test_an_lsoa_without_postcodes_is_shared_by_area(tmp_path):
    paths = write_context(tmp_path / "shared")
    # E01000002's 2018.3 postcodes (AA1 3.., AA1 4..) are gone: it is split by area, 50/50.
    _drop_postcodes(paths["postcodes/2018.3"], ("AA1 3", "AA1 4"))
    store = Store(tmp_path / "s.duckdb")
    load_geography(store, tmp_path / "geo")
    load_context(store, tmp_path / "shared" / "context")
    shares = lsoa_division_shares(store)
    row = shares[shares["lsoa_code"] == "E01000002"].set_index("division_code")
    assert row["share"].to_dict() == pytest.approx({WEST: 0.5, EAST: 0.5})
    assert set(row["basis"]) == {"area"}
    found = populations(store, "division")
    assert found[WEST] == pytest.approx(100 + 200) and found[EAST] == pytest.approx(200 + 200)
    assert sum(found.values()) == pytest.approx(populations(store, "county")["E10000901"])
