"""Reading a context CSV strictly: every value checked, the first bad one named.

A file is read as text (UTF-8, a byte-order mark allowed), its header checked, then each
column converted and checked as a whole; the first value that breaks a rule raises one line
naming the file, the row (as a spreadsheet numbers it: the header is row 1) and the problem.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputError


@dataclass(frozen=True)
class Col:
    """A column's rule: ``kind`` is text, int, float or bool; ``low``/``high`` bound numbers;
    ``pattern`` a regular expression text must match; ``blank`` whether it may be empty."""

    kind: str = "text"
    low: float | None = None
    high: float | None = None
    pattern: str | None = None
    blank: bool = False
    what: str = ""  # words for the message, e.g. "a 2011 LSOA code (E01...)"


LSOA = Col(pattern=r"E01\d{6}", what="a 2011 LSOA code (E01 and six digits)")
DISTRICT = Col(pattern=r"E0[67]\d{6}", what="a district code (E06/E07 and six digits)")


def read_checked(path: Path, columns: dict[str, Col], *, key: Sequence[str] = ()) -> pd.DataFrame:
    """The file's rows with ``columns`` converted (text as str, "" where blank); extra
    columns are kept as text. ``key`` columns must be unique together."""
    file = str(path)
    frame = _read_text(path, file)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            file,
            f"wrong header: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (found: {', '.join(map(str, frame.columns[:12]))})",
            row=1,
        )
    if frame.empty:
        raise InputError(file, "has a header but no rows")
    out = frame.copy()
    for name, rule in columns.items():
        out[name] = _convert(frame[name], name, rule, file)
    if key:
        repeated = out.duplicated(list(key), keep="first").to_numpy()
        if repeated.any():
            i = int(np.flatnonzero(repeated)[0])
            value = ", ".join(str(out[k].iloc[i]) for k in key)
            first = int(np.flatnonzero((out[list(key)] == out[list(key)].iloc[i]).all(axis=1))[0])
            raise InputError(file, f"{'/'.join(key)} {value} repeats row {first + 2}", row=i + 2)
    return out


def _read_text(path: Path, file: str) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(file, "file not found")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(file, "is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise InputError(file, "is not UTF-8 text", row=row) from None
    try:
        return pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False, engine="c"
        )
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+), saw (\d+)", str(exc))
        expected = re.search(r"Expected (\d+) fields", str(exc))
        if found and expected:
            raise InputError(
                file,
                f"has {found.group(2)} fields where the header has {expected.group(1)}",
                row=int(found.group(1)),
            ) from None
        raise InputError(file, f"is not a readable CSV ({str(exc).strip()[:120]})") from None


def _convert(values: pd.Series, name: str, rule: Col, file: str) -> pd.Series:
    text = values.astype(str).str.strip()
    blank = (text == "").to_numpy()
    if blank.any() and not rule.blank:
        _fail(file, name, blank, text, "is blank")
    if rule.kind == "text":
        if rule.pattern is not None:
            ok = text.str.fullmatch(rule.pattern).to_numpy(dtype=bool) | blank
            _fail(file, name, ~ok, text, f"is not {rule.what or 'of the expected form'}")
        return text
    if rule.kind == "bool":
        lower = text.str.lower()
        ok = lower.isin(["true", "false"]).to_numpy() | blank
        _fail(file, name, ~ok, text, "is not True or False")
        return pd.Series(np.where(blank, None, lower == "true"), index=values.index, dtype=object)
    number = pd.to_numeric(text.where(~blank, "nan"), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(number) & ~blank
    _fail(file, name, bad, text, "is not a number")
    if rule.kind == "int":
        _fail(file, name, (number != np.round(number)) & ~blank, text, "is not a whole number")
    if rule.low is not None:
        _fail(file, name, (number < rule.low) & ~blank, text, f"is below {rule.low:g}")
    if rule.high is not None:
        _fail(file, name, (number > rule.high) & ~blank, text, f"is above {rule.high:g}")
    if rule.kind == "int":
        if blank.any():
            return pd.Series(pd.array(np.where(blank, 0, number), dtype="Int64")).mask(blank)
        return pd.Series(number.astype(np.int64), index=values.index)
    return pd.Series(number, index=values.index)


def _fail(file: str, name: str, bad: np.ndarray, text: pd.Series, problem: str) -> None:
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(file, f"column {name}: {text.iloc[i]!r} {problem}", row=i + 2)
