"""The open context data (docs/context.md): what is loaded, basemap features, places and
postcodes to search, residents and deprivation by LSOA.

:mod:`geo.context` turns these rows into what the product shows (search results placed in
the loaded areas, populations apportioned to divisions, attribution); its loads stay with it.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from geo.store._file import Store
from geo.store.queries._run import cached_rows, dicts, rows, table

# -- what is loaded --------------------------------------------------------------------------

SET_COLUMNS = (
    "set_name",
    "kind",
    "title",
    "publisher",
    "source",
    "licence",
    "vintage",
    "attribution",
    "used_for",
    "note",
    "file",
    "checksum",
    "rows",
    "origin",
    "loaded_at",
)


def context_sets(store: Store) -> list[tuple]:
    """Every loaded context set as a row of :data:`SET_COLUMNS`, in no order."""
    return rows(store, f"SELECT {', '.join(SET_COLUMNS)} FROM context_sets")


def set_names(store: Store, kind: str) -> list[str]:
    """The names of the loaded sets of one ``kind`` ("postcodes/2024.11", ...), in no order."""
    return [n for (n,) in rows(store, "SELECT set_name FROM context_sets WHERE kind = ?", [kind])]


# -- basemap ---------------------------------------------------------------------------------

BASEMAP_COLUMNS = ("layer", "feature_id", "name", "kind", "rank", "in_kent_medway", "geometry")


def basemap_features(
    store: Store,
    bbox: tuple[float, float, float, float],
    *,
    labels: int,
    water: int,
    roads: int,
    rivers: int,
) -> list[tuple]:
    """Basemap features (rows of :data:`BASEMAP_COLUMNS`, geometry as WKB) whose box meets
    ``bbox`` (min lon, min lat, max lon, max lat), up to the given rank in the ranked
    layers, by layer, rank and feature (drawing priority)."""
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox)
    return rows(
        store,
        f"""
        SELECT {", ".join(BASEMAP_COLUMNS)}
        FROM context_basemap
        WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?
          AND rank <= CASE layer WHEN 'labels' THEN ? WHEN 'water' THEN ? WHEN 'roads' THEN ?
                                 WHEN 'rivers' THEN ? ELSE 32767 END
        ORDER BY layer, rank, feature_id
        """,
        [min_lon, max_lon, min_lat, max_lat, labels, water, roads, rivers],
    )


# -- place search ----------------------------------------------------------------------------

_PLACE_COLUMNS = (
    "name, kind, latitude, longitude, district_code, district_name, size_rank, detail_res"
)
# Names that are the query, start with it, or have a word that starts with it.
_PLACES_SQL = f"""
SELECT {_PLACE_COLUMNS},
       CASE WHEN search_key = $key OR alt_key = $key THEN 'exact'
            WHEN starts_with(search_key, $key) OR starts_with(alt_key, $key) THEN 'prefix'
            ELSE 'word' END AS match,
       NULL::DOUBLE AS similarity
FROM context_places
WHERE (in_kent_medway OR $outside)
  AND (starts_with(search_key, $key) OR starts_with(alt_key, $key)
       OR contains(' ' || search_words, ' ' || $words))
ORDER BY match <> 'exact', size_rank, detail_res DESC NULLS LAST, name
LIMIT $limit
"""
# Close spellings: at most two letters longer or shorter, within $edits edits or a
# Jaro-Winkler similarity of 0.92.
_FUZZY_SQL = f"""
SELECT {_PLACE_COLUMNS}, 'fuzzy' AS match,
       jaro_winkler_similarity(search_key, $key) AS similarity
FROM context_places
WHERE (in_kent_medway OR $outside)
  AND abs(length(search_key) - length($key)) <= 2
  AND NOT starts_with(search_key, $key)
  AND NOT contains(' ' || search_words, ' ' || $words)
  AND (damerau_levenshtein(search_key, $key) <= $edits
       OR jaro_winkler_similarity(search_key, $key) >= 0.92)
