"""Place search: towns, villages and postcodes, placed in the loaded district and division.

Names match ignoring case, spaces and punctuation ("st margarets" finds St Margaret's at
Cliffe): exact names first, then names that start with the query or have a word that does
("Tunbridge" finds Royal Tunbridge Wells), larger places first; only when no name matches
exactly, close spellings too (at most two letters longer or shorter, and one edit in a name of
up to six letters, two in a longer one, or a Jaro-Winkler similarity of at least 0.92), so
"Gilingham" still finds Gillingham.

A query with a digit is a postcode: full (``ME4 4QB``, ``me44qb``), sector (``ME4 4``) or
district (``ME4``), from the newest Code-Point Open release loaded; a full postcode that is no
longer in use is found in the older release and says so.
"""

from __future__ import annotations

import re

import numpy as np

from geo.context._areas import loaded_areas
from geo.context._model import PlaceMatch
from geo.store import Store
from geo.store.queries import context as queries

_POSTCODE_LIKE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{0,2})?$")
_FULL = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$")
_KIND_WORDS = {
    "city": "City",
    "town": "Town",
    "village": "Village",
    "suburb": "Suburb",
    "hamlet": "Hamlet",
    "other": "Settlement",
}
_MATCH_SCORE = {"exact": 1.0, "prefix": 0.9, "word": 0.9}


def search_places(
    store: Store, query: str, *, limit: int = 10, include_outside: bool = False
) -> list[PlaceMatch]:
    """Places and postcodes matching ``query``, best first (at most ``limit``).

    ``include_outside`` also finds the context places just beyond Kent and Medway (Hastings,
    Southend); they have no district or division. Empty when nothing matches or no context
    data is loaded.
    """
    if not 1 <= limit <= 1000:
        raise ValueError(f"limit {limit}: expected 1 to 1000")
    text = " ".join(query.split())
    if not text or not store.exists():
        return []
    postcode = _POSTCODE_LIKE.match(text.upper())
    if postcode and any(ch.isdigit() for ch in text):
        found = _postcodes(store, text.upper(), postcode, limit)
    else:
        found = _places(store, text, limit, include_outside)
    return _placed(store, found)


def _places(store: Store, text: str, limit: int, outside: bool) -> list[dict]:
    key = re.sub(r"[^a-z0-9]+", "", text.lower())
    if not key:
        return []
    words = " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())
    hits = queries.places_matching(store, key=key, words=words, outside=outside, limit=limit)
    # Close spellings only when no name matches exactly, and only for four letters or more.
    if len(key) >= 4 and len(hits) < limit and not any(h["match"] == "exact" for h in hits):
        hits += queries.places_spelled_close(
            store,
            key=key,
            words=words,
            outside=outside,
            limit=limit - len(hits),
            edits=1 if len(key) <= 6 else 2,
        )
    out = []
    for r in hits:
        where = f" in {r['district_name']}" if r["district_name"] else " (beyond Kent and Medway)"
        if r["match"] == "fuzzy":
            score = round(0.7 * float(r["similarity"]), 3)
        else:
            score = _MATCH_SCORE[r["match"]]
        out.append(
            {
                "name": r["name"],
                "kind": r["kind"],
                "latitude": r["latitude"],
                "longitude": r["longitude"],
                "district_code": r["district_code"],
                "match": r["match"],
                "score": score,
                "size_rank": r["size_rank"],
                "detail": f"{_KIND_WORDS[r['kind']]}{where}",
                "vintage": None,
                "inside_county": r["district_code"] is not None,
            }
        )
    return out


