"""Incidents themselves, beyond counts: records in a hexagon, the hexagons each area's
incidents lie in, county-lines links, and the places named in a hexagon."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa

from geo.filters import Filters
from geo.grid import cell_column
from geo.store._file import Store
from geo.store.queries._run import dialect, pick, rows, table
from geo.themes import ThemeMap

COUNTY_LINES = "county_lines"  # the partner category of a county-lines link record

# (date or month as text, category, incident id, place, source)
Record = tuple[str, str, str, str, str]


def incident_records(
    store: Store, filters: Filters, themes: ThemeMap, *, cell: int, limit: int = 100
) -> list[Record]:
    """The newest ``limit`` incidents of ``filters`` in ``cell`` (at its own resolution):
    the date (or the month, "2024-03", where the source gives no day), category, the
    source's id ("(no id)" when it has none), place and source."""
    if limit < 1:
        raise ValueError(f"limit {limit}: expected 1 or more")
    column = cell_column(_resolution(cell))  # a fixed identifier
    where, params = filters.where(themes)
    day, month = pick(
        store,
        duckdb=("strftime(date, '%Y-%m-%d')", "strftime(month, '%Y-%m')"),
        clickhouse=("formatDateTime(date, '%Y-%m-%d')", "formatDateTime(month, '%Y-%m')"),
    )
    # The newest first; incidents of the same day in the store's own order (uid), so the
    # `limit` kept is the same on every engine.
    return rows(
        store,
        f"SELECT CASE WHEN date IS NULL THEN {month} ELSE {day} END, category, "
        f"coalesce(incident_id, '(no id)'), coalesce(location, destination, port, ''), source "
        f"FROM incidents WHERE {column} = ? AND {where} "
        "ORDER BY month DESC, date DESC NULLS LAST, uid DESC LIMIT ?",
        [cell, *params, limit],
    )


def _resolution(cell: int) -> int:
    return (int(cell) >> 52) & 0xF  # the H3 index's resolution bits


def cells_by_leaf(store: Store, res: int) -> dict[str, np.ndarray]:
    """For each leaf area (a division, else a district; "" for incidents in no district),
    the sorted cells (``uint64``) at ``res`` holding any of its incidents, of any filter."""
    column = cell_column(res)  # a fixed identifier, checked
    distinct = pick(store, duckdb="list(DISTINCT {c})", clickhouse="groupUniqArray({c})")
    found = rows(
        store,
        f"SELECT coalesce(division, district, ''), {distinct.format(c=column)} FROM incidents "
        f"WHERE {column} IS NOT NULL GROUP BY 1",
    )
    return {code: np.array(sorted(cells), dtype=np.uint64) for code, cells in found}


# (origin, destination, origin lon, origin lat, destination lon, destination lat, lines)
Link = tuple[str, str, float, float, float, float, int]


def county_line_links(store: Store, filters: Filters, themes: ThemeMap) -> list[Link]:
    """County-lines links of ``filters`` (its themes and categories replaced by the link
    records) by origin and destination ("unnamed place" when none is given), with the mean
    points of each end and how many distinct lines; the most lines first."""
    links = replace(filters, categories=(COUNTY_LINES,), themes=())
    where, params = links.where(themes)
    return rows(
        store,
        f"""
        SELECT origin, coalesce(destination, 'unnamed place'), avg(origin_longitude),
               avg(origin_latitude), avg(longitude), avg(latitude),
               count(DISTINCT coalesce(line_name, CAST(uid AS VARCHAR)))
        FROM incidents
        WHERE {where} AND origin IS NOT NULL AND origin_latitude IS NOT NULL
          AND latitude IS NOT NULL
        GROUP BY 1, 2 ORDER BY 7 DESC, 1, 2
        """,
        params,
    )


# -- what a hexagon is called ------------------------------------------------------------------

# How far (degrees) to look for the nearest incident around an empty cell: ~5 km.
_SEARCH_DEGREES = 0.05