ORDER BY damerau_levenshtein(search_key, $key), size_rank, detail_res DESC NULLS LAST, name
LIMIT $limit
"""


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= 1000:
        raise ValueError(f"limit {limit}: expected 1 to 1000")
    return limit


def places_matching(
    store: Store, *, key: str, words: str, outside: bool, limit: int
) -> list[dict[str, Any]]:
    """Places whose search key is ``key`` or starts with it, or with a word starting with
    ``words`` (both already normalised), exact matches first then the larger places: name,
    kind, latitude, longitude, district_code, district_name, size_rank, detail_res, match
    ("exact", "prefix", "word") and similarity (None). ``outside``: also the places beyond
    Kent and Medway."""
    params = {"key": key, "words": words, "outside": outside, "limit": _check_limit(limit)}
    return dicts(store, _PLACES_SQL, params)


def places_spelled_close(
    store: Store, *, key: str, words: str, outside: bool, limit: int, edits: int
) -> list[dict[str, Any]]:
    """Places :func:`places_matching` does not find whose key is spelled close to ``key``
    (within ``edits`` edits, or a Jaro-Winkler similarity of 0.92), closest first; columns as
    there, match "fuzzy" and the similarity."""
    if edits < 0:
        raise ValueError(f"edits {edits}: expected 0 or more")
    params = {
        "key": key,
        "words": words,
        "outside": outside,
        "limit": _check_limit(limit),
        "edits": edits,
    }
    return dicts(store, _FUZZY_SQL, params)


# (postcode, latitude, longitude, district_code, exact)
PostcodeUnit = tuple[str, float, float, str | None, bool]


def postcode_unit(store: Store, vintage: str, key: str) -> list[PostcodeUnit]:
    """The full postcode whose compact key ("ME44QB") is ``key`` in release ``vintage``."""
    return rows(
        store,
        "SELECT postcode, latitude, longitude, district_code, TRUE "
        "FROM context_postcodes WHERE vintage = ? AND search_key = ?",
        [vintage, key],
    )


def postcode_units_starting(
    store: Store, vintage: str, prefix: str, limit: int
) -> list[PostcodeUnit]:
    """Full postcodes of release ``vintage`` whose compact key starts with ``prefix``, in
    order, at most ``limit``."""
    return rows(
        store,
        "SELECT postcode, latitude, longitude, district_code, FALSE "
        "FROM context_postcodes WHERE vintage = ? AND starts_with(search_key, ?) "
        "ORDER BY search_key LIMIT ?",
        [vintage, prefix, _check_limit(limit)],
    )


def postcode_groups(store: Store, vintage: str, key: str) -> list[tuple]:
    """Postcode sectors and districts of release ``vintage`` with compact key ``key``: (level,
    code, latitude, longitude, district_code, number of postcodes)."""
    return rows(
        store,
        """
        SELECT level, code, latitude, longitude, district_code, n_postcodes
        FROM context_postcode_areas WHERE vintage = ? AND search_key = ?
        """,
        [vintage, key],
    )


def postcode_vintages_with_lsoas(store: Store) -> list[str]:
    """The postcode releases loaded with the LSOA each postcode lies in, in no order."""
    sql = "SELECT DISTINCT vintage FROM context_postcodes WHERE lsoa_code IS NOT NULL"
    return [v for (v,) in rows(store, sql)]


def postcodes_in_lsoas(store: Store, vintage: str) -> pa.Table:
    """Every postcode of release ``vintage`` in a loaded LSOA: longitude, latitude,
    lsoa_code and the LSOA's district_code."""
    return table(
        store,
        """
        SELECT p.longitude, p.latitude, p.lsoa_code, l.district_code
        FROM context_postcodes p JOIN context_lsoas l USING (lsoa_code) WHERE p.vintage = ?
        """,
        [vintage],
    )


