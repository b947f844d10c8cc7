"""The one client of Dash's HTTP protocol that tests and benchmarks share.

Two ways to call the dashboard's callbacks as the browser does:

* :func:`callback_body`: the JSON the browser posts to ``_dash-update-component`` for one
  callback, built from the app's dependencies (``_dash-dependencies``, or :func:`dependencies`
  of an app in the same process), with the address or the view state as its input; and
  :func:`download_body` for a click on a download button. Tests post these through Flask's
  test client or over HTTP.
* :class:`Tab`: a browser tab on the dashboard, without the browser: what the Dash renderer
  holds and sends (for the benchmarks and the load test).


:class:`Tab` opens the page as Chromium does (the page, ``_dash-layout``, ``_dash-dependencies``,
then the initial callbacks) and keeps the layout the renderer keeps. A user action sets a
property, as a click or a control does, and then every callback whose input changed is sent to
``_dash-update-component`` with the body the renderer builds (outputs, inputs with their
current values, pattern-matching inputs as lists of the matching components in layout order,
state, changedPropIds) and the page's signed ``endId``; callbacks fired by the same change go
out in parallel, as the browser sends them, and their outputs go back into the layout.
Callbacks the renderer would not send (a callback is not fired by its own outputs, and a
clientside one runs in the page) are not sent either. benchmarks/callback_bench.py
--check-browser compares these bodies with what Chromium sends.

Each HTTP request is timed and handed to ``record(kind, seconds, status, size, error)``.
Only http.client is used, one connection a request (gunicorn's sync workers close each
connection anyway), so the client costs the shared CPU little.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

# Kinds of request, by the first output of the callback.
KINDS = {"url": "sync", "map": "map", "panel-title": "panel", "panel-hotspots": "hotspots"}
ERROR_MARK = "notice-error"  # the class the app gives a plain-sentence error in the page
_END_ID = re.compile(r'"end_id":"([^"]+)"')


def dependencies(app) -> list[dict]:
    """An app's callbacks as ``_dash-dependencies`` lists them (output, inputs, state)."""
    return [{**spec, "output": key} for key, spec in app.callback_map.items()]


def callback_body(deps: list[dict], query: str, which: str) -> dict:
    """The JSON the browser posts to ``_dash-update-component`` for the callback whose
    outputs include ``which`` ("url.search": the one that reads the address; any other: one
    the view state drives), with ``query`` as the address or the view state."""
    for spec in deps:
        key = spec["output"]
        if which not in key:
            continue
        outputs = [_split(o.split("@")[0]) for o in _outputs(key)]
        if which == "url.search":
            inputs = [
                {
                    "id": i["id"],
                    "property": i["property"],
                    "value": query
                    if i["id"] == "url"
                    else ([] if i["id"].startswith("{") else None),
                }
                for i in spec["inputs"]
            ]
            state = [
                {"id": s["id"], "property": s["property"], "value": None} for s in spec["state"]
            ]
            changed = ["url.search"]
        else:
            inputs = [{"id": "view-state", "property": "data", "value": query}]
            state, changed = [], ["view-state.data"]
        return {
            "output": key,
            # a single output is sent as one object, not a list
            "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": inputs,
            "changedPropIds": changed,
            "state": state,
        }
    raise KeyError(which)


def download_body(kind: str, state: str) -> dict:
    """The JSON the browser posts when the download button ``kind`` (csv, pdf, ...) is clicked
    with the view state ``state``."""
    from dashboard import ids
    from dashboard.export import DOWNLOADS

    buttons = [
        {"id": {"kind": k, "type": ids.DOWNLOAD}, "property": "n_clicks", "value": int(k == kind)}
        for k in DOWNLOADS
    ]
    clicked = json.dumps({"kind": kind, "type": ids.DOWNLOAD}, separators=(",", ":"))
    return {
        "output": f"..{ids.DOWNLOAD_FILE}.data...{ids.DOWNLOAD_STATUS}.children..",
        "outputs": [
            {"id": ids.DOWNLOAD_FILE, "property": "data"},
            {"id": ids.DOWNLOAD_STATUS, "property": "children"},
        ],
        "inputs": [buttons],
        "changedPropIds": [clicked + ".n_clicks"],
        "state": [{"id": ids.STATE, "property": "data", "value": state}],
    }


class HttpError(Exception):
    pass


def _no_record(kind, seconds, status, size, error) -> None:
    return None


