"""Bound parameters on ClickHouse: DuckDB's ``?`` and ``$name`` placeholders as ``{name:Type}``.

The query layer writes its SQL once where the two engines agree (most of it) and binds every
value as a parameter, DuckDB style: ``?`` in order, or ``$name`` by name. ClickHouse binds
values on the server too, but each placeholder names its type, ``{p0:String}``. This module
rewrites the placeholders (never the values: a value is never written into the SQL text) and
takes each type from the Python value, which is exact for what socmap binds: text, whole
numbers, dates, booleans and lists of them. ``None`` binds as ``Nullable(String)``, which
compares as NULL with any column (no match), as DuckDB's untyped NULL does.

Placeholders inside quoted text ('...'), quoted names ("...") and comments are left alone,
so a literal question mark in a string is not a parameter. The values themselves go to
clickhouse-connect, whose encoder escapes them for the server (the chdb spike found raw chdb
``params=`` misreads backslashes, tabs and NULL: docs/clickhouse.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_INT64_MAX = 2**63 - 1


# Checked in order: a bool is an int, a datetime is a date.
_SCALARS = (
    (bool, "Bool"),
    (int, "Int64"),
    (float, "Float64"),
    (datetime, "DateTime64(6)"),
    (date, "Date32"),
    (str, "String"),
    (bytes, "String"),
)


def clickhouse_type(value: object) -> str:
    """The ClickHouse type a Python value is bound as."""
    if value is None:
        return "Nullable(String)"
    if isinstance(value, int) and not isinstance(value, bool) and value > _INT64_MAX:
        return "UInt64"
    for kind, name in _SCALARS:
        if isinstance(value, kind):
            return name
    if isinstance(value, (list, tuple)):
        kinds = {clickhouse_type(v) for v in value if v is not None}
        if len(kinds) > 1 and kinds <= {"Int64", "UInt64"}:
            kinds = {"UInt64"}
        if len(kinds) > 1:
            raise TypeError(f"a list of mixed types cannot be bound: {sorted(kinds)}")
        inner = kinds.pop() if kinds else "String"
        if any(v is None for v in value):
            inner = f"Nullable({inner})"
        return f"Array({inner})"
    raise TypeError(f"cannot bind a {type(value).__name__} as a ClickHouse parameter")


def to_clickhouse(
    sql: str, params: Sequence[object] | Mapping[str, object] = ()
) -> tuple[str, dict[str, object]]:
    """``sql`` with its ``?`` (in order) or ``$name`` placeholders as typed ClickHouse ones,
    and the values by name. A count of ``?`` that differs from the values is an error."""
    named = isinstance(params, Mapping)
    values = dict(params) if named else {f"p{i}": v for i, v in enumerate(params)}
    out: list[str] = []
    used: set[str] = set()
    position = 0
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":  # quoted text or name: copied as it is, doubled quotes included
            j = i + 1
            while j < n:
                if sql[j] == ch and not (j + 1 < n and sql[j + 1] == ch):
                    break
                j += 2 if sql[j] == ch or sql[j] == "\\" else 1
            out.append(sql[i : j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
        elif ch == "?" and not named:
            name = f"p{position}"
            if name not in values:
                raise ValueError(f"more placeholders than the {len(values)} values given")
            out.append(f"{{{name}:{clickhouse_type(values[name])}}}")
            used.add(name)
            position += 1
            i += 1
        elif ch == "$" and named and (m := _NAME.match(sql, i + 1)):
            name = m.group(0)
            if name not in values:
                raise ValueError(f"no value for parameter ${name}")
            out.append(f"{{{name}:{clickhouse_type(values[name])}}}")
            used.add(name)
            i = m.end()
        else:
            out.append(ch)
            i += 1
    if not named and position != len(values):
        raise ValueError(f"{position} placeholders for {len(values)} values")
    return "".join(out), {k: v for k, v in values.items() if k in used}
