"""The README's command table lists every command and sub-command of `socmap --help` (issue
18: `socmap export` was missing), read from the parser itself so a new command without a row
fails here."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from socmap.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def _commands(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                subs = [
                    n
                    for a in sub._actions
                    if isinstance(a, argparse._SubParsersAction)
                    for n in a.choices
                ]
                out[name] = subs
    return out


def test_the_readme_lists_every_command_and_sub_command():
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| Command | What it does |") : text.index("Exit codes:")]
    rows = [line for line in table.splitlines() if line.startswith("| `socmap ")]
    commands = _commands(build_parser())
    assert len(commands) >= 15
    for name, subs in commands.items():
        # A row whose command cell names it: `socmap NAME ...` or `socmap a|NAME|b ...`.
        mine = [
            r for r in rows
            if re.search(rf"`socmap (?:[\w-]+\\?\|)*{re.escape(name)}(?:\\?\|[\w-]+)*[ `]", r)
        ]  # fmt: skip
        assert mine, f"no README row for `socmap {name}`"
        for sub in subs:
            assert re.search(rf"\b{re.escape(sub)}\b", " ".join(mine)), f"socmap {name} {sub}"
