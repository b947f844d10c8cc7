"""One progress bar for every ingest: on standard error only, with the stage and the rows,
and silent when standard error is not a terminal or progress is off."""

from __future__ import annotations

import pytest

from geo import ingest_incidents, ingest_police_uk
from tests.support.partner import knife
from tests.support.partner import write_csv as write_partner_csv
from tests.support.police_uk import row, write_csv


def _files(tmp_path):
    police = write_csv(tmp_path / "police.csv", [row(f"c{i}") for i in range(3)])
    partner = write_partner_csv(tmp_path / "partner.csv", [knife(f"k{i}") for i in range(4)])
    return (ingest_police_uk, police, 3), (ingest_incidents, partner, 4)


@pytest.mark.parametrize("which", [0, 1], ids=["police-uk", "partner"])
def test_the_bar_shows_the_file_stage_and_rows_on_stderr(tmp_path, store, settings, capsys, which):
    ingest, path, rows = _files(tmp_path)[which]
    report = ingest(store, path, settings, progress=True)
    assert report.rows_read == rows
    out = capsys.readouterr()
    assert out.out == ""
    assert path.name in out.err
    for stage in ("reading", "placing", "storing"):
        assert stage in out.err
    assert f"storing, {rows} rows" in out.err


@pytest.mark.parametrize("progress", [None, False], ids=["not-a-terminal", "off"])
def test_the_bar_is_silent_off_a_terminal_or_when_off(tmp_path, store, settings, capsys, progress):
    for ingest, path, _ in _files(tmp_path):
        ingest(store, path, settings, progress=progress)
    out = capsys.readouterr()
    assert (out.out, out.err) == ("", "")
