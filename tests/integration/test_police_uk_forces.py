"""A police.uk month is replaced per force: British Transport Police reports crimes that fall
within Kent, and its file for a month must not touch Kent Police's file for that month."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from geo import ingest_police_uk
from geo.ingest.police_uk import HEADER
from geo.store import summarize
from geo.themes import load_themes

BTP = "British Transport Police"


def _btp_row(crime_id: str, lon: str = "0.522700", lat: str = "51.270400") -> list[str]:
    return [
        crime_id, "2018-10", BTP, "Kent Police", lon, lat, "On or near Maidstone East",
        "E01024343", "Maidstone 001A", "Theft from the person", "Under investigation", "",
    ]  # fmt: skip


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _data_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


def _btp_file(tmp_path: Path) -> Path:
    good = [_btp_row(f"btp-{i}") for i in range(5)] + [_btp_row("", "1.078900", "51.280200")]
    bad = [_btp_row("btp-x", lon="abc"), _btp_row("btp-y", lon="-3.408175", lat="50.621733")]
    return _write(tmp_path / "2018-10-btp-street.csv", good + bad)


def _per_batch(store) -> dict[int, tuple[int, int, int]]:
    """Active batch -> (rows_read, rows stored for it, rows quarantined for it)."""
    rows = store.fetch_rows(
        """
        SELECT b.batch_id, b.rows_read,
               (SELECT count(*) FROM incidents i WHERE i.batch_id = b.batch_id),
               (SELECT count(*) FROM quarantine q WHERE q.batch_id = b.batch_id)
        FROM batches b WHERE status = 'active' ORDER BY 1
        """
    )
    return {b: (n, stored, rejected) for b, n, stored, rejected in rows}


def _check_accounting(store, files: list[Path]) -> None:
    per_batch = _per_batch(store)
    for batch, (rows_read, stored, rejected) in per_batch.items():
        assert rows_read == stored + rejected, batch
    in_files = sum(len(_data_rows(f)) for f in files)
    assert sum(n for n, _, _ in per_batch.values()) == in_files
    assert summarize(store, load_themes())["rows_read"] == in_files


def _btp_state(store) -> tuple[list, list]:
    incidents = store.fetch_rows(
        "SELECT uid, incident_id, batch_id FROM incidents WHERE reported_by = ? ORDER BY uid",
        [BTP],
    )
    rejects = store.fetch_rows(
        "SELECT batch_id, row_number, reason FROM quarantine WHERE reported_by = ? ORDER BY 2",
        [BTP],
    )
    return incidents, rejects


@pytest.mark.shared_data
def test_kent_btp_and_a_corrected_kent_edition(shared_data, tmp_path, store, settings):
    kent = shared_data / "police-uk" / "2018-10-kent-street.csv"
    first = ingest_police_uk(store, kent, settings, progress=False)
    assert first.quarantined > 0  # the real file has rejects of its own
    btp = ingest_police_uk(store, _btp_file(tmp_path), settings, progress=False)
    assert (btp.loaded, btp.unmapped, btp.quarantined, btp.replaced) == (6, 0, 2, 0)

    rejected = dict(store.fetch_rows("SELECT batch_id, count(*) FROM quarantine GROUP BY 1"))
    assert rejected == {first.batch_id: first.quarantined, btp.batch_id: 2}
    statuses = dict(store.fetch_rows("SELECT batch_id, status FROM batches"))
    assert statuses == {first.batch_id: "active", btp.batch_id: "active"}
    _check_accounting(store, [kent, tmp_path / "2018-10-btp-street.csv"])
    btp_before = _btp_state(store)

    # A corrected Kent edition: 40 rows withdrawn, one row now with a bad coordinate.
    withdrawn_rejects = _rejects_in_last(kent, 40, store)
    rows = _data_rows(kent)[:-40]
    rows[0][4] = "not-a-number"
    corrected = _write(tmp_path / "2018-10-kent-street-v2.csv", rows)
    second = ingest_police_uk(store, corrected, settings, progress=False)
    assert second.replaced == first.loaded + first.unmapped
    assert second.quarantined == first.quarantined + 1 - withdrawn_rejects

    statuses = dict(store.fetch_rows("SELECT batch_id, status FROM batches"))
    assert statuses == {
        first.batch_id: "superseded",
        btp.batch_id: "active",
        second.batch_id: "active",
    }
    rejected = dict(store.fetch_rows("SELECT batch_id, count(*) FROM quarantine GROUP BY 1"))
    assert rejected == {btp.batch_id: 2, second.batch_id: second.quarantined}
    assert _btp_state(store) == btp_before
    _check_accounting(store, [corrected, tmp_path / "2018-10-btp-street.csv"])


def _rejects_in_last(path: Path, n: int, store) -> int:
    """How many of the first edition's rejects were among its last ``n`` rows."""
    total = len(_data_rows(path))
    rows = store.fetch_rows(
        "SELECT count(*) FROM quarantine WHERE file = ? AND row_number > ?",
        [str(path), total + 1 - n],
    )
    return rows[0][0] if rows else 0


