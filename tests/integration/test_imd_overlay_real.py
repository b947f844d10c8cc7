"""The deprivation overlay (layer "imd") on the real Kent data: the deciles drawn are the
published ones (pandas and geopandas over the raw IMD CSV and LSOA shapes, never through
socmap), the legend says what they mean in words with the source and vintage, both
audiences get the same overlay, and it carries no incident figure (so it can never put a
withheld count on screen)."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from dashboard.export._sheet import PAPERS, sheet_html
from dashboard.features.map import legend
from dashboard.figures.map_figure import map_figure
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.deprivation_layer import DECILE_COLOURS
from dashboard.views.map_view import map_model
from geo import Settings, Store, ingest_police_uk
from geo.context import load_context
from geo.disclosure import Audience
from tests.support.kent import load_kent_areas

pytestmark = pytest.mark.shared_data
PERIOD = "from=2018-10&to=2018-12"
THANET = "E07000114"
WORDS_1 = "1 = most deprived 10% of neighbourhoods in England"


@pytest.fixture(scope="module")
def settings(police_uk_files, shared_data, tmp_path_factory):
    s = Settings(db_path=tmp_path_factory.mktemp("imd") / "socmap.duckdb")
    store = Store(s.db_path)
    load_kent_areas(store, shared_data)
    load_context(store, shared_data / "context")
    for f in police_uk_files:
        ingest_police_uk(store, f, s, progress=False)
    store.close()
    return s


@pytest.fixture(scope="module")
def ctx(settings):
    out = {a: AppContext.create(Store(settings.db_path), settings, a) for a in Audience}
    yield out
    for c in out.values():
        c.store.close()


@pytest.fixture(scope="module")
def raw(shared_data) -> gpd.GeoDataFrame:
    """Every LSOA with its published IMD decile, straight from the shared files."""
    imd = pd.read_csv(shared_data / "context" / "deprivation" / "kent_medway_lsoa11_iod2019.csv")
    shapes = gpd.read_file(shared_data / "boundaries" / "kent_medway_lsoa11.geojson")
    code = next(c for c in shapes.columns if c.upper().startswith("LSOA11CD"))
    shapes = shapes.rename(columns={code: "LSOA11CD"})[["LSOA11CD", "geometry"]].to_crs(4326)
    return shapes.merge(imd[["LSOA11CD", "lad_code", "imd_decile"]], on="LSOA11CD")


def _model(ctx, audience, query):
    return map_model(ctx[audience], ViewState.from_query(query), audience)


def _drawn(layer) -> dict[str, int]:
    return {code: band.decile for band in layer.bands for code in band.lsoas}


def test_county_deciles_equal_the_published_file(ctx, raw):
    layer = _model(ctx, Audience.PUBLIC, f"?{PERIOD}&layer=imd").deprivation
    assert layer is not None
    expected = dict(zip(raw["LSOA11CD"], raw["imd_decile"].astype(int), strict=True))
    assert len(expected) == 1065
    assert _drawn(layer) == expected
    # Each LSOA lies in the region drawn for its decile (its representative point, within
    # the outline's simplification), and in no other decile's.
    points = raw.geometry.representative_point()
    regions = {b.decile: shapely.buffer(b.region, 0.0006) for b in layer.bands}
    for point, decile in zip(points, raw["imd_decile"], strict=True):
        assert regions[int(decile)].contains(point)
    inner = {b.decile: shapely.buffer(b.region, -0.0006) for b in layer.bands}
    for point, decile in zip(points, raw["imd_decile"], strict=True):
        assert not any(r.contains(point) for d, r in inner.items() if d != int(decile))


def test_district_overlay_holds_every_lsoa_of_the_district(ctx, raw):
    layer = _model(ctx, Audience.PUBLIC, f"?{PERIOD}&layer=imd&d={THANET}").deprivation
    drawn = _drawn(layer)
    own = raw[raw["lad_code"] == THANET]
    assert len(own) == 84
    assert {c: drawn[c] for c in own["LSOA11CD"]} == dict(
        zip(own["LSOA11CD"], own["imd_decile"].astype(int), strict=True)
    )
    # The district's LSOAs only: a neighbour's outlines would crowd its map.
    assert set(drawn) == set(own["LSOA11CD"])


def test_legend_words_source_and_vintage(ctx, settings):
    model = _model(ctx, Audience.PUBLIC, f"?{PERIOD}&layer=imd")
    layer = model.deprivation
    assert [b.decile for b in layer.bands] == list(range(1, 11))
    assert layer.bands[0].label == WORDS_1
    assert layer.bands[-1].label == "10 = least deprived 10% of neighbourhoods in England"
    # Told apart by more than colour: each decile has its own width, wider when more deprived.
    widths = [b.width for b in layer.bands]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == 10
    note = next(n.text for n in model.notes if n.text.startswith("Deprivation overlay"))
    assert "English Indices of Deprivation 2019" in note and "2011 LSOA" in note
    assert "published 26 September 2019" in note
    assert "Contains MHCLG data" in note
    # OS and ONS words for the LSOA shapes: printed once on the map (the boundaries' note).
    assert "Contains OS data" in " ".join(n.text for n in model.notes)
    page = repr(legend(model))
    assert WORDS_1 in page and "English Indices of Deprivation 2019" in page
    figure = map_figure(model, settings)
    drawn = {t["line"]["color"] for t in figure["data"] if t["name"].startswith("IMD decile")}
    assert drawn == set(DECILE_COLOURS)
    # The hexagons are drawn first, the overlay's lines over them, the boundaries on top.
    # Thanet has no LSOA of decile 9: no line and no key for it.
    thanet = _model(ctx, Audience.PUBLIC, f"?{PERIOD}&layer=imd&d={THANET}").deprivation
    assert 9 not in [b.decile for b in thanet.bands]
    assert "9 = 80-90% most deprived" not in repr(legend(replace(model, deprivation=thanet)))
    names = [t["name"] for t in figure["data"]]
    first_imd = min(i for i, n in enumerate(names) if n.startswith("IMD decile"))
    assert all(t["type"] == "choroplethmap" for t in figure["data"][:first_imd])
    assert names[-1] in {"District boundaries", "Division boundaries"}


def test_sheet_prints_the_key(ctx):
    model = _model(ctx, Audience.PUBLIC, f"?{PERIOD}&layer=imd&d={THANET}")
    html = sheet_html(model, _Info(), PAPERS["a4-landscape"], "<svg></svg>")
    assert "1 = most deprived 10% of neighbourhoods in England" in html
    assert "Contains MHCLG data" in html and "IoD 2019" in html
    assert html.count('class="lineswatch"') >= 10


class _Info:
    marking = "OFFICIAL"

    def line(self) -> str:
        return "produced for a test"


def test_same_overlay_for_both_audiences_and_every_filter(ctx):
    """Nothing of the incidents reaches the overlay: public and restricted, all crime and a
    theme of small counts, draw the same deciles, lines and words."""
    layers = [
        _model(ctx, audience, f"?{PERIOD}{extra}&layer=imd&d={THANET}").deprivation
        for audience in Audience
        for extra in ("", "&theme=knife_crime", "&cat=Robbery")
    ]
    assert all(layer == layers[0] for layer in layers)
    text = " ".join([layers[0].title, layers[0].source, *(b.label for b in layers[0].bands)])
    assert "incident" not in text.lower()


def test_without_the_layer_or_the_data(ctx, shared_data, police_uk_files, tmp_path):
    assert _model(ctx, Audience.PUBLIC, f"?{PERIOD}&d={THANET}").deprivation is None
    s = Settings(db_path=tmp_path / "bare.duckdb")
    store = Store(s.db_path)
    load_kent_areas(store, shared_data)  # boundaries and incidents, no context data
    ingest_police_uk(store, police_uk_files[0], s, progress=False)
    bare = {Audience.PUBLIC: AppContext.create(store, s, Audience.PUBLIC)}
    model = _model(bare, Audience.PUBLIC, f"?{PERIOD}&layer=imd")
    assert model.deprivation is None
    assert any("no LSOAs or deprivation loaded" in n.text for n in model.notes)
    store.close()