class Http:
    """Timed requests to one server."""

    def __init__(self, base: str, record=_no_record, timeout: float = 120) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.record = record
        self.timeout = timeout

    def request(self, kind: str, method: str, path: str, body: dict | None = None) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        status, payload, error = 0, b"", None
        try:
            con = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                con.request(method, path, body=data, headers=headers)
                response = con.getresponse()
                status, payload = response.status, response.read()
            finally:
                con.close()
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - t0
        if error is None and status != 200:
            error = f"HTTP {status}: {payload[:200].decode(errors='replace')}"
        if error is None and ERROR_MARK.encode() in payload:
            error = "an error notice in the page: " + _notice(payload)
        self.record(kind, seconds, status, len(payload), error)
        if error:
            raise HttpError(f"{method} {path}: {error}")
        return payload


def _notice(payload: bytes) -> str:
    text = payload.decode(errors="replace")
    at = text.find(ERROR_MARK)
    return text[max(0, at - 200) : at + 50]


class Tab:
    """One open dashboard page."""

    def __init__(self, http: Http, prefix: str = "/", pool: ThreadPoolExecutor | None = None):
        self.http = http
        self.prefix = prefix
        self.pool = pool
        self.layout: dict = {}
        self._index: dict[str, dict] = {}
        self.callbacks: list[dict] = []
        self.end_id: str | None = None
        self._lock = threading.Lock()

    # -- what a user does ---------------------------------------------------------------------

    def open(self, query: str = "") -> float:
        """Load the page at ``query`` (``?d=...``) and run the initial callbacks; returns the
        seconds the user waits for the view."""
        t0 = time.perf_counter()
        page = self.http.request("page", "GET", self.prefix + query)
        found = _END_ID.search(page.decode(errors="replace"))
        self.end_id = found.group(1) if found else None
        self.layout = json.loads(self.http.request("layout", "GET", self.prefix + "_dash-layout"))
        self._reindex()
        deps = self.http.request("dependencies", "GET", self.prefix + "_dash-dependencies")
        # Clientside callbacks (the map's fit to its area) run in the page; none is sent.
        self.callbacks = [cb for cb in json.loads(deps) if not cb.get("clientside_function")]
        self._props("url")["search"] = query
        self._props("url")["pathname"] = self.prefix
        initial = [cb for cb in self.callbacks if not cb["prevent_initial_call"]]
        self._run([(cb, ["url.search"]) for cb in initial])
        return time.perf_counter() - t0

    def set(self, component: str, prop: str, value) -> float:
        """A control changed (a checklist ticked, the slider moved): returns the seconds
        until every callback it set off has answered."""
        self._props(component)[prop] = value
        return self._changed([f"{component}.{prop}"])

    def click_map(self, choose) -> float:
        """A click on the map piece ``choose(pieces)`` picks from ``[(trace, index, custom)]``."""
        pieces = self.pieces()
        curve, index = choose(pieces)
        trace = self._props("map")["figure"]["data"][curve]
        point = {
            "curveNumber": curve,
            "pointNumber": index,
            "pointIndex": index,
            "location": trace["locations"][index],
            "z": trace["z"][index],
            "text": trace["text"][index],
            "customdata": trace["customdata"][index],
        }
        self._props("map")["clickData"] = {"points": [point], "timestamp": int(time.time() * 1000)}
        return self._changed(["map.clickData"])

    def click_crumb(self, level: str) -> float:
        """A click on the breadcrumb button of ``level`` (``county`` goes back to Kent)."""
        for key, node in self._index.items():
            cid = json.loads(key) if key.startswith("{") else {}
            if cid.get("type") == "crumb" and cid["level"] == level:
                node["props"]["n_clicks"] = node["props"].get("n_clicks", 0) + 1
                return self._changed([f"{key}.n_clicks"])
        raise KeyError(f"no breadcrumb button for {level}")

    # -- what the page shows ------------------------------------------------------------------

    def pieces(self) -> list[tuple[int, int, list]]:
        """Map pieces as ``(trace, index, customdata)``: customdata is (hex, division, district)."""
        figure = self._props("map").get("figure") or {}
        return [
            (curve, i, custom)
            for curve, trace in enumerate(figure.get("data", []))
            if trace.get("type") == "choroplethmap"
            for i, custom in enumerate(trace.get("customdata") or [])
        ]

    def value(self, component: str, prop: str):
        return self._props(component).get(prop)

    def text(self, component: str) -> str:
        """The visible text inside a component (the panel totals, the period label)."""
        return " ".join(_strings(self._props(component).get("children")))

    # -- the renderer -------------------------------------------------------------------------

    def _changed(self, changed: list[str]) -> float:
        t0 = time.perf_counter()
        self._run([(cb, changed) for cb in self.callbacks if self._fires(cb, changed)])
        return time.perf_counter() - t0

    def _run(self, batch: list[tuple[dict, list[str]]]) -> None:
        """Send a batch of callbacks in parallel; then what their outputs set off, in turn."""
        while batch:
            if self.pool is None or len(batch) == 1:
                answers = [self._send(cb, changed) for cb, changed in batch]
            else:
                answers = list(self.pool.map(lambda job: self._send(*job), batch))
            following = []
            for (cb, _), outputs in zip(batch, answers, strict=True):
                nxt = [c for c in self.callbacks if c is not cb and self._fires(c, outputs)]
                following += [(c, outputs) for c in nxt if c not in [f[0] for f in following]]
            batch = following

    def _fires(self, cb: dict, changed: list[str]) -> bool:
        return any(_matches(i, c) for i in cb["inputs"] for c in changed)

    def _send(self, cb: dict, changed: list[str]) -> list[str]:
        body = self._body(cb, changed)
        path = self.prefix + "_dash-update-component"
        if self.end_id:
            path += "?endId=" + self.end_id
        kind = KINDS.get(body["outputs"][0]["id"] if isinstance(body["outputs"], list)
                         else body["outputs"]["id"], "other")  # fmt: skip
        answer = json.loads(self.http.request(kind, "POST", path, body))
        updated = []
        with self._lock:
            for cid, props in answer.get("response", {}).items():
                for prop, value in props.items():
                    self._props(cid)[prop] = value
                    updated.append(f"{cid}.{prop}")
                    if prop == "children":
                        self._reindex()
        return updated

    def _body(self, cb: dict, changed: list[str]) -> dict:
        outputs = [_split(o) for o in _outputs(cb["output"])]
        own = [c for c in changed if any(_matches(i, c) for i in cb["inputs"])]
        body = {
            "output": cb["output"],
            "outputs": outputs if cb["output"].startswith("..") else outputs[0],
            "inputs": [self._input(i) for i in cb["inputs"]],
            "changedPropIds": own,
            "parsedChangedPropsIds": own,
        }
        if cb["state"]:
            body["state"] = [self._input(s) for s in cb["state"]]
        return body

    def _input(self, dep: dict):
        if dep["id"].startswith("{"):
            pattern = json.loads(dep["id"])
            return [
                _with_value({"id": json.loads(key), "property": dep["property"]}, node, dep)
                for key, node in self._index.items()
                if key.startswith("{") and _id_matches(pattern, json.loads(key))
            ]
        entry = {"id": dep["id"], "property": dep["property"]}
        return _with_value(entry, self._index[dep["id"]], dep)

    def _props(self, component: str) -> dict:
        return self._index[component]["props"]

    def _reindex(self) -> None:
        index: dict[str, dict] = {}
        _walk(self.layout, index)
        self._index = index