def _postcodes(store: Store, text: str, parts: re.Match, limit: int) -> list[dict]:
    outward, inward = parts.group(1), parts.group(2) or ""
    compact = outward + inward
    spaced = " " in text
    releases = queries.set_names(store, "postcodes")
    vintages = sorted((name.split("/", 1)[1] for name in releases), reverse=True)
    if not vintages:
        return []
    newest = vintages[0]
    # A full postcode is found in the newest release, else (no longer in use) in the newest
    # older one that has it; a partial one ("ME4 4Q") lists those it starts.
    units, vintage_of = [], {}
    if _FULL.match(compact):
        for vintage in vintages:
            units = queries.postcode_unit(store, vintage, compact)
            if units:
                vintage_of = {units[0][0]: vintage}
                break
    elif len(inward) == 2:
        units = queries.postcode_units_starting(store, newest, compact, limit)
    groups = queries.postcode_groups(store, newest, compact)
    # A sector and a district can share a key ("ME14" is district ME14; "ME1 4" would be a
    # sector of ME1): typed with a space, only the sector; without, the district first.
    if spaced:
        groups = [g for g in groups if g[0] == "sector" and g[1] == f"{outward} {inward}"]
    groups.sort(key=lambda g: g[0] != "district")
    out = []
    for postcode, lat, lon, district, exact in units:
        if exact:
            vintage = vintage_of[postcode]
            note = "" if vintage == newest else f"; not in use in {newest}"
            out.append(
                _postcode_hit(postcode, "postcode", lat, lon, district, "exact", vintage, note)
            )
    for level, code, lat, lon, district, n in groups:
        kind = f"postcode_{level}"
        out.append(
            _postcode_hit(code, kind, lat, lon, district, "exact", newest, f"; {n} postcodes")
        )
    for postcode, lat, lon, district, exact in units:
        if not exact:
            out.append(
                _postcode_hit(postcode, "postcode", lat, lon, district, "prefix", newest, "")
            )
    return out[:limit]


def _postcode_hit(
    name: str, kind: str, lat: float, lon: float, district: str | None, match: str,
    vintage: str, note: str,
) -> dict:  # fmt: skip
    words = kind.replace("postcode_", "postcode ")
    return {
        "name": name,
        "kind": kind,
        "latitude": lat,
        "longitude": lon,
        "district_code": district,
        "match": match,
        "score": _MATCH_SCORE[match],
        "size_rank": None,
        "detail": f"{words} (Code-Point Open {vintage}{note})",
        "vintage": vintage,
        "inside_county": True,
    }


def _placed(store: Store, found: list[dict]) -> list[PlaceMatch]:
    """Each hit's district and division from the loaded boundaries: the ones holding the
    point; for a point in no district (a harbour postcode just off the generalised outline),
    the nearest district within 500 m and its nearest division. Without boundaries, the
    source's own district and no division."""
    if not found:
        return []
    areas = loaded_areas(store)
    divisions, districts = areas["division"], areas["district"]
    lon = np.array([f["longitude"] for f in found], dtype=np.float64)
    lat = np.array([f["latitude"] for f in found], dtype=np.float64)
    div, _ = divisions.locate(lon, lat)
    dist, _ = districts.locate(lon, lat)
    out = []
    for i, f in enumerate(found):
        inside_county = f.pop("inside_county")
        district = f.pop("district_code")
        division = how = None
        if not inside_county:
            pass
        elif div[i] >= 0:
            division, how = str(divisions.codes[div[i]]), "inside"
            district = divisions.parents[div[i]] or district
        elif dist[i] >= 0:
            district = str(districts.codes[dist[i]])
        else:
            near_dist, _ = districts.locate(lon[i : i + 1], lat[i : i + 1], near=True)
            if near_dist[0] >= 0:
                district = str(districts.codes[near_dist[0]])
                near_div, _ = divisions.locate(lon[i : i + 1], lat[i : i + 1], near=True)
                if near_div[0] >= 0 and divisions.parents[near_div[0]] == district:
                    division, how = str(divisions.codes[near_div[0]]), "nearest"
        out.append(
            PlaceMatch(district_code=district, division_code=division, division_match=how, **f)
        )
    return out
