"""How a load lays rows out and reads text: the storage order, text clean-up done in Arrow,
and the encoding check's ASCII shortcut, each against an independent computation."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import duckdb
import h3
import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings

from geo import InputError, ingest_police_uk
from geo.grid import FINE_RES, RESOLUTIONS
from geo.ingest import _files
from geo.ingest._area import Area
from geo.ingest._order import in_storage_order, storage_order
from geo.ingest._points import Points
from geo.ingest._stage import text_sql, text_values
from geo.settings import KENT_MEDWAY_BBOX
from tests.support.police_uk import CANTERBURY, MAIDSTONE, MARGATE, row, write_csv

CATEGORIES = ["Drugs", "Burglary", "Possession of weapons", "Anti-social behaviour", "Zz"]


def _shuffled_rows(n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    places = [MAIDSTONE, CANTERBURY, MARGATE]
    return [
        row(
            crime_id=f"id{i:05d}" if rng.random() < 0.8 else "",
            month=f"2018-{rng.randint(1, 12):02d}",
            lon_lat=rng.choice(places),
            crime_type=rng.choice(CATEGORIES),
        )
        for i in range(n)
    ]


def test_a_load_writes_its_rows_in_category_month_cell_order(store, settings, tmp_path):
    """The rows of a file in random order are stored sorted (what lets queries skip row
    groups), and sorting moved whole rows: each id keeps its own category and month."""
    rows = _shuffled_rows(3000, seed=5)
    path = write_csv(tmp_path / "shuffled.csv", rows)
    ingest_police_uk(store, path, settings)
    stored = pd.DataFrame(
        store.fetch_rows("SELECT category, month, cell, incident_id FROM incidents ORDER BY rowid"),
        columns=["category", "month", "cell", "incident_id"],
    )
    expected = stored.sort_values(["category", "month", "cell"], kind="stable")
    assert stored[["category", "month", "cell"]].equals(
        expected[["category", "month", "cell"]].reset_index(drop=True)
    )
    by_id = {r[0]: (r[9], f"{r[1]}-01") for r in rows if r[0]}
    got = {i: (c, str(m)) for c, m, _, i in stored.itertuples(index=False) if isinstance(i, str)}
    assert got == by_id


_keys = st.lists(
    st.tuples(
        st.sampled_from(["b", "a", "Ä", "a b", "", None]),
        st.integers(-800, 30_000) | st.none(),
        st.integers(0, 2**63 - 1) | st.none(),  # an H3 index never sets bit 63
    ),
    min_size=0,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(_keys, st.booleans())
def test_storage_order_sorts_as_duckdb_orders_the_same_keys(keys, many_categories):
    """Against DuckDB's ORDER BY category, month, cell (nulls last): the packed key orders
    categories and months exactly and cells by their coarse bits; the fallback (more
    categories than the packed key holds, or a month before 1970) is exact."""
    if many_categories:
        keys = keys + [(f"c{i}", 1, 1) for i in range(5000)]
    table = pa.table(
        {
            "category": pa.array([k[0] for k in keys], pa.string()),
            "month": pa.array([k[1] for k in keys], pa.int32()).cast(pa.date32()),
            "cell": pa.array([k[2] for k in keys], pa.uint64()),
        }
    )
    ordered = in_storage_order(table)
    assert sorted(map(tuple, ordered.to_pylist()), key=repr) == sorted(
        map(tuple, table.to_pylist()), key=repr
    )
    con = duckdb.connect()
    con.register("t", table)
    want = con.sql("SELECT category, month, cell FROM t ORDER BY category, month, cell").fetchall()
    got = [tuple(r.values()) for r in ordered.to_pylist()]
    assert [g[:2] for g in got] == [w[:2] for w in want]
    exact = many_categories or any(k[1] is not None and k[1] < 0 for k in keys)
    if exact:
        assert got == want
    else:
        coarse = [(g[0], g[1], None if g[2] is None else g[2] >> 32) for g in got]
        assert coarse == [(w[0], w[1], None if w[2] is None else w[2] >> 32) for w in want]
    assert len(storage_order(table)) == len(keys)


_texts = st.lists(st.sampled_from(["", " ", "a", " a", "a ", " a b ", "Café", "x"]), max_size=40)


@settings(max_examples=80, deadline=None)
@given(_texts, st.booleans(), st.integers(0, 3))
def test_text_values_clean_text_as_the_sql_does(values, dictionary, offset):
    """text_values (Arrow, no copy in the usual case) against text_sql run by DuckDB on the
    same strings: plain and dictionary-encoded, and sliced (a chunk with an offset)."""
    array = pa.array(["pad"] * offset + values, pa.string()).slice(offset)
    con = duckdb.connect()
    con.register("t", pa.table({"v": array}))
    want = [r[0] for r in con.sql(f"SELECT {text_sql('v')} FROM t").fetchall()]
    column = array.dictionary_encode() if dictionary else array
    assert text_values(pa.chunked_array([column])).to_pylist() == want


def _file_with_byte_at_block_end(path: Path, tail: bytes, after: bytes) -> Path:
    header = b"a,b\n"  # blocks are read after the first three bytes (the BOM check)
    filler = b"x" * (len(_files.BOM) + _files._BLOCK - len(header) - len(tail))
    path.write_bytes(header + filler + tail + after + b",y\n")
    return path


def test_a_character_split_across_blocks_still_decodes(tmp_path):
    # U+00E9 is C3 A9: the first byte ends block one, the second starts block two.
    path = _file_with_byte_at_block_end(tmp_path / "split.csv", b"\xc3", b"\xa9" + b"z" * 10)
    assert _files.inspect_text_file(path).header == ("a", "b")


def test_a_cut_character_before_an_ascii_block_is_refused(tmp_path):
    """Block two is pure ASCII, so the shortcut would skip it, but a character is pending
    from block one: it must be decoded, and fails."""
    # Block three starts with A9, which would complete the C3 had block two been skipped.
    after = b"z" * _files._BLOCK + b"\xa9z"
    path = _file_with_byte_at_block_end(tmp_path / "cut.csv", b"\xc3", after)
    with pytest.raises(InputError, match="row 2: not valid utf-8"):
        _files.inspect_text_file(path)


def test_the_ascii_shortcut_gives_the_same_checksum(tmp_path):
    path = tmp_path / "plain.csv"
    data = b"a,b\n" + b"1,2\n" * 300_000
    path.write_bytes(data)
    assert _files.inspect_text_file(path).checksum == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("coords", "unreadable"),
    [
        (("0.522700", "51.270400"), False),  # Arrow parses the coordinates for h3
        ((" 0.522700", "51.270400 "), False),  # padded: trimmed first, as DuckDB trims
        (("5.227e-1", "5127.04E-2"), False),  # exponents: both parse
        (("0.522700", "51.270400"), True),  # a word elsewhere: DuckDB parses the file's
    ],
)
def test_every_stored_cell_is_h3s_cell_of_the_stored_point(
    store, settings, tmp_path, coords, unreadable
):
    """Whichever parser read the coordinates for h3, each row's cell is h3-py's own cell of
    the coordinates stored with it."""
    rows = [*_shuffled_rows(200, seed=2), row("pad", lon_lat=coords)]
    if unreadable:
        rows.append(row("word", lon_lat=("east", "51.270400")))
    report = ingest_police_uk(store, write_csv(tmp_path / "c.csv", rows), settings)
    assert report.quarantined == int(unreadable)
    stored = store.fetch_rows(
        "SELECT latitude, longitude, cell FROM incidents WHERE latitude IS NOT NULL"
    )
    assert len(stored) == 201
    for lat, lon, cell in stored:
        assert cell == h3.str_to_int(h3.latlng_to_cell(lat, lon, FINE_RES))
    assert (51.2704, 0.5227) in {(round(a, 6), round(b, 6)) for a, b, _ in stored}


def test_a_point_moved_by_its_format_gets_the_cells_and_place_of_its_new_point():
    """A format that decides a row's point after reading it (a partner row placed at its
    destination) moves it: that row's cells and place are computed for the new point, no
    other row's are computed again, and a row that loses its point has none."""
    area = Area(None, 500, KENT_MEDWAY_BBOX)
    points = Points.from_numbers(np.array([2, 3, 4]), [51.27, np.nan, 51.30], [0.52, np.nan, 0.60])
    points.locate(area)
    points.compute_cells()
    first = [h3.str_to_int(h3.latlng_to_cell(51.27, 0.52, r)) for r in RESOLUTIONS]
    assert points.cells[:, 0].tolist() == first and not points.cells[:, 1].any()
    points.move_to(np.array([51.27, 51.28, np.nan]), np.array([0.52, 1.08, np.nan]), area)
    assert points.cells[:, 1].tolist() == [
        h3.str_to_int(h3.latlng_to_cell(51.28, 1.08, r)) for r in RESOLUTIONS
    ]
    assert points.cells[:, 0].tolist() == first and not points.cells[:, 2].any()
    assert points.located.inside.tolist() == [True, True, False]