def _with_value(entry: dict, node: dict, dep: dict) -> dict:
    if dep["property"] in node["props"]:  # the renderer leaves undefined values out
        entry["value"] = node["props"][dep["property"]]
    return entry


def _walk(node, index: dict[str, dict]) -> None:
    """Components with an id, in layout order (dict ids keyed by their sorted JSON)."""
    if isinstance(node, list):
        for child in node:
            _walk(child, index)
    elif isinstance(node, dict) and "props" in node:
        cid = node["props"].get("id")
        if cid is not None:
            index[cid if isinstance(cid, str) else json.dumps(cid, sort_keys=True)] = node
        _walk(node["props"].get("children"), index)


def _strings(node) -> list[str]:
    if isinstance(node, str | int | float):
        return [str(node)]
    if isinstance(node, list):
        return [s for child in node for s in _strings(child)]
    if isinstance(node, dict) and "props" in node:
        return _strings(node["props"].get("children"))
    return []


def _outputs(spec: str) -> list[str]:
    return spec.strip(".").split("...") if spec.startswith("..") else [spec]


def _split(output: str) -> dict:
    cid, _, prop = output.rpartition(".")
    return {"id": cid, "property": prop}


def _matches(dep: dict, changed: str) -> bool:
    cid, _, prop = changed.rpartition(".")
    if prop.split("@")[0] != dep["property"]:
        return False
    if dep["id"].startswith("{") and cid.startswith("{"):
        return _id_matches(json.loads(dep["id"]), json.loads(cid))
    return dep["id"] == cid


def _id_matches(pattern: dict, cid: dict) -> bool:
    if set(pattern) != set(cid):
        return False
    return all(v == ["ALL"] or v == cid[k] for k, v in pattern.items())
