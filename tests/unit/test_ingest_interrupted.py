"""What ``socmap ingest`` says after a Ctrl-C, from the store's version before the file in
hand and after: the line names each file loaded once, whether the Ctrl-C came during the
file's load or after its report (it was listed already)."""

from __future__ import annotations

from pathlib import Path

import pytest

from socmap.cli import Interrupted
from socmap.commands import ingest


class _Versions:
    """A store whose version is read from a list, one a call."""

    def __init__(self, *versions: str) -> None:
        self._versions = list(versions)

    def exists(self) -> bool:
        return True

    def data_version(self) -> str:
        return self._versions.pop(0)


def test_a_file_committed_and_already_listed_is_named_once():
    line = ingest._interrupted(_Versions("v2"), Path("b.csv"), "v1", ["a.csv", "b.csv"])
    assert line == "socmap: interrupted after b.csv was loaded (loaded: a.csv, b.csv)"


def test_a_file_committed_during_the_load_is_added():
    line = ingest._interrupted(_Versions("v2"), Path("b.csv"), "v1", ["a.csv"])
    assert line == "socmap: interrupted after b.csv was loaded (loaded: a.csv, b.csv)"


def test_a_file_not_committed_is_not_listed():
    line = ingest._interrupted(_Versions("v1"), Path("b.csv"), "v1", ["a.csv"])
    assert line.startswith("socmap: interrupted; b.csv was not loaded")
    assert line.endswith("(loaded: a.csv)")


def test_ctrl_c_after_the_last_report_names_the_last_file_once(monkeypatch):
    """The Ctrl-C lands in the exit code's work, after every file was loaded and reported."""

    class _Report:
        refused = False
        quarantined = 0

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest, "_exit_code", interrupted)
    monkeypatch.setattr(ingest, "_print_report", lambda report: None)
    store = _Versions("v1", "v2")  # before a.csv; after it (read by the Ctrl-C's line)
    with pytest.raises(Interrupted) as caught:
        ingest._run_each(store, [Path("a.csv")], lambda path: _Report())
    assert str(caught.value) == "socmap: interrupted after a.csv was loaded (loaded: a.csv)"