def cell_places(store: Store, cells: np.ndarray, res: int) -> pa.Table:
    """For each of ``cells`` (uint64 at ``res``) holding incidents: the location given most
    often to them, and the district and division most of them were placed in (ties to the
    first in sort order, so the answer is repeatable). Columns cell, place, district,
    division; every incident counts, whatever its category."""
    column = cell_column(res)  # a fixed identifier, checked
    wanted = np.asarray(cells, dtype=np.uint64).tolist()
    if dialect(store) == "clickhouse":
        # One statement: the rows of the wanted cells as a common table expression.
        return table(
            store,
            f"""
            WITH place_rows AS (
                SELECT assumeNotNull({column}) AS cell, location, district, division
                FROM incidents WHERE {column} IN ?
            )
            SELECT c.cell AS cell, l.v AS place, d.v AS district, v.v AS division
            FROM (SELECT DISTINCT cell FROM place_rows) c
            LEFT JOIN ({_top("location", "clickhouse")}) l ON l.cell = c.cell
            LEFT JOIN ({_top("district", "clickhouse")}) d ON d.cell = c.cell
            LEFT JOIN ({_top("division", "clickhouse")}) v ON v.cell = c.cell
            """,
            [wanted],
        )
    with store.reading() as con:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE place_rows AS
            SELECT {column} AS cell, location, district, division
            FROM incidents
            WHERE {column} IN (SELECT unnest(?::UBIGINT[]))
            """,
            [wanted],
        )
        try:
            return con.sql(
                f"""
                SELECT cell, l.v AS place, d.v AS district, v.v AS division
                FROM (SELECT DISTINCT cell FROM place_rows)
                LEFT JOIN ({_top("location", "duckdb")}) l USING (cell)
                LEFT JOIN ({_top("district", "duckdb")}) d USING (cell)
                LEFT JOIN ({_top("division", "duckdb")}) v USING (cell)
                """
            ).to_arrow_table()
        finally:
            con.execute("DROP TABLE place_rows")


def _top(column: str, kind: str) -> str:
    """The most frequent non-null value per cell; ties go to the first name in sort order.
    ``column`` is one of three fixed names, never user input."""
    arg_max, count = ("argMax", "count()") if kind == "clickhouse" else ("arg_max", "count(*)")
    return f"""
        SELECT cell, {arg_max}({column}, (n, -rank)) AS v
        FROM (SELECT cell, {column}, {count} AS n,
                     dense_rank() OVER (PARTITION BY cell ORDER BY {column}) AS rank
              FROM place_rows WHERE {column} IS NOT NULL GROUP BY cell, {column})
        GROUP BY cell
    """


# The nearest incident with a location to each centre, within a box around it. ClickHouse
# joins on equality only, so there the centres arrive as arrays and the box is a filter.
_NEAREST_CLICKHOUSE = """
    SELECT w.cell AS cell,
           argMin(i.location, (i.latitude - w.lat) * (i.latitude - w.lat)
                  + ((i.longitude - w.lon) * 0.63) * ((i.longitude - w.lon) * 0.63)) AS place,
           argMin(i.district, (i.latitude - w.lat) * (i.latitude - w.lat)
                  + ((i.longitude - w.lon) * 0.63) * ((i.longitude - w.lon) * 0.63)) AS district,
           argMin(i.division, (i.latitude - w.lat) * (i.latitude - w.lat)
                  + ((i.longitude - w.lon) * 0.63) * ((i.longitude - w.lon) * 0.63)) AS division
    FROM (SELECT toUInt64(t.1) AS cell, t.2 AS lat, t.3 AS lon
          FROM (SELECT arrayJoin(arrayZip(?, ?, ?)) AS t)) w
    CROSS JOIN (SELECT location, district, division, latitude, longitude FROM incidents
                WHERE location IS NOT NULL AND latitude BETWEEN ? AND ?
                  AND longitude BETWEEN ? AND ?) i
    WHERE i.latitude BETWEEN w.lat - ? AND w.lat + ?
      AND i.longitude BETWEEN w.lon - ? AND w.lon + ?
    GROUP BY w.cell
"""


def nearest_places(store: Store, centres: pa.Table) -> pa.Table:
    """For each point of ``centres`` (columns cell, lat, lon): the location, district and
    division of the nearest incident with a location within about 5 km (distances in
    degrees, longitude scaled for Kent's latitude). Columns cell, place, district,
    division; points with no incident that near are absent."""
    lat_d, lon_d = _SEARCH_DEGREES, _SEARCH_DEGREES * 1.6
    if dialect(store) == "clickhouse":
        if centres.num_rows == 0:
            return table(
                store,
                "SELECT toUInt64(0) AS cell, '' AS place, '' AS district, '' AS division WHERE 0",
            )
        lats, lons = centres["lat"].to_pylist(), centres["lon"].to_pylist()
        box = [min(lats) - lat_d, max(lats) + lat_d, min(lons) - lon_d, max(lons) + lon_d]
        return table(
            store,
            _NEAREST_CLICKHOUSE,
            [centres["cell"].to_pylist(), lats, lons, *box, lat_d, lat_d, lon_d, lon_d],
        )
    with store.reading() as con:
        con.register("wanted_centres", centres)
        try:
            return con.sql(
                """
                SELECT w.cell,
                       arg_min(i.location, (i.latitude - w.lat) ** 2
                               + ((i.longitude - w.lon) * 0.63) ** 2) AS place,
                       arg_min(i.district, (i.latitude - w.lat) ** 2
                               + ((i.longitude - w.lon) * 0.63) ** 2) AS district,
                       arg_min(i.division, (i.latitude - w.lat) ** 2
                               + ((i.longitude - w.lon) * 0.63) ** 2) AS division
                FROM wanted_centres w JOIN incidents i
                  ON i.latitude BETWEEN w.lat - ? AND w.lat + ?
                 AND i.longitude BETWEEN w.lon - ? AND w.lon + ?
                WHERE i.location IS NOT NULL
                GROUP BY w.cell
                """,
                params=[_SEARCH_DEGREES] * 2 + [_SEARCH_DEGREES * 1.6] * 2,
            ).to_arrow_table()
        finally:
            con.unregister("wanted_centres")


def cell_months(store: Store, filters: Filters, themes: ThemeMap, *, cell: int) -> dict:
    """Incidents of ``filters`` (its area included) in ``cell`` (at its own resolution) by
    month: {first-of-month date: count}; months with none are absent."""
    column = cell_column(_resolution(cell))  # a fixed identifier
    where, params = filters.where(themes)
    found = rows(
        store,
        f"SELECT month, count(*) FROM incidents WHERE {column} = ? AND {where} GROUP BY month",
        [cell, *params],
    )
    return {_first_of_month(m): int(n) for m, n in found}


def _first_of_month(value):
    from datetime import date, datetime  # noqa: PLC0415

    if isinstance(value, datetime):
        value = value.date()
    return date(value.year, value.month, 1)
