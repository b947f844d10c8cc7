"""Loading the three real police.uk months: every row accounted for, counts equal pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo import Settings, Store, ingest_police_uk
from geo.store import summarize
from geo.themes import load_themes

pytestmark = pytest.mark.shared_data


def _expected(files: list[Path], settings: Settings) -> pd.DataFrame:
    """An independent classification of every row, straight from the CSVs with pandas."""
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    df = pd.concat(frames, ignore_index=True)
    lat = pd.to_numeric(df["Latitude"], errors="coerce")
    lon = pd.to_numeric(df["Longitude"], errors="coerce")
    min_lon, min_lat, max_lon, max_lat = settings.region_bbox
    no_coords = (df["Latitude"] == "") & (df["Longitude"] == "")
    inside = lat.between(min_lat, max_lat) & lon.between(min_lon, max_lon)
    has_id = df["Crime ID"] != ""
    duplicate = has_id & df.duplicated(subset=["Crime ID"], keep="first")
    df["status"] = "quarantined"
    df.loc[no_coords & ~duplicate, "status"] = "unmapped"
    df.loc[inside & ~duplicate, "status"] = "loaded"
    return df


@pytest.fixture(scope="module")
def loaded(police_uk_files, tmp_path_factory):
    settings = Settings(db_path=tmp_path_factory.mktemp("real") / "socmap.duckdb")
    store = Store(settings.db_path)
    reports = [ingest_police_uk(store, f, settings, progress=False) for f in police_uk_files]
    yield store, settings, reports
    store.close()


def test_every_row_is_accounted_for(loaded, police_uk_files):
    store, settings, reports = loaded
    expected = _expected(police_uk_files, settings)
    assert sum(r.rows_read for r in reports) == len(expected)
    for r in reports:
        assert r.rows_read == r.loaded + r.unmapped + r.quarantined
    summary = summarize(store, load_themes())
    assert summary["rows_read"] == len(expected)
    counts = expected["status"].value_counts()
    assert summary["loaded"] == counts["loaded"]
    assert summary["unmapped"] == counts["unmapped"]
    assert summary["quarantined"] == counts["quarantined"]


def test_counts_by_category_and_month_equal_pandas(loaded, police_uk_files):
    store, settings, _ = loaded
    expected = _expected(police_uk_files, settings)
    summary = summarize(store, load_themes())
    for group, column in (("by_category", "Crime type"), ("by_month", "Month")):
        table = expected.groupby([column, "status"]).size().unstack(fill_value=0)
        got = {
            key: (c["loaded"], c["unmapped"], c["quarantined"]) for key, c in summary[group].items()
        }
        want = {
            key: (
                int(row.get("loaded", 0)),
                int(row.get("unmapped", 0)),
                int(row.get("quarantined", 0)),
            )
            for key, row in table.iterrows()
        }
        assert got == want, group


def test_stored_points_equal_the_files(loaded, police_uk_files):
    store, settings, _ = loaded
    expected = _expected(police_uk_files, settings)
    want = expected[expected["status"] == "loaded"]
    got = store.fetch(
        "SELECT latitude, longitude, category FROM incidents WHERE latitude IS NOT NULL"
    ).to_pandas()
    assert len(got) == len(want)
    assert got["latitude"].sum() == pytest.approx(pd.to_numeric(want["Latitude"]).sum())
    assert got["longitude"].sum() == pytest.approx(pd.to_numeric(want["Longitude"]).sum())


def test_anti_social_behaviour_rows_are_not_duplicates(loaded, police_uk_files):
    store, _, _ = loaded
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in police_uk_files]
    n_asb = sum(int((df["Crime type"] == "Anti-social behaviour").sum()) for df in frames)
    (stored,) = store.fetch_rows(
        "SELECT count(*) FROM incidents WHERE category = 'Anti-social behaviour'"
    )[0]
    (rejected,) = store.fetch_rows(
        "SELECT count(*) FROM quarantine WHERE category = 'Anti-social behaviour'"
    )[0]
    assert stored + rejected == n_asb
    assert (
        store.fetch_rows(
            "SELECT count(*) FROM quarantine WHERE reason LIKE 'duplicate%' "
            "AND category = 'Anti-social behaviour'"
        )[0][0]
        == 0
    )


def test_second_load_of_the_same_files_changes_nothing(loaded, police_uk_files):
    store, settings, _ = loaded
    before = store.data_version()
    counts = store.fetch_rows("SELECT count(*) FROM incidents")[0][0]
    again = [ingest_police_uk(store, f, settings, progress=False) for f in police_uk_files]
    assert all(r.skipped for r in again)
    assert store.data_version() == before
    assert store.fetch_rows("SELECT count(*) FROM incidents")[0][0] == counts
