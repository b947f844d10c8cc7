"""Property: random garbage never crashes a police.uk load, and every row is accounted for."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from geo import Settings, Store, ingest_police_uk
from geo.errors import InputError
from geo.ingest.police_uk import HEADER

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_NUMBERISH = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "51.27", "0.52", "1e400", "-0", "0x1F", "1,5", "NaN"]),
    _TEXT,
)
# Mostly a Kent file (a row of another force refuses the whole file: geo.ingest._forces).
_FORCE = st.one_of(st.sampled_from(["Kent Police", "Kent Police", " kent  police ", ""]), _TEXT)
_FIELD = {
    "Month": st.one_of(st.sampled_from(["2018-10", "2018-13", "", "2018-02"]), _TEXT),
    "Reported by": _FORCE,
    "Falls within": _FORCE,
    "Longitude": _NUMBERISH,
    "Latitude": _NUMBERISH,
    "Crime ID": st.one_of(st.sampled_from(["", "a", "b"]), _TEXT),
}
_ROW = st.one_of(
    st.tuples(*[_FIELD.get(h, _TEXT) for h in HEADER]).map(list),
    st.lists(_TEXT, min_size=0, max_size=15),  # wrong number of fields
)


@given(rows=st.lists(_ROW, min_size=1, max_size=25))
@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_garbage_rows_are_always_accounted_for(tmp_path, rows):
    buf = io.StringIO()
    # CRLF makes the csv module quote a bare CR inside a field, as Excel does; otherwise a CR
    # would really split the row in two for any CSV reader.
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path / "garbage.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    db = tmp_path / "g.duckdb"
    for leftover in tmp_path.glob("g.duckdb*"):
        leftover.unlink()
    settings = Settings(db_path=db)
    store = Store(db)
    try:
        report = ingest_police_uk(store, path, settings, progress=False)
    except InputError as exc:
        # Only a file with no rows at all, or with rows of another force, may fail, and then
        # nothing is stored.
        assert "no data rows" in str(exc) or "of another force" in str(exc)
        assert not db.exists() or store.fetch_rows("SELECT count(*) FROM batches")[0][0] == 0
        return
    finally:
        store.close()
    stored = Store(db)
    n_inc = stored.fetch_rows("SELECT count(*) FROM incidents")[0][0]
    n_q = stored.fetch_rows("SELECT count(*) FROM quarantine")[0][0]
    n_kept = stored.fetch_rows("SELECT count(*) FROM refused_rows")[0][0]
    stored.close()
    assert report.rows_read == report.loaded + report.unmapped + report.quarantined
    if report.refused:  # nothing could be loaded: nothing stored, a sample of rejects kept
        assert report.loaded + report.unmapped == 0
        assert (n_inc, n_q, n_kept) == (0, 0, report.quarantined)
    else:
        assert n_inc == report.loaded + report.unmapped
        assert (n_q, n_kept) == (report.quarantined, 0)
    blank = sum(1 for r in rows if not r or (len(r) == len(HEADER) and not any(r)))
    assert report.rows_read == len(rows) - blank
    assert report.blank_lines == blank
