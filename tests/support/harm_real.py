"""The real Kent store and raw figures the harm and deprivation tests check against: a store
of the shared boundaries, context data and the three police.uk months (module-scoped), the
residents aged 10-24 per LSOA with its IMD decile, and the knife-crime quarter's raw rows
with their division (fixtures shared by tests/integration/test_harm_real.py and
test_deprivation_panel_real.py)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from dashboard.state import ViewState
from dashboard.views.context import AppContext
from geo import Store
from geo.disclosure import Audience

WEAPONS = "Possession of weapons"
STATE = ViewState.from_query("?from=2018-10&to=2018-12&theme=knife_crime")
THANET = "E07000114"


@pytest.fixture(scope="module")
def settings(kent_stores, tmp_path_factory):
    return kent_stores.copy(tmp_path_factory.mktemp("harm"), context=True)


@pytest.fixture(scope="module")
def ctx(settings):
    out = {a: AppContext.create(Store(settings.db_path), settings, a) for a in Audience}
    yield out
    for c in out.values():
        c.store.close()


@pytest.fixture(scope="module")
def young(shared_data) -> pd.DataFrame:
    """Residents aged 10-24 per LSOA (mid-2019 bands) with the LSOA's IMD decile."""
    c = shared_data / "context"
    pop = pd.read_csv(c / "population" / "kent_medway_lsoa11_population_mid2019_agebands.csv")
    imd = pd.read_csv(c / "deprivation" / "kent_medway_lsoa11_iod2019.csv")
    pop["people"] = pop["age_10_17"] + pop["age_18_24"]
    return pop.merge(imd[["LSOA11CD", "imd_decile"]], on="LSOA11CD")


@pytest.fixture(scope="module")
def weapons(raw, shared_data):
    """The quarter's weapons rows placed in a district, with their division (geopandas): the
    division of the row's district holding the point, else (a gap the generalised shapes
    leave between a district's divisions and its edge, docs/boundaries.md) the nearest."""
    rows = raw[raw["district"].notna() & (raw["Crime type"] == WEAPONS)].copy()
    ced = gpd.read_file(shared_data / "boundaries" / "kent_ced_2017_oa_dissolved.geojson")
    ced = ced[["ced_code", "lad_code", "geometry"]].to_crs(27700)
    bng = rows.to_crs(27700)
    division = {}
    for i, row in bng.iterrows():
        own = ced[ced["lad_code"] == row["district"]]
        if own.empty:
            continue  # Medway: no county divisions
        holding = own[own.contains(row.geometry)]
        near = holding if len(holding) else own.loc[[own.distance(row.geometry).idxmin()]]
        division[i] = near["ced_code"].iloc[0]
    rows["division"] = pd.Series(division).reindex(rows.index)
    return rows
