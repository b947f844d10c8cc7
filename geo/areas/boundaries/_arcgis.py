"""A small client for an ArcGIS FeatureServer layer's query API, as ONS serves boundaries.

It asks for GeoJSON in WGS84 (``f=geojson``, ``outSR=4326``), first counts the features (for
the progress bar), then pages through them with ``resultOffset``/``resultRecordCount`` while
the service says ``exceededTransferLimit`` (ArcGIS puts that flag at the top level or, for
GeoJSON, under ``properties``). Ordering by the code field keeps the pages stable. Every
failure is one line that says what to do, most often: no internet here, so download the
files elsewhere and use ``--from``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from tqdm import tqdm

from geo.areas.boundaries._manifest import LevelSource
from geo.errors import SocmapError

_MAX_PAGES = 1000
_AGENT = "socmap (boundaries fetch)"


def query_layer(
    source: LevelSource, *, timeout: float, progress: bool | None
) -> list[dict[str, Any]]:
    """Every feature the layer's query returns, as GeoJSON features in WGS84."""
    assert source.service is not None
    url = source.service.rstrip("/") + "/query"
    params = _params(source)
    total = _count(url, params, timeout)
    features: list[dict[str, Any]] = []
    with tqdm(
        total=total,
        desc=f"downloading {source.level} boundaries",
        unit=" areas",
        disable=None if progress is None else not progress,
        leave=False,
    ) as bar:
        for _ in range(_MAX_PAGES):
            page = get_json(
                url,
                {**params, "resultOffset": len(features), "resultRecordCount": source.page_size},
                timeout,
            )
            got = page.get("features")
            if not isinstance(got, list):
                raise SocmapError(f"{url}: the answer has no features list; is it a layer URL?")
            if got and "attributes" in got[0]:
                raise SocmapError(f"{url}: the service answered in Esri JSON, not GeoJSON")
            features += got
            bar.update(len(got))
            if not _exceeded(page):
                return features
            if not got:
                raise SocmapError(f"{url}: the service said more remain but sent none")
    raise SocmapError(f"{url}: more than {_MAX_PAGES} pages; narrow the where clause")


def _params(source: LevelSource) -> dict[str, Any]:
    params: dict[str, Any] = {
        "where": source.where_clause(),
        "outFields": "*",
        "returnGeometry": "true",
        "outSR": "4326",
        "f": "geojson",
    }
    if source.code_field:
        params["orderByFields"] = source.code_field
    if source.bbox:
        params.update(
            geometry=",".join(str(v) for v in source.bbox),
            geometryType="esriGeometryEnvelope",
            inSR="4326",
            spatialRel="esriSpatialRelIntersects",
        )
    return params


def _count(url: str, params: dict[str, Any], timeout: float) -> int | None:
    keep = ("where", "geometry", "geometryType", "inSR", "spatialRel")
    query = {k: v for k, v in params.items() if k in keep}
    answer = get_json(url, {**query, "returnCountOnly": "true", "f": "json"}, timeout)
    count = answer.get("count")
    return int(count) if isinstance(count, int) else None


def _exceeded(page: dict[str, Any]) -> bool:
    properties = page.get("properties")
    nested = properties.get("exceededTransferLimit") if isinstance(properties, dict) else None
    return bool(page.get("exceededTransferLimit") or nested)


def get_json(url: str, params: dict[str, Any], timeout: float) -> dict[str, Any]:
    """GET ``url`` with ``params`` and return its JSON object; one-line errors otherwise."""
    full = f"{url}?{urllib.parse.urlencode(params)}"
    host = urllib.parse.urlsplit(url).netloc
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise SocmapError(f"{url}: only http and https services can be queried")
    request = urllib.request.Request(full, headers={"User-Agent": _AGENT})  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise SocmapError(
            f"{url}: the service answered HTTP {exc.code} ({exc.reason}); it may have moved: "
            "check the layer's URL in data/boundaries/manifest.toml against the ONS portal"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SocmapError(
            f"could not reach {host} ({reason}); this machine may have no internet access: "
            "download the boundary files elsewhere and load them with "
            "`socmap boundaries fetch --from DIR`"
        ) from None
    return _decode(url, body)


def _decode(url: str, body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise SocmapError(f"{url}: the answer is not JSON (is this an ArcGIS layer URL?)") from None
    if not isinstance(data, dict):
        raise SocmapError(f"{url}: the answer is not a JSON object")
    error = data.get("error")
    if isinstance(error, dict):
        details = "; ".join(str(d) for d in error.get("details") or [])
        raise SocmapError(
            f"{url}: the service refused the query: {error.get('code', '')} "
            f"{error.get('message', '')}{f' ({details})' if details else ''}"
        )
    return data
