"""Issue 19, failures 2 and 3, with the real October 2018 file rewritten as users meet it.

* An all-bad file (every Month written ``10/2018``) is refused: nothing stored, a bounded
  sample of its rejected rows kept with their count, exit 5, one line naming `socmap
  quarantine --batch N`; its correction then loads and the refused batch goes, so summary's
  rows read equal the sum over live batches. A header and megabytes of garbage cost the
  store a bounded sample, not its size. ``socmap batches remove`` removes any batch, logged.
* A new edition of October with every coordinate swapped is refused with one line saying how
  many rows would go; so is an edition that loses more than a quarter of the month, while
  one that loses a tenth loads; ``--force-replace`` replaces anyway, logged in the store.

Every row accounted for throughout: rows read by live batches = stored + quarantined +
replaced later, and refused rows are never counted as loaded.
"""

from __future__ import annotations

import json
import os

import pytest

from geo import Settings, Store, ingest_police_uk
from geo.store import summarize
from geo.themes import load_themes
from socmap.cli import EXIT_OK, EXIT_QUARANTINED, main
from tests.support.loads import accounts, copy_store, fewer_rows, month_written_as, swapped_edition

pytestmark = pytest.mark.shared_data

EXIT_REFUSED = 5
OCT_ROWS = 19_396  # rows in the real 2018-10 Kent file


@pytest.fixture(scope="module")
def october(shared_data):
    return shared_data / "police-uk" / "2018-10-kent-street.csv"


@pytest.fixture(scope="module")
def base(shared_data, october, tmp_path_factory):
    """The real Kent boundaries and the real October, loaded."""
    from geo.areas.boundaries import fetch_boundaries

    db = tmp_path_factory.mktemp("guard") / "socmap.duckdb"
    store = Store(db)
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    report = ingest_police_uk(store, october, Settings(db_path=db), progress=False)
    store.close()
    assert report.rows_read == OCT_ROWS
    return db


@pytest.fixture(scope="module")
def empty(shared_data, tmp_path_factory):
    """The real Kent boundaries only."""
    from geo.areas.boundaries import fetch_boundaries

    db = tmp_path_factory.mktemp("empty") / "socmap.duckdb"
    store = Store(db)
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
    store.close()
    return db


def _ingest(db, *args: str) -> int:
    return main(["--db", str(db), "ingest", "police-uk", *map(str, args), "--no-progress"])


def _summary_rows_read(db) -> int:
    store = Store(db)
    try:
        return summarize(store, load_themes())["rows_read"]
    finally:
        store.close()


def _refused_line(err: str) -> str:
    (line,) = [x for x in err.splitlines() if x.startswith("socmap: ")]
    return line


def test_an_all_bad_file_is_refused_then_its_correction_loads(empty, october, tmp_path, capsys):
    db = copy_store(empty, tmp_path / "s")
    bad = month_written_as(october, tmp_path / "bad" / october.name, "10/2018")
    assert _ingest(db, bad) == EXIT_REFUSED
    line = _refused_line(capsys.readouterr().err)
    assert line.startswith(f"socmap: {bad}: refused: none of its 19,396 rows could be loaded")
    assert "Month '10/2018'" in line and "nothing was changed" in line
    assert "the first 1,000 rejected rows are kept" in line
    batch = int(line.rsplit("--batch ", 1)[1].rstrip("`"))
    acc = accounts(db)
    assert acc == {"stored": 0, "quarantined": 0, "kept": 1000, "live_read": 0,
                   "refused_read": OCT_ROWS}  # fmt: skip
    assert _summary_rows_read(db) == 0  # refused rows are never counted as read into the store
    # The kept sample is there to read, with its batch.
    assert main(["--db", str(db), "quarantine", "--batch", str(batch), "--format", "json"]) == 0
    kept = json.loads(capsys.readouterr().out)
    assert len(kept) == 1000 and {r["batch_status"] for r in kept} == {"refused"}
    assert kept[0]["row_number"] == 2 and "10/2018" in kept[0]["reason"]

    # The corrected file, under the same name: it loads, and the refused batch goes.
    corrected = october.read_bytes()
    (tmp_path / "bad" / october.name).write_bytes(corrected)
    assert _ingest(db, bad) == EXIT_QUARANTINED
    capsys.readouterr()
    acc = accounts(db)
    assert acc["kept"] == 0 and acc["refused_read"] == 0
    assert acc["live_read"] == OCT_ROWS == acc["stored"] + acc["quarantined"]
    assert _summary_rows_read(db) == OCT_ROWS
    status = Store(db).fetch_rows("SELECT status FROM batches WHERE batch_id = ?", [batch])
    assert status == [("superseded",)]
    assert main(["--db", str(db), "store", "check"]) == 0


