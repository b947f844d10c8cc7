"""DuckDB placeholders rewritten as ClickHouse's typed ones (geo.store._dialect): values never
enter the SQL text, placeholders in quoted text and comments are left alone."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.store._dialect import clickhouse_type, to_clickhouse


def test_positional_placeholders_get_names_and_types():
    sql, params = to_clickhouse(
        "SELECT 1 WHERE a IN (?, ?) AND m >= ? AND c = ? AND f < ? AND b = ? AND n IS ?",
        ["x", "y", date(2024, 1, 1), 2**63 + 5, 0.5, True, None],
    )
    assert sql == (
        "SELECT 1 WHERE a IN ({p0:String}, {p1:String}) AND m >= {p2:Date32} AND "
        "c = {p3:UInt64} AND f < {p4:Float64} AND b = {p5:Bool} AND n IS {p6:Nullable(String)}"
    )
    assert params == {"p0": "x", "p1": "y", "p2": date(2024, 1, 1), "p3": 2**63 + 5,
                      "p4": 0.5, "p5": True, "p6": None}  # fmt: skip


def test_named_placeholders_repeat():
    sql, params = to_clickhouse("SELECT $k, $k || $w", {"k": "a", "w": "b", "unused": 1})
    assert sql == "SELECT {k:String}, {k:String} || {w:String}"
    assert params == {"k": "a", "w": "b"}


def test_quoted_text_names_and_comments_are_not_placeholders():
    sql, params = to_clickhouse(
        "SELECT '?', 'it''s ?', \"col?\", ? -- a comment ?\n, '\\' ?'", ["v"]
    )
    assert sql == "SELECT '?', 'it''s ?', \"col?\", {p0:String} -- a comment ?\n, '\\' ?'"
    assert params == {"p0": "v"}


def test_lists_and_mismatches():
    assert clickhouse_type([1, 2]) == "Array(Int64)"
    assert clickhouse_type([1, 2**64 - 1]) == "Array(UInt64)"
    assert clickhouse_type(["a", None]) == "Array(Nullable(String))"
    assert clickhouse_type([]) == "Array(String)"
    assert clickhouse_type(datetime(2024, 1, 1, 12)) == "DateTime64(6)"
    with pytest.raises(TypeError):
        clickhouse_type([1, "a"])
    with pytest.raises(TypeError):
        clickhouse_type(object())
    with pytest.raises(ValueError, match="placeholders"):
        to_clickhouse("SELECT ?, ?", ["one"])
    with pytest.raises(ValueError, match="placeholders"):
        to_clickhouse("SELECT ?", ["one", "two"])
    with pytest.raises(ValueError, match=r"\$missing"):
        to_clickhouse("SELECT $missing", {"k": 1})


@given(st.lists(st.text(), max_size=5))
def test_values_never_enter_the_sql(values):
    sql, params = to_clickhouse(" AND ".join("x = ?" for _ in values) or "TRUE", values)
    assert list(params.values()) == values
    assert sql.count("{p") == len(values)
    for i in range(len(values)):
        assert f"{{p{i}:String}}" in sql