# -- LSOAs and residents ---------------------------------------------------------------------


def lsoa_districts(store: Store) -> list[tuple[str, str]]:
    """(LSOA code, its district's code) of every loaded LSOA."""
    return rows(store, "SELECT lsoa_code, district_code FROM context_lsoas")


def lsoa_shapes(store: Store) -> pa.Table:
    """Every loaded LSOA: lsoa_code, district_code and geometry (WKB)."""
    return table(store, "SELECT lsoa_code, district_code, geometry FROM context_lsoas")


def best_fit_divisions(store: Store) -> pa.Table:
    """The published LSOA to division best-fit lookup: lsoa_code, division_code (LSOAs
    given no division are left out)."""
    return table(
        store,
        "SELECT lsoa_code, division_code FROM context_lsoa_best_fit "
        "WHERE division_code IS NOT NULL",
    )


def population_kinds(store: Store) -> list[tuple[int, str]]:
    """Each mid-year loaded with each kind of figure it has (total, band, single), by year."""
    return cached_rows(  # asked on every rate and deprivation view
        store, "SELECT DISTINCT year, kind FROM context_population ORDER BY year, kind DESC"
    )


def lsoa_persons(
    store: Store, year: int, *, kind: str = "total", ages: tuple[int, int] | None = None
) -> list[tuple[str, int]]:
    """(LSOA code, residents) for mid-``year``, by LSOA code: the published total, or for
    ``ages`` (inclusive, from, to) the sum of the ``kind`` rows ("band" or "single") they
    cover."""
    if ages is None:
        sql = "SELECT lsoa_code, persons FROM context_population WHERE year = ? AND kind = 'total'"
        params: list[object] = [year]
    else:
        if kind not in ("band", "single"):
            raise ValueError(f"kind {kind!r}: expected band or single for an age range")
        sql = (
            "SELECT lsoa_code, sum(persons) FROM context_population WHERE year = ? AND kind = ? "
            "AND age_from >= ? AND age_to <= ? GROUP BY lsoa_code"
        )
        params = [year, kind, ages[0], ages[1]]
    return rows(store, sql + " ORDER BY lsoa_code", params)


def population_vintages(store: Store, year: int, kind: str) -> list[str]:
    """The vintages of the sets that hold mid-``year`` figures of ``kind``, in order."""
    return [
        v
        for (v,) in rows(
            store,
            "SELECT DISTINCT s.vintage FROM context_sets s JOIN context_population p "
            "USING (set_name) WHERE p.year = ? AND p.kind = ? ORDER BY 1",
            [year, kind],
        )
    ]


# -- deprivation -----------------------------------------------------------------------------


def deprivation_deciles(store: Store, domain: str) -> list[tuple[str, int]]:
    """(LSOA code, decile) of one deprivation ``domain``, by LSOA code."""
    return rows(
        store,
        "SELECT lsoa_code, decile FROM context_deprivation WHERE domain = ? ORDER BY lsoa_code",
        [domain],
    )


def lsoa_deprivation(store: Store, lsoa_code: str) -> list[tuple[str, int, int]]:
    """(domain, rank, decile) of every domain loaded for one LSOA, in no order."""
    return rows(
        store,
        "SELECT domain, rank, decile FROM context_deprivation WHERE lsoa_code = ?",
        [lsoa_code],
    )


def lsoa_imd(store: Store) -> pa.Table:
    """Every loaded LSOA with its Index of Multiple Deprivation: lsoa_code, name,
    district_code, imd_rank, imd_decile (null where none is loaded), by LSOA code."""
    return table(
        store,
        """
        SELECT l.lsoa_code, l.name, l.district_code, d.rank AS imd_rank, d.decile AS imd_decile
        FROM context_lsoas l
        LEFT JOIN context_deprivation d ON d.lsoa_code = l.lsoa_code AND d.domain = 'imd'
        ORDER BY l.lsoa_code
        """,
    )
