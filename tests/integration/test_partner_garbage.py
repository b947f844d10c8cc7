"""Property: random garbage never crashes a partner load, in any format; every row is
accounted for, and a refused file leaves the store exactly as it was."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from geo import Settings, Store, ingest_incidents
from geo.errors import InputError
from tests.support.partner import knife, write_csv

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_NUMBERISH = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "51.27", "0.52", "615100", "157900", "1e400", "-0", "0x1F", "1,5"]),
    _TEXT,
)
_CATEGORY = st.one_of(
    st.sampled_from(["knife crime", "county_lines", "Port event", "MSHT", "", "burglary"]), _TEXT
)
_DATE = st.one_of(
    st.sampled_from(["2024-01-05", "2024-13", "05/03/2024", "2024-02-30", "", "2024-03"]), _TEXT
)
_ID = st.one_of(st.sampled_from(["", "a", "b", "keep"]), _TEXT)
_PLACE = st.one_of(st.sampled_from(["", "Lewisham", "Margate", "Dover", "GBDVR", "Dovr"]), _TEXT)
_FIELD = {
    "incident_id": _ID,
    "category": _CATEGORY,
    "date": _DATE,
    "origin": _PLACE,
    "destination": _PLACE,
    "port": _PLACE,
}
_HEADERS = [
    ("incident_id", "category", "date", "latitude", "longitude", "notes"),
    ("incident_id", "category", "date", "easting", "northing", "origin", "destination"),
    ("incident_id", "category", "date", "x", "y", "port", "source"),
]
_PROFILE = hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _fresh(tmp_path: Path) -> tuple[Store, Settings, tuple]:
    """A store holding one good row, and what it looks like before the garbage.

    Every example gets its own file: DuckDB caches open databases by path, so reusing a
    path while an earlier example's reader is alive would read a stale database.
    """
    db = tmp_path / f"g-{uuid.uuid4().hex}.duckdb"
    settings = Settings(db_path=db)
    store = Store(db)
    ingest_incidents(store, write_csv(tmp_path / "keep.csv", [knife("keep")]), settings)
    return store, settings, _state(store)


def _state(store: Store) -> tuple:
    return (
        store.data_version(),
        store.fetch_rows("SELECT count(*) FROM incidents")[0][0],
        store.fetch_rows("SELECT count(*) FROM quarantine")[0][0],
    )


def _load_and_check(store, settings, path, before, expected_rows) -> None:
    try:
        _check_load(store, settings, path, before, expected_rows)
    finally:
        store.close()


def _check_load(store, settings, path, before, expected_rows) -> None:
    try:
        report = ingest_incidents(store, path, settings, progress=False)
    except InputError:
        # A refused file changes nothing.
        assert _state(store) == before
        return
    version, n_inc, n_q = _state(store)
    assert report.rows_read == report.loaded + report.unmapped + report.quarantined
    if expected_rows is not None:
        assert report.rows_read == expected_rows
    kept = store.fetch_rows("SELECT count(*) FROM refused_rows")[0][0]
    if report.refused:  # nothing could be stored: nothing was, a sample of rejects is kept
        assert report.loaded + report.unmapped == 0
        assert (n_inc, n_q, kept) == (before[1], before[2], report.quarantined)
    else:
        assert n_inc == before[1] + report.loaded + report.unmapped - report.replaced
        assert (n_q, kept) == (before[2] + report.quarantined, 0)
    assert version != before[0]
    reasons = [r for (r,) in store.fetch_rows("SELECT reason FROM quarantine")]
    assert all(len(r.splitlines()) == 1 and len(r) < 400 for r in reasons), reasons


def _row(header: tuple[str, ...]) -> st.SearchStrategy:
    return st.tuples(*[_FIELD.get(h, _NUMBERISH) for h in header]).map(list)


@given(data=st.data())
@_PROFILE
def test_garbage_csv_rows_are_accounted_for(tmp_path, data):
    header = data.draw(st.sampled_from(_HEADERS))
    rows = data.draw(
        st.lists(st.one_of(_row(header), st.lists(_TEXT, max_size=9)), min_size=1, max_size=20)
    )
    junk = data.draw(st.one_of(st.just(b""), st.binary(min_size=1, max_size=8)))
    buf = io.StringIO()
    # CRLF makes the csv module quote a bare CR inside a field, as Excel does.
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / "garbage.csv"
    path.write_bytes(buf.getvalue().encode("utf-8") + junk)
    store, settings, before = _fresh(tmp_path)
    blank = sum(1 for r in rows if not r or (len(r) == len(header) and not any(r)))
    expected = None if junk else len(rows) - blank  # random bytes may end a row or add one
    _load_and_check(store, settings, path, before, expected)


_JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)
_GEOMETRY = st.one_of(
    st.none(),
    st.fixed_dictionaries({"type": st.just("Point"), "coordinates": st.lists(
        st.one_of(st.floats(), st.integers(), _TEXT), max_size=3)}),
    st.fixed_dictionaries({"type": st.sampled_from(["Polygon", "MultiPoint", "Nonsense"]),
                           "coordinates": _JSON_VALUE}),
    _JSON_VALUE,
)  # fmt: skip
_PROPERTIES = st.fixed_dictionaries(
    {k: st.one_of(v, _JSON_VALUE) for k, v in _FIELD.items() if k != "origin"},
    optional={"latitude": _JSON_VALUE, "longitude": _JSON_VALUE, "note": _JSON_VALUE},
)
_FEATURE = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("Feature"), "geometry": _GEOMETRY, "properties": _PROPERTIES}
    ),
    _JSON_VALUE,
)


@given(features=st.lists(_FEATURE, min_size=1, max_size=15))
@_PROFILE
def test_garbage_geojson_features_are_accounted_for(tmp_path, features):
    path = tmp_path / "garbage.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    store, settings, before = _fresh(tmp_path)
    _load_and_check(store, settings, path, before, len(features))


_COLUMN = st.one_of(
    st.lists(st.one_of(st.none(), _TEXT), min_size=1, max_size=1).map(lambda v: (pa.string(), v)),
    st.just((pa.float64(), [float("nan")])),
    st.floats().map(lambda f: (pa.float64(), [f])),
    st.integers(-(2**63), 2**63 - 1).map(lambda i: (pa.int64(), [i])),
    st.binary(max_size=6).map(lambda b: (pa.binary(), [b])),
)


@given(columns=st.lists(st.lists(_COLUMN, min_size=5, max_size=5), min_size=1, max_size=12))
@_PROFILE
def test_garbage_parquet_records_are_accounted_for(tmp_path, columns):
    # Each record draws its own values; a column takes the first record's type, and values of
    # another type are written as their text.
    names = ["incident_id", "category", "date", "latitude", "longitude"]
    types = [kind for kind, _ in columns[0]]
    arrays = []
    for j, kind in enumerate(types):
        values = [_coerce(rec[j][1][0], kind) for rec in columns]
        arrays.append(pa.array(values, kind))
    path = tmp_path / "garbage.parquet"
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)
    store, settings, before = _fresh(tmp_path)
    _load_and_check(store, settings, path, before, len(columns))


def _coerce(value, kind):
    if value is None:
        return None
    if kind == pa.string():
        return value if isinstance(value, str) else repr(value)
    if kind == pa.binary():
        return value if isinstance(value, bytes) else repr(value).encode()
    if kind == pa.float64():
        return float(value) if isinstance(value, int | float) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
