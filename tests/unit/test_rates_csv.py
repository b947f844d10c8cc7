"""The command line's CSVs carry every float at full precision (``repr``), never rounded
text: `socmap rates` (Part 2 and Part 1) and `socmap deprivation` read back with pandas
equal the computed values to the last bit, and the rates equal an independent computation
from the CSV's own counts and residents (scipy's chi-squared for the exact interval)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geo.filters import Filters
from geo.stats import area_rates, default_ages, deprivation
from geo.store import Store
from geo.themes import load_themes
from socmap.cli import main
from tests.support.rates import build_store

THEMES = load_themes()
FILTERS = Filters(themes=("knife_crime",))
AGES = default_ages(FILTERS, THEMES)  # knife crime: residents aged 10-24


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("ratescsv")).db_path


def _csv(capsys, args) -> pd.DataFrame:
    assert main(args) == 0
    # pandas 3 reads floats back exactly (round trip) by default.
    return pd.read_csv(io.StringIO(capsys.readouterr().out))


@pytest.mark.parametrize("level", ["district", "division", "lsoa"])
def test_rates_csv_reads_back_exactly(db, capsys, level):
    got = _csv(capsys, ["--db", str(db), "rates", "--level", level, "--theme", "knife_crime",
                        "--smooth"])  # fmt: skip
    want = area_rates(Store(db), FILTERS, THEMES, level=level, ages=AGES, smooth=True).frame
    assert list(got["code"]) == list(want["code"])
    pairs = {"rate_per_1000": "rate", "rate_low": "rate_low", "rate_high": "rate_high",
             "relative_risk": "rr", "rr_low": "rr_low", "rr_high": "rr_high", "p": "p",
             "q": "q", "eb_rate_per_1000": "eb_rate", "population": "population",
             "expected": "expected"}  # fmt: skip
    for column, source in pairs.items():
        a, b = got[column].to_numpy(float), want[source].to_numpy(float)
        assert np.array_equal(a, b, equal_nan=True), column
    # Independently from the CSV's own columns: the rate and Garwood's exact interval.
    n, people = got["count"].to_numpy(float), got["population"].to_numpy(float)
    assert got["rate_per_1000"].to_numpy() == pytest.approx(1000 * n / people, rel=1e-12)
    low = np.where(n > 0, stats.chi2.ppf(0.025, 2 * n) / 2, 0.0)
    high = stats.chi2.ppf(0.975, 2 * n + 2) / 2
    assert got["rate_low"].to_numpy() == pytest.approx(1000 * low / people, rel=1e-9)
    assert got["rate_high"].to_numpy() == pytest.approx(1000 * high / people, rel=1e-9)
    # Not rounded text: some value has more than the 3 decimals a table prints.
    assert any(len(repr(v).split(".")[-1]) > 6 for v in got["rate_per_1000"] if v)


def test_deprivation_csv_reads_back_exactly(db, capsys):
    got = _csv(capsys, ["--db", str(db), "deprivation", "--theme", "knife_crime",
                        "--format", "csv"])  # fmt: skip
    want = deprivation(Store(db), FILTERS, THEMES, ages=AGES).table
    for column in ("residents", "incidents", "incident_share", "resident_share", "rate"):
        a, b = got[column].to_numpy(float), want[column].to_numpy(float)
        assert np.array_equal(a, b, equal_nan=True), column
    # Deciles with residents (a decile with none has no rate: empty, never 0).
    placed = got[got["decile"].astype(str).str.isdigit() & (got["residents"] > 0)]
    assert got.loc[~(got["residents"] > 0), "rate"].isna().all()
    assert placed["rate"].to_numpy() == pytest.approx(
        1000 * placed["incidents"] / placed["residents"], rel=1e-12
    )


def test_public_rates_csv_reads_back_exactly(db, capsys):
    from geo.context import populations
    from geo.disclosure import DisclosurePolicy, public_counts
    from geo.disclosure._public_rates import public_rates
    from geo.settings import Settings
    from geo.store.queries.rates import area_table

    got = _csv(capsys, ["--db", str(db), "rates", "--level", "district", "--theme",
                        "knife_crime", "--public", "--smooth"])  # fmt: skip
    store = Store(db)
    policy = DisclosurePolicy.from_settings(Settings(db_path=db))
    public = public_counts(store, FILTERS, THEMES, policy)
    year = int(got["population_year"].iloc[0].removeprefix("mid-"))
    ages = AGES
    areas = area_table(store)
    want = public_rates(
        public.map, "district", populations(store, "district", year=year, ages=ages),
        parents=dict(zip(areas["code"], areas["parent_code"], strict=True)),
        names=dict(zip(areas["code"], areas["name"], strict=True)),
        reference_population=float(sum(populations(store, "district", year=year,
                                                   ages=ages).values())),
        smooth=True,
    )  # fmt: skip
    assert list(got["code"]) == list(want["code"])
    for column, source in {"rate_per_1000": "rate", "relative_risk": "rr",
                           "eb_rate_per_1000": "eb_rate"}.items():  # fmt: skip
        a, b = got[column].to_numpy(float), want[source].to_numpy(float)
        assert np.array_equal(a, b, equal_nan=True), column
