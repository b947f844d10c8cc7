"""A local stand-in for the ONS ArcGIS FeatureServer query API, on 127.0.0.1.

It answers ``/<org>/arcgis/rest/services/<LAYER>/FeatureServer/0/query`` as ArcGIS Online does
for the parameters socmap uses: ``where`` (``1=1``, ``F = 'x'``, ``F IN ('x', 'y')``), an
envelope filter, ``orderByFields``, ``returnCountOnly``, ``outSR`` (British National Grid,
ONS's native system, unless 4326 is asked for), ``f=geojson`` only, and paging with
``resultOffset``/``resultRecordCount`` capped at ``max_records``, saying
``exceededTransferLimit`` under ``properties`` while more remain. Errors come back as
ArcGIS's ``{"error": {...}}`` objects with HTTP 200, as the real service sends them.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import geopandas as gpd
import shapely

_PATH = re.compile(r"/[^/]+/arcgis/rest/services/([^/]+)/FeatureServer/0/query")


class FakeArcGIS:
    def __init__(self, layers: dict[str, gpd.GeoDataFrame], max_records: int = 3) -> None:
        self.layers = layers
        self.max_records = max_records
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.fail_with: int | None = None  # an HTTP status to answer every request with
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = server.answer(self.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/ESMARspQHYMw9BZ9"

    def __enter__(self) -> FakeArcGIS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def answer(self, path: str) -> tuple[int, dict]:
        url = urllib.parse.urlsplit(path)
        params = dict(urllib.parse.parse_qsl(url.query))
        match = _PATH.fullmatch(url.path)
        self.requests.append((match.group(1) if match else url.path, params))
        if self.fail_with:
            return self.fail_with, {"message": "server error"}
        if not match or match.group(1) not in self.layers:
            return 200, _error(400, "Invalid URL", "Invalid URL")
        try:
            frame = self._select(self.layers[match.group(1)], params)
        except ValueError as exc:
            return 200, _error(400, "Unable to complete operation.", str(exc))
        if params.get("returnCountOnly") == "true":
            return 200, {"count": len(frame)}
        if params.get("f") != "geojson":
            return 200, _error(400, "Invalid or missing input parameters.", "f")
        return 200, self._page(frame, params)

    def _select(self, frame: gpd.GeoDataFrame, params: dict[str, str]) -> gpd.GeoDataFrame:
        frame = frame[_where(frame, params.get("where", "1=1"))]
        if params.get("geometry"):
            box = shapely.box(*[float(v) for v in params["geometry"].split(",")])
            frame = frame[frame.intersects(box)]
        if params.get("orderByFields"):
            frame = frame.sort_values(params["orderByFields"])
        return frame

    def _page(self, frame: gpd.GeoDataFrame, params: dict[str, str]) -> dict:
        offset = int(params.get("resultOffset", 0))
        count = min(int(params.get("resultRecordCount", self.max_records)), self.max_records)
        page = frame.iloc[offset : offset + count]
        if params.get("outSR") != "4326":
            page = page.to_crs("EPSG:27700")
        body = json.loads(page.to_json(drop_id=True))
        if offset + count < len(frame):
            body["properties"] = {"exceededTransferLimit": True}
        return body


def _where(frame: gpd.GeoDataFrame, clause: str):
    clause = clause.strip()
    if clause == "1=1":
        return [True] * len(frame)
    field = re.match(r"\w+", clause)
    if field is None or field.group(0) not in frame.columns:
        raise ValueError(f"where clause {clause!r}: no such field")
    one = re.fullmatch(r"(\w+)\s*=\s*'([^']*)'", clause)
    if one:
        return frame[one.group(1)] == one.group(2)
    many = re.fullmatch(r"(\w+)\s+IN\s*\((.*)\)", clause)
    if many:
        values = re.findall(r"'([^']*)'", many.group(2))
        return frame[many.group(1)].isin(values)
    raise ValueError(f"unsupported where clause {clause!r}")


def _error(code: int, message: str, detail: str) -> dict:
    return {"error": {"code": code, "message": message, "details": [detail]}}
