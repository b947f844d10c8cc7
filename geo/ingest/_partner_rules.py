"""The rules a partner row must pass, as one DuckDB statement, and the lookups it joins.

The first rule a row breaks is its reason, in this order: a structural problem (GeoJSON), a
source other than the file's, the id, the category, the date, the coordinates, then what its
theme needs (a county-lines row an origin and a destination, a port event a known port), then
the origin's own coordinates. Each reason is one line that names the field and its value.
"""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa

from geo.areas import NAME_KEY_MACRO, Port, kent_places, origin_places, places_table, port_terms
from geo.ingest._partner_columns import CATEGORY_NAMES, ColumnMap
from geo.ingest._partner_sql import Layout
from geo.ingest._stage import raw_row_sql, select_canonical

# GB with a margin: a county line's origin outside it is kept; swapped inside it is not.
_GB_BOX = (-8.7, 49.8, 1.8, 60.9)
_TIME = r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.][0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
_ISO_DAY = r"^([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})" + _TIME + "$"
_UK_DAY = r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})" + _TIME + "$"
_ISO_MONTH = r"^([0-9]{4})[-/]([0-9]{1,2})$"
_UK_MONTH = r"^([0-9]{1,2})/([0-9]{4})$"


# Characters that break a line somewhere (C0 and C1 controls, Unicode line separators).
CONTROL = r"[\x00-\x1f\x7f-\x9f\x{2028}\x{2029}]"
# A value quoted in a reason: one line, and short, whatever the file holds.
SHOWN_MACRO = f"""
CREATE OR REPLACE MACRO shown(s) AS CASE
    WHEN length(s) > 60 THEN left(regexp_replace(s, '{CONTROL}', ' ', 'g'), 57) || '...'
    ELSE regexp_replace(s, '{CONTROL}', ' ', 'g') END
"""


def register_lookups(con: duckdb.DuckDBPyConnection, ports: tuple[Port, ...]) -> None:
    """Category, destination, origin and port tables keyed by name_key (one row per key),
    and the macros the rules use."""
    con.execute(NAME_KEY_MACRO)
    con.execute(SHOWN_MACRO)
    terms = [(t, c) for c, names in CATEGORY_NAMES.items() for t in (c, *names)]
    categories = pa.table(
        {
            "term": [t for t, _ in terms],
            "priority": list(range(len(terms))),
            "category": [c for _, c in terms],
        }
    )
    for name, table in (
        ("cat", categories),
        ("dest", places_table(kent_places())),
        ("origin", places_table(origin_places())),
        ("port", port_terms(ports)),
    ):
        con.register(f"{name}_raw", table)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {name}_lu AS
            SELECT DISTINCT ON (name_key(term)) name_key(term) AS key, *
            FROM {name}_raw ORDER BY name_key(term), priority
            """
        )
        con.unregister(f"{name}_raw")


def validate_sql(cols: ColumnMap, layout: Layout, has_source_column: bool) -> str:
    # Lookups and dates are worked out once per distinct value, then joined back: a file has
    # far fewer distinct categories, places and dates than rows.
    return f"""
