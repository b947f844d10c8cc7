"""``socmap context load`` and ``remove``: every file read and checked first, then one store
transaction (the store's copy-and-rename writer), so a load is all or nothing.

A folder load replaces every set a folder load made before (a set the folder no longer holds
is removed, and the report says so) and leaves user-supplied roads and rivers alone; a roads
or rivers file replaces that layer only. Loading the same files with the same options again
changes nothing: the store is not even rewritten.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from geo.areas import PolygonLocator
from geo.context._folder import READERS
from geo.context._geofile import read_basemap
from geo.context._model import ContextReport, UserLayer
from geo.context._sources import FOLDER_SETS, SetSpec, join_attribution
from geo.context._userlayer import USER_KINDS, read_user_layer, user_checksum
from geo.errors import InputError, SocmapError
from geo.store import Store
from geo.store._schema import CONTEXT_DDL

KIND_TABLES = {
    "basemap": "context_basemap",
    "places": "context_places",
    "postcodes": "context_postcodes",
    "postcode_sectors": "context_postcode_areas",
    "postcode_districts": "context_postcode_areas",
    "lsoas": "context_lsoas",
    "lsoa_best_fit": "context_lsoa_best_fit",
    "population": "context_population",
    "deprivation": "context_deprivation",
}
TABLES = tuple(dict.fromkeys(KIND_TABLES.values()))
_TABLE_DDL = {ddl.split("CREATE TABLE ", 1)[1].split()[0]: ddl for ddl in CONTEXT_DDL}
_SET_COLUMNS = (
    "set_name, kind, title, publisher, source, licence, vintage, attribution, used_for, note, "
    "file, checksum, rows, origin, loaded_at"
)


@dataclass
class _Planned:
    name: str
    kind: str
    path: Path
    checksum: str
    spec: SetSpec | None = None
    user: UserLayer | None = None

    @property
    def origin(self) -> str:
        return "user" if self.user is not None else "folder"


def load_context(
    store: Store,
    from_dir: str | os.PathLike[str] | None = None,
    *,
    boundaries_dir: str | os.PathLike[str] | None = None,
    roads: UserLayer | None = None,
    rivers: UserLayer | None = None,
    force: bool = False,
) -> ContextReport:
    """Load the context folder ``from_dir`` (laid out as ../shared/data/context; the LSOA
    files from ``boundaries_dir``, else a ``boundaries`` folder beside or inside it) and/or
    a roads or rivers file, in one transaction. Raises a one-line error naming the file, row
    and problem, and then changes nothing."""
    report = ContextReport()
    planned: list[_Planned] = []
    if from_dir is not None:
        planned += _plan_folder(Path(from_dir), boundaries_dir, report)
    for kind, user in zip(USER_KINDS, (roads, rivers), strict=True):
        if user is not None:
            path = Path(user.path)
            checksum = user_checksum(kind, user)
            planned.append(_Planned(f"basemap/{kind}", "basemap", path, checksum, user=user))
    if not planned:
        raise SocmapError("nothing to load: give a context folder (--from), --roads or --rivers")
    stored = _stored_sets(store)
    dropped = [n for n, (_, origin) in stored.items() if origin == "folder"] if from_dir else []
    dropped = [n for n in dropped if n not in {p.name for p in planned}]
    if (
        not force
        and not dropped
        and all(stored.get(p.name, ("",))[0] == p.checksum for p in planned)
    ):
        report.unchanged = True
        report.notes.append("these files are loaded already; nothing changed (--force reloads)")
        return report
    rows: dict[str, pd.DataFrame] = {}
    attributions: dict[str, str] = {}
    for p in planned:
        rows[p.name], notes, attribution = _read(p)
        report.notes += notes
        attributions[p.name] = attribution
    _cross_check(planned, rows, report)
    _write(store, planned, rows, attributions, [*dropped, *(p.name for p in planned)])
    report.loaded = {p.name: _file_rows(p.kind, rows[p.name]) for p in planned}
    report.removed = dropped
    if dropped:
        report.notes.append(f"removed (no longer in the folder): {', '.join(dropped)}")
    return report


def remove_context(store: Store, names: list[str] | None = None) -> ContextReport:
    """Remove the named sets (a name or a prefix: ``basemap`` removes every basemap layer),
    or every set when ``names`` is None."""
    stored = _stored_sets(store)
    if names is None:
        chosen = list(stored)
    else:
        chosen = []
        for name in names:
            found = [s for s in stored if s == name or s.startswith(name.rstrip("/") + "/")]
            if not found:
                loaded = ", ".join(stored) or "none"
                raise SocmapError(f"no context set {name!r} is loaded (loaded: {loaded})")
            chosen += [s for s in found if s not in chosen]
    report = ContextReport(removed=chosen)
    if chosen:
        _write(store, [], {}, {}, chosen)
    else:
        report.unchanged = True
        report.notes.append("no context data is loaded; nothing changed")
    return report


def _plan_folder(
    folder: Path, boundaries_dir: str | os.PathLike[str] | None, report: ContextReport
) -> list[_Planned]:
    if not folder.is_dir():
        raise InputError(folder, "not a folder")
    if boundaries_dir is not None:
        if not Path(boundaries_dir).is_dir():
            raise InputError(boundaries_dir, "not a folder")
        boundary_places = [Path(boundaries_dir)]
    else:
        boundary_places = [folder / "boundaries", folder.parent / "boundaries", folder]
    planned = []
    for spec in FOLDER_SETS:
        places = boundary_places if spec.folder == "boundaries" else [folder / spec.folder, folder]
        path = next((p / spec.file for p in places if (p / spec.file).is_file()), None)
        if path is None:
            where = " or ".join(str(p / spec.file) for p in places)
            if spec.required:
                raise InputError(
                    folder, f"no {spec.file} (the {spec.name} set is required): looked for {where}"
                )
            report.notes.append(f"skipped {spec.name}: {spec.file} is not in the folder")
            continue
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        planned.append(_Planned(spec.name, spec.kind, path, checksum, spec=spec))
    return planned


def _read(p: _Planned) -> tuple[pd.DataFrame, list[str], str]:
    if p.user is not None:
        return read_user_layer(p.name.split("/")[1], p.user)
    spec = p.spec
    assert spec is not None
    reader = read_basemap if spec.kind == "basemap" else READERS[spec.kind]
    frame, notes = reader(spec, p.path)
    return frame, notes, join_attribution(list(spec.attribution))


def _cross_check(
    planned: list[_Planned], rows: dict[str, pd.DataFrame], report: ContextReport
) -> None:
    """LSOA-keyed sets against the LSOA shapes; postcodes placed in LSOAs."""
    by_name = {p.name: p for p in planned}
    if "lsoas" not in rows:
        return
    lsoas = rows["lsoas"]
    known = set(lsoas["lsoa_code"])
    for name, frame in rows.items():
        kind = by_name[name].kind
        if kind not in {"population", "deprivation", "lsoa_best_fit"}:
            continue
        # Each reader's first block of rows is the file's rows in order, so the first
        # occurrence of a code is at its file row (less the header).
        codes = frame["lsoa_code"].drop_duplicates()
        unknown = np.flatnonzero(~codes.isin(known).to_numpy())
        if len(unknown):
            raise InputError(
                by_name[name].path,
                f"LSOA {codes.iloc[unknown[0]]} is not among the {len(known):,} LSOAs of "
                f"{by_name['lsoas'].path.name}",
                row=int(codes.index[unknown[0]]) + 2,
            )
        missing = len(known - set(codes))
        if missing:
            report.notes.append(
                f"{by_name[name].path.name}: {missing} of {len(known):,} LSOAs have no row "
                "(no data for them, not zero)"
            )
    _check_bands_match_single_years(by_name, rows)
    shapes = lsoas.sort_values("lsoa_code")
    locator = PolygonLocator(shapely.from_wkb(shapes["geometry"].to_numpy()))
    codes = shapes["lsoa_code"].to_numpy(dtype=object)
    for name, frame in rows.items():
        if by_name[name].kind == "postcodes":
            where = locator.locate(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
            frame["lsoa_code"] = np.where(where >= 0, codes[where], None)
            report.notes.append(
                f"{by_name[name].path.name}: {int((where >= 0).sum()):,} of {len(frame):,} "
                "postcodes lie in a loaded LSOA"
            )


def _check_bands_match_single_years(
    by_name: dict[str, _Planned], rows: dict[str, pd.DataFrame]
) -> None:
    bands, single = (
        rows.get("population/mid-2019-bands"),
        rows.get("population/mid-2019-single-year"),
    )
    if bands is None or single is None:
        return
    b = bands[bands["kind"] == "band"]
    for lo, hi in sorted(set(zip(b["age_from"], b["age_to"], strict=True))):
        want = b[(b["age_from"] == lo)].set_index("lsoa_code")["persons"]
        got = (
            single[(single["age_from"] >= lo) & (single["age_to"] <= hi)]
            .groupby("lsoa_code")["persons"]
            .sum()
        )
        off = want.sub(got.reindex(want.index), fill_value=0) != 0
        if off.any():
            code = off.index[np.flatnonzero(off.to_numpy())[0]]
            raise InputError(
                by_name["population/mid-2019-bands"].path,
                f"ages {lo}-{hi} of {code} are {want[code]} here but {got.get(code, 0)} in "
                f"{by_name['population/mid-2019-single-year'].path.name}",
                row=int(np.flatnonzero(want.index == code)[0]) + 2,
            )


def _stored_sets(store: Store) -> dict[str, tuple[str, str]]:
    if not store.exists():
        return {}
    rows = store.fetch_rows("SELECT set_name, checksum, origin FROM context_sets ORDER BY set_name")
    return {name: (checksum, origin) for name, checksum, origin in rows}


def _write(
    store: Store,
    planned: list[_Planned],
    rows: dict[str, pd.DataFrame],
    attributions: dict[str, str],
    replaced: list[str],
) -> None:
    now = datetime.now(UTC)
    with store.writing() as con:
        for table in (*TABLES, "context_sets"):  # fixed names from this module
            (kept,) = con.execute(
                f"SELECT count(*) FROM {table} WHERE NOT list_contains(?, set_name)", [replaced]
            ).fetchone()
            if kept:
                con.execute(f"DELETE FROM {table} WHERE list_contains(?, set_name)", [replaced])
            else:
                # Emptying a table by DELETE costs DuckDB seconds at the commit (it rewrites
                # the deleted row groups); a table that keeps no row is made afresh instead.
                con.execute(f"DROP TABLE {table}")
                con.execute(_TABLE_DDL[table])
        for p in planned:
            frame = rows[p.name]
            table = KIND_TABLES[p.kind]
            arrow = pa.Table.from_pandas(frame.assign(set_name=p.name), preserve_index=False)
            columns = ", ".join(arrow.column_names)
            con.register("context_rows", arrow)
            try:
                con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM context_rows")
            finally:
                con.unregister("context_rows")
            con.execute(
                f"INSERT INTO context_sets ({_SET_COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*_describe(p, attributions[p.name]), _file_rows(p.kind, frame), p.origin, now],
            )


def _file_rows(kind: str, frame: pd.DataFrame) -> int:
    """The file's rows: population and deprivation are stored one row per LSOA and age
    group or domain, and counted per LSOA, as their files are."""
    if kind in {"population", "deprivation"}:
        return int(frame["lsoa_code"].nunique())
    return len(frame)


def _describe(p: _Planned, attribution: str) -> list[object]:
    if p.spec is not None:
        s = p.spec
        return [
            s.name, s.kind, s.title, s.publisher, s.source, s.licence, s.vintage,
            attribution, s.used_for, s.note, str(p.path), p.checksum,
        ]  # fmt: skip
    kind = p.name.split("/")[1]
    dated = datetime.fromtimestamp(p.path.stat().st_mtime, UTC).date().isoformat()
    return [
        p.name, "basemap", f"{kind.capitalize()} (supplied by the user): {p.path.name}",
        "supplied by the user", str(p.path), "as the attribution says", f"file dated {dated}",
        attribution, "basemap", "", str(p.path), p.checksum,
    ]  # fmt: skip