def test_a_refused_batch_under_another_name_is_removed_by_command_and_logged(
    empty, october, tmp_path, capsys
):
    db = copy_store(empty, tmp_path / "s")
    bad = month_written_as(october, tmp_path / "oct-bad.csv", "01/2019")
    assert _ingest(db, bad) == EXIT_REFUSED
    capsys.readouterr()
    assert _ingest(db, october) == EXIT_QUARANTINED
    capsys.readouterr()
    # Its month could not be read, so nothing replaced it: it stays refused, counted nowhere.
    assert _summary_rows_read(db) == OCT_ROWS
    assert accounts(db)["kept"] == 1000
    assert main(["--db", str(db), "batches", "remove", "1", "--reason", "wrong month format"]) == 0
    out = capsys.readouterr().out
    assert "removed batch 1" in out and "1000 kept rows of a refused file" in out
    assert accounts(db)["kept"] == 0
    assert main(["--db", str(db), "batches", "log", "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["action"] == "batch-removed" and entry["batch_id"] == 1
    assert entry["detail"]["reason"] == "wrong month format"
    assert entry["detail"]["refused_rows"] == 1000
    # Removing the live October takes every row it holds, and rows read go with them.
    assert main(["--db", str(db), "batches", "remove", "2"]) == 0
    capsys.readouterr()
    assert accounts(db) == {"stored": 0, "quarantined": 0, "kept": 0, "live_read": 0,
                            "refused_read": 0}  # fmt: skip
    assert _summary_rows_read(db) == 0
    assert main(["--db", str(db), "batches", "remove", "2"]) == 2
    assert "is removed: it holds nothing" in capsys.readouterr().err
    assert main(["--db", str(db), "store", "check"]) == 0


def test_a_header_and_garbage_keeps_a_bounded_sample(empty, tmp_path, capsys):
    db = copy_store(empty, tmp_path / "s")
    garbage = tmp_path / "2018-10-garbage.csv"
    header = b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    header += b"LSOA name,Crime type,Last outcome category,Context\n"
    line = b"zz" * 20 + b"\n"  # one field: the wrong number of fields
    garbage.write_bytes(header + line * 500_000)  # 20 MB, half a million rows
    size = db.stat().st_size
    assert _ingest(db, garbage) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "none of its 500,000 rows could be loaded" in _refused_line(err)
    assert accounts(db)["kept"] == 1000
    assert db.stat().st_size - size < 2 * 2**20  # not the file's 20 MB


def test_a_swapped_edition_that_would_empty_the_month_is_refused(base, october, tmp_path, capsys):
    db = copy_store(base, tmp_path / "s")
    before = accounts(db)
    swapped = swapped_edition(october, tmp_path / "2018-10-v2.csv")
    assert _ingest(db, swapped) == EXIT_REFUSED
    line = _refused_line(capsys.readouterr().err)
    stored = before["stored"]
    # Only its 434 rows without a location (swapped, still none) would be left.
    assert f"it would replace 2018-10 (Kent Police), {stored:,} rows stored, with 434 " in line
    assert "18,962 of its 19,396 rows were rejected (first: row 2: Latitude and Longitude " \
        "look swapped" in line  # fmt: skip
    assert "socmap quarantine --batch 2" in line
    assert "--force-replace" in line
    after = accounts(db)
    assert after["stored"] == stored and after["quarantined"] == before["quarantined"]
    assert after["live_read"] == OCT_ROWS and after["kept"] == 1000

    # Forced: the month is replaced (every row quarantined), and the log says who forced it.
    assert _ingest(db, swapped, "--force-replace") == EXIT_QUARANTINED
    capsys.readouterr()
    after = accounts(db)
    assert after["stored"] == 434 and after["quarantined"] == 18_962 and after["kept"] == 0
    assert after["live_read"] == OCT_ROWS
    assert main(["--db", str(db), "batches", "log", "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["action"] == "forced-replace"
    assert entry["detail"]["months"][0]["stored"] == stored
    assert entry["detail"]["months"][0]["kept"] == 434
    assert entry["by_user"]
    assert main(["--db", str(db), "store", "check"]) == 0


@pytest.mark.parametrize(("keep", "code"), [(0.6, EXIT_REFUSED), (0.9, EXIT_QUARANTINED)])
def test_an_edition_that_loses_more_than_a_quarter_is_refused(
    base, october, tmp_path, capsys, keep, code
):
    db = copy_store(base, tmp_path / "s")
    edition = fewer_rows(october, tmp_path / f"oct-{keep}.csv", keep, seed=5)
    assert _ingest(db, edition) == code
    err = capsys.readouterr().err
    acc = accounts(db)
    if code == EXIT_REFUSED:
        line = _refused_line(err)
        assert "it would replace 2018-10 (Kent Police)" in line and "at most 25%" in line
        assert acc["live_read"] == OCT_ROWS
    else:
        rows = sum(1 for _ in edition.open()) - 1
        assert acc["live_read"] == rows == acc["stored"] + acc["quarantined"]


def test_the_limit_is_a_setting(base, october, tmp_path, capsys):
    db = copy_store(base, tmp_path / "s")
    edition = fewer_rows(october, tmp_path / "oct-0.6.csv", 0.6, seed=5)
    os.environ["SOCMAP_MAX_MONTH_LOSS"] = "0.5"
    try:
        assert _ingest(db, edition) == EXIT_QUARANTINED
    finally:
        del os.environ["SOCMAP_MAX_MONTH_LOSS"]
    os.environ["SOCMAP_MAX_MONTH_LOSS"] = "2"
    try:
        assert _ingest(db, edition) == 2
    finally:
        del os.environ["SOCMAP_MAX_MONTH_LOSS"]
    assert "expected a share" in capsys.readouterr().err


def test_several_files_say_what_happened_to_each(base, october, tmp_path, capsys):
    """``ingest A B`` with A missing: B loads, exit 6 (some loaded, some not), never 2."""
    db = copy_store(base, tmp_path / "s")
    missing = tmp_path / "nope.csv"
    good = fewer_rows(october, tmp_path / "oct-0.9.csv", 0.9, seed=5)
    assert _ingest(db, missing, good) == 6
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == f"socmap: 1 of 2 files loaded; not loaded: {missing}"
    assert _ingest(db, good) == EXIT_OK  # already loaded: nothing changed
    assert "already loaded" in capsys.readouterr().out


def test_an_edition_none_of_whose_rows_load_empties_the_month_only_when_forced(
    base, october, tmp_path, capsys
):
    db = copy_store(base, tmp_path / "s")
    stored = accounts(db)["stored"]
    bad = fewer_rows(october, tmp_path / "oct.csv", 1.0, seed=1)
    text = bad.read_text().replace(",Kent Police,Kent Police,", ",Kent Police,Kent Police,x")
    bad.write_text(text)  # every Longitude now starts with "x": not a number
    assert _ingest(db, bad) == EXIT_REFUSED
    line = _refused_line(capsys.readouterr().err)
    assert f"it would empty 2018-10 (Kent Police): {stored:,} rows are stored" in line
    assert _ingest(db, bad, "--force-replace") == EXIT_QUARANTINED
    capsys.readouterr()
    assert accounts(db)["stored"] == 0 and accounts(db)["live_read"] == OCT_ROWS