WITH cats AS (
    SELECT v.cat_s, lu.category AS cat_key
    FROM (SELECT DISTINCT cat_s FROM p) v LEFT JOIN cat_lu lu ON lu.key = name_key(v.cat_s)
), dests AS (
    SELECT v.dest_s, lu.name AS dest_name, lu.latitude AS dest_lat, lu.longitude AS dest_lon
    FROM (SELECT DISTINCT dest_s FROM p) v LEFT JOIN dest_lu lu ON lu.key = name_key(v.dest_s)
), origins AS (
    SELECT v.origin_s, lu.name AS origin_name, lu.code AS origin_gz_code,
           lu.latitude AS origin_gz_lat, lu.longitude AS origin_gz_lon
    FROM (SELECT DISTINCT origin_s FROM p) v
    LEFT JOIN origin_lu lu ON lu.key = name_key(v.origin_s)
), ports AS (
    SELECT v.port_s, lu.port_id, lu.latitude AS port_lat, lu.longitude AS port_lon
    FROM (SELECT DISTINCT port_s FROM p) v LEFT JOIN port_lu lu ON lu.key = name_key(v.port_s)
), dates AS (
    {_dates_sql()}
), r AS (
    SELECT p.*, cats.cat_key, dests.* EXCLUDE (dest_s), origins.* EXCLUDE (origin_s),
           ports.* EXCLUDE (port_s), dates.* EXCLUDE (date_s),
           TRY_CAST(olat_s AS DOUBLE) AS olat, TRY_CAST(olon_s AS DOUBLE) AS olon,
           CASE WHEN loc_kind = 'xy' THEN 'x' WHEN grid THEN 'easting' ELSE 'longitude' END
               AS x_label,
           CASE WHEN loc_kind = 'xy' THEN 'y' WHEN grid THEN 'northing' ELSE 'latitude' END
               AS y_label
    FROM p
    LEFT JOIN cats USING (cat_s) LEFT JOIN dests USING (dest_s)
    LEFT JOIN origins USING (origin_s) LEFT JOIN ports USING (port_s)
    LEFT JOIN dates USING (date_s)
), v AS (
    SELECT *, {_reason_sql(has_source_column)} AS reason_s FROM r
)
SELECT {select_canonical(_canonical(cols, layout))}
FROM v
"""


def _dates_sql() -> str:
    return f"""SELECT date_s, date_kind,
        CASE WHEN date_kind = 'day' THEN TRY_CAST(date_iso AS DATE) END AS date_d,
        CAST(date_trunc('month', TRY_CAST(date_iso AS DATE)) AS DATE) AS month_d
    FROM (
        SELECT date_s,
            CASE WHEN iso.y <> '' OR uk.y <> '' THEN 'day'
                 WHEN iso_m.y <> '' OR uk_m.y <> '' THEN 'month' END AS date_kind,
            concat(iso.y, uk.y, iso_m.y, uk_m.y) || '-'
                || lpad(concat(iso.m, uk.m, iso_m.m, uk_m.m), 2, '0') || '-'
                || lpad(coalesce(nullif(concat(iso.d, uk.d), ''), '1'), 2, '0') AS date_iso
        FROM (
            SELECT date_s,
                regexp_extract(date_s, '{_ISO_DAY}', ['y', 'm', 'd']) AS iso,
                regexp_extract(date_s, '{_UK_DAY}', ['d', 'm', 'y']) AS uk,
                regexp_extract(date_s, '{_ISO_MONTH}', ['y', 'm']) AS iso_m,
                regexp_extract(date_s, '{_UK_MONTH}', ['m', 'y']) AS uk_m
            FROM (SELECT DISTINCT date_s FROM p)
        )
    )"""


# Only rows with a coordinate problem build these strings (they sit inside CASE branches).
_PAIR = (
    "(CASE WHEN x_label = 'longitude' THEN 'latitude ' || shown(y_s) || ', longitude ' || x_s "
    "ELSE x_label || ' ' || shown(x_s) || ', ' || y_label || ' ' || y_s END)"
)
_PAIR_NAMES = (
    "(CASE WHEN x_label = 'longitude' THEN 'latitude and longitude' "
    "ELSE x_label || ' and ' || y_label END)"
)


def _reason_sql(has_source_column: bool) -> str:
    mismatch = "src_s <> '' AND lower(src_s) <> lower($source)" if has_source_column else "false"
    located = "loc_kind <> 'none'"
    bad_point = f"{located} AND NOT in_area"
    return f"""CASE
        WHEN problem_s <> '' THEN problem_s
        WHEN {mismatch} THEN 'source ''' || shown(src_s) || ''' differs from this file''s source '''
            || shown($source) || ''' (a file holds one source: split it, or pass --source)'
        WHEN id_s = '' THEN 'incident_id is empty'
        WHEN regexp_matches(id_s, '{CONTROL}')
            THEN 'incident_id ''' || shown(id_s) || ''' contains a control character'
        WHEN cat_s = '' THEN 'category is empty'
        WHEN cat_key IS NULL THEN 'unknown category ''' || shown(cat_s) || ''' (expected '
            || 'knife_crime, modern_slavery, county_lines or port_event)'
        WHEN date_s = '' THEN 'date is empty'
        WHEN date_kind IS NULL THEN 'date ''' || shown(date_s) || ''' is not a date '
            || '(expected YYYY-MM-DD, YYYY-MM or DD/MM/YYYY)'
        WHEN month_d IS NULL
            THEN 'date ''' || shown(date_s) || ''' is impossible (no such day or month)'
        WHEN coalesce(date_d, month_d) > $today THEN 'date ' || shown(date_s) || ' is in the future'
        WHEN year(month_d) < 1990 THEN 'date ' || shown(date_s) || ' is before 1990'
        WHEN {located} AND x_s = '' THEN x_label || ' is empty but ' || y_label || ' is given'
        WHEN {located} AND y_s = '' THEN y_label || ' is empty but ' || x_label || ' is given'
        WHEN {located} AND (x IS NULL OR NOT isfinite(x))
            THEN x_label || ' ''' || shown(x_s) || ''' is not a number'
        WHEN {located} AND (y IS NULL OR NOT isfinite(y))
            THEN y_label || ' ''' || shown(y_s) || ''' is not a number'
        WHEN {bad_point} AND swap_ok THEN {_PAIR_NAMES} || ' look swapped (' || {_PAIR} || ')'
        WHEN {bad_point} AND alt_ok AND grid THEN {_PAIR_NAMES} || ' look like longitude and '
            || 'latitude in degrees, not British National Grid metres (' || {_PAIR} || ')'
        WHEN {bad_point} AND alt_ok THEN {_PAIR_NAMES} || ' look like British National Grid '
            || 'metres: give them as easting and northing (' || {_PAIR} || ')'
        WHEN {bad_point} AND NOT grid AND (abs(y) > 90 OR abs(x) > 180)
            THEN 'coordinates out of range (' || {_PAIR} || ')'
        WHEN {bad_point} AND grid AND NOT (x BETWEEN 0 AND 700000 AND y BETWEEN 0 AND 1300000)
            THEN 'coordinates outside the British National Grid (' || {_PAIR} || ')'
        WHEN {bad_point} THEN 'point (' || {_PAIR} || ') is outside Kent and Medway'
            || coalesce(' (' || printf('%.1f', beyond_m / 1000) || ' km beyond the loaded '
            || 'district boundaries; points up to ' || $edge || ' m beyond are kept)', '')
        WHEN cat_key = 'county_lines' AND origin_s = '' AND dest_s = ''
            THEN 'county-lines row without origin or destination'
        WHEN cat_key = 'county_lines' AND origin_s = '' THEN 'county-lines row without origin'
        WHEN cat_key = 'county_lines' AND dest_s = ''
            THEN 'county-lines row without destination'
        WHEN cat_key = 'port_event' AND port_s = '' THEN 'port event without a port'
        WHEN cat_key = 'port_event' AND port_id IS NULL
            THEN 'unknown port ''' || shown(port_s) || ''' (see `socmap ports list`)'
        {_origin_reasons()}
    END"""


def _origin_reasons() -> str:
    min_lon, min_lat, max_lon, max_lat = _GB_BOX
    given = "(olat_s <> '' OR olon_s <> '')"
    pair = "' (origin_latitude ' || shown(olat_s) || ', origin_longitude ' || shown(olon_s) || ')'"
    return f"""
        WHEN {given} AND (olat_s = '' OR olon_s = '')
            THEN 'origin_latitude and origin_longitude must both be given'
        WHEN {given} AND (olat IS NULL OR NOT isfinite(olat))
            THEN 'origin_latitude ''' || shown(olat_s) || ''' is not a number'
        WHEN {given} AND (olon IS NULL OR NOT isfinite(olon))
            THEN 'origin_longitude ''' || shown(olon_s) || ''' is not a number'
        WHEN {given} AND (abs(olat) > 90 OR abs(olon) > 180)
            THEN 'origin coordinates out of range' || {pair}
        WHEN {given} AND NOT (olat BETWEEN {min_lat} AND {max_lat}
                              AND olon BETWEEN {min_lon} AND {max_lon})
             AND olon BETWEEN {min_lat} AND {max_lat} AND olat BETWEEN {min_lon} AND {max_lon}
            THEN 'origin_latitude and origin_longitude look swapped' || {pair}"""


_LOCATION_FROM = """CASE loc_kind
    WHEN 'geometry' THEN CASE WHEN grid THEN 'GeoJSON geometry (EPSG:27700, converted)'
                              ELSE 'GeoJSON geometry' END
    WHEN 'latlon' THEN 'latitude/longitude'
    WHEN 'grid' THEN 'easting/northing (EPSG:27700, converted)'
    WHEN 'xy' THEN CASE WHEN grid THEN 'x/y as easting/northing (EPSG:27700, converted)'
                        ELSE 'x/y as longitude/latitude' END
    ELSE CASE
        WHEN cat_key = 'county_lines' AND dest_lat IS NOT NULL
            THEN 'destination gazetteer: ' || dest_name || ' (approximate)'
        WHEN cat_key = 'county_lines'
            THEN 'none: destination ''' || shown(dest_s) || ''' is not in the gazetteer'
        WHEN cat_key = 'port_event' AND port_id IS NOT NULL THEN 'port: ' || port_id
        ELSE 'none given' END
END"""


def _position(axis: str) -> str:
    return f"""CASE WHEN reason_s IS NULL THEN CASE
        WHEN loc_kind <> 'none' THEN {axis}_c
        WHEN cat_key = 'county_lines' THEN dest_{axis}
        WHEN cat_key = 'port_event' THEN port_{axis} END END"""


def _attributes(cols: ColumnMap) -> str:
    ours = {
        "location_from": _LOCATION_FROM,
        "origin_from": "CASE WHEN olat_s <> '' THEN 'given' WHEN origin_gz_lat IS NOT NULL "
        "THEN 'origin gazetteer: ' || origin_name || ' (approximate centre)' END",
        "category_given": "CASE WHEN cat_s IS DISTINCT FROM cat_key THEN cat_s END",
        "port_given": "CASE WHEN port_s <> '' AND port_s IS DISTINCT FROM port_id THEN port_s END",
        "date_given": "CASE WHEN date_s <> CASE WHEN date_kind = 'day' "
        "THEN strftime(date_d, '%Y-%m-%d') ELSE strftime(month_d, '%Y-%m') END THEN date_s END",
        "easting": "CASE WHEN grid AND loc_kind <> 'xy' THEN x_s END",
        "northing": "CASE WHEN grid AND loc_kind <> 'xy' THEN y_s END",
        "x": "CASE WHEN loc_kind = 'xy' THEN x_s END",
        "y": "CASE WHEN loc_kind = 'xy' THEN y_s END",
    }
    # JSON built as text: concat_ws skips NULLs, so absent values leave no key. Our keys are
    # literals; a file's own column names arrive as parameters, already JSON-encoded.
    entries = [f"""'"{k}":' || to_json(CAST(({v}) AS VARCHAR))""" for k, v in ours.items()]
    entries += [f"$a{i} || to_json(NULLIF(trim({n}), ''))" for i, (_, n) in enumerate(cols.extras)]
    return "'{' || concat_ws(',', " + ", ".join(entries) + ") || '}'"


def _raw(cols: ColumnMap, layout: Layout) -> str:
    if layout.raw == "column":
        return "_raw"
    if layout.raw == "json":
        pairs = ", ".join(f"$h{i}, {n}" for i, n in enumerate(cols.names))
        return f"CAST(json_object({pairs}) AS VARCHAR)"
    return raw_row_sql(list(cols.names))


def _canonical(cols: ColumnMap, layout: Layout) -> dict[str, str]:
    return {
        "row_number": "row_number",
        "reason": "reason_s",
        "raw": f"CASE WHEN reason_s IS NOT NULL OR _repeat THEN {_raw(cols, layout)} END",
        "source": "$source",
        "incident_id": "NULLIF(id_s, '')",
        "category": "coalesce(cat_key, NULLIF(cat_s, ''))",
        "subcategory": "NULLIF(sub_s, '')",
        "date": "date_d",
        "month": "month_d",
        "latitude": _position("lat"),
        "longitude": _position("lon"),
        "location": "NULLIF(place_s, '')",
        "lsoa_code": "NULLIF(lsoa_s, '')",
        "outcome": "NULLIF(outcome_s, '')",
        "reported_by": "coalesce(NULLIF(reporter_s, ''), $source)",
        "origin": "NULLIF(origin_s, '')",
        "origin_code": "coalesce(NULLIF(origin_code_s, ''), origin_gz_code)",
        "origin_latitude": "CASE WHEN olat_s <> '' THEN olat ELSE origin_gz_lat END",
        "origin_longitude": "CASE WHEN olon_s <> '' THEN olon ELSE origin_gz_lon END",
        "destination": "NULLIF(dest_s, '')",
        "line_name": "NULLIF(line_s, '')",
        "port": "port_id",
        "attributes": _attributes(cols),
    }


def validate_params(
    cols: ColumnMap, layout: Layout, source: str, today: object
) -> dict[str, object]:
    params: dict[str, object] = {"source": source, "today": today, "edge": "500"}
    params.update({f"a{i}": json.dumps(key) + ":" for i, (key, _) in enumerate(cols.extras)})
    if layout.raw == "json":
        params.update({f"h{i}": h for i, h in enumerate(cols.headers)})
    return params
