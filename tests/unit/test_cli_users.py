"""``socmap users`` and ``socmap audit`` end to end through the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from geo.accounts import Accounts
from socmap.cli import main

PASSWORD = "correct horse battery staple"


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "socmap.duckdb")


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_add_list_and_remove(db, monkeypatch, capsys):
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["--db", db, "users", "add", "Ann", "--role", "analyst", "--password-stdin"]) == 0
    answers = iter(["viewer passphrase 1", "viewer passphrase 1"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    assert main(["--db", db, "users", "add", "bob", "--role", "viewer"]) == 0
    assert "added bob (viewer)" in capsys.readouterr().out

    assert main(["--db", db, "users", "list"]) == 0
    out = capsys.readouterr().out
    assert "ann" in out and "analyst" in out and "2 users" in out
    assert PASSWORD not in out
    assert main(["--db", db, "users", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(u["name"], u["role"]) for u in listed] == [("ann", "analyst"), ("bob", "viewer")]

    assert main(["--db", db, "users", "remove", "bob"]) == 0
    assert capsys.readouterr().out == "removed bob\n"
    assert main(["--db", db, "users", "list", "--format", "json"]) == 0
    assert [u["name"] for u in json.loads(capsys.readouterr().out)] == ["ann"]
    accounts = Accounts(db + ".accounts.sqlite")
    assert accounts.verify_password("ann", PASSWORD)


def test_mistakes_are_one_line_errors_and_change_nothing(db, monkeypatch, capsys):
    answers = iter(["first passphrase!", "second passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    assert main(["--db", db, "users", "add", "ann", "--role", "viewer"]) == 2
    assert "differ" in capsys.readouterr().err
    _stdin(monkeypatch, "short\n")
    assert main(["--db", db, "users", "add", "ann", "--role", "viewer", "--password-stdin"]) == 2
    assert "at least 12" in capsys.readouterr().err
    assert main(["--db", db, "users", "remove", "nobody"]) == 2
    assert "no user" in capsys.readouterr().err
    assert main(["--db", db, "users", "list"]) == 0
    assert "0 users" in capsys.readouterr().out


def test_passwd_and_audit(db, monkeypatch, capsys):
    _stdin(monkeypatch, PASSWORD + "\n")
    main(["--db", db, "users", "add", "ann", "--role", "viewer", "--password-stdin"])
    _stdin(monkeypatch, "a different passphrase\n")
    assert main(["--db", db, "users", "passwd", "ann", "--password-stdin"]) == 0
    accounts = Accounts(db + ".accounts.sqlite")
    accounts.sign_in("ann", "wrong password entirely", "192.0.2.7")
    capsys.readouterr()
    assert main(["--db", db, "audit", "--limit", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "password-changed" in lines[0] and "cli:" in lines[0]
    assert "sign-in-failed" in lines[1] and "192.0.2.7" in lines[1]
    assert main(["--db", db, "audit", "--event", "user-added", "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["detail"] == {"name": "ann", "role": "viewer"}
    assert PASSWORD.encode() not in Path(db + ".accounts.sqlite").read_bytes()