def _kent_row(crime_id: str, lon: str = "1.078900") -> list[str]:
    row = _btp_row(crime_id, lon=lon)
    row[2] = row[3] = "Kent Police"
    return row


def test_a_file_of_two_forces_keeps_the_force_a_new_edition_does_not_cover(
    tmp_path, store, settings
):
    mixed = [_kent_row("k1"), _kent_row("k2"), _kent_row("k-bad", lon="x")]
    mixed += [_btp_row("b1"), _btp_row("b-bad", lon="y")]
    first = ingest_police_uk(store, _write(tmp_path / "mixed.csv", mixed), settings)
    kent = [_kent_row("k1"), _kent_row("k3"), _kent_row("k-bad2", lon="z")]
    second = ingest_police_uk(store, _write(tmp_path / "kent-v2.csv", kent), settings)
    assert second.replaced == 2
    # The mixed file's BTP rows, good and bad, stay with its batch, which stays active.
    stored = store.fetch_rows("SELECT incident_id, batch_id FROM incidents ORDER BY 1")
    assert stored == [("b1", first.batch_id), ("k1", second.batch_id), ("k3", second.batch_id)]
    rejects = store.fetch_rows("SELECT incident_id, batch_id FROM quarantine ORDER BY 1")
    assert rejects == [("b-bad", first.batch_id), ("k-bad2", second.batch_id)]
    statuses = dict(store.fetch_rows("SELECT batch_id, status FROM batches"))
    assert statuses == {first.batch_id: "active", second.batch_id: "active"}
    # A new edition covering both forces supersedes it, with everything it held.
    both = ingest_police_uk(store, _write(tmp_path / "both-v3.csv", kent + mixed[3:4]), settings)
    statuses = dict(store.fetch_rows("SELECT batch_id, status FROM batches"))
    assert statuses[first.batch_id] == "superseded"
    assert store.fetch_rows("SELECT DISTINCT batch_id FROM quarantine") == [(both.batch_id,)]


def test_a_refused_batch_of_rejects_only_goes_when_its_month_and_force_are_replaced(
    tmp_path, store, settings
):
    bad = ingest_police_uk(store, _write(tmp_path / "bad.csv", [_kent_row("k", lon="x")]), settings)
    assert bad.refused and bad.loaded == 0
    ingest_police_uk(store, _write(tmp_path / "btp.csv", [_btp_row("b")]), settings)
    # Another force's edition of the month leaves Kent's refused file (and its kept row).
    assert store.fetch_rows("SELECT status FROM batches WHERE batch_id = ?", [bad.batch_id]) == [
        ("refused",)
    ]
    assert store.fetch_rows("SELECT count(*) FROM refused_rows") == [(1,)]
    ingest_police_uk(store, _write(tmp_path / "good.csv", [_kent_row("k")]), settings)
    assert store.fetch_rows("SELECT status FROM batches WHERE batch_id = ?", [bad.batch_id]) == [
        ("superseded",)
    ]
    assert store.fetch_rows("SELECT count(*) FROM quarantine") == [(0,)]
    assert store.fetch_rows("SELECT count(*) FROM refused_rows") == [(0,)]
