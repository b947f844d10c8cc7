"""An attacker's tools against the public view: its HTTP responses, parsed, and two solves.

Everything here reads only what a public response carries (the map callback's figure and
caption, the panel, a CSV download) and public geometry (H3). The tests hold the store's truth
to check whether a claim the attacker makes about a withheld count is right.
"""

from __future__ import annotations

import base64
import io
import json
import re

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import lsqr

from dashboard import ids
from dashboard.export import DOWNLOADS
from tests.support.dashclient import callback_body, dependencies

_Z = re.compile(r"Gi\* z = (-?\d+\.\d+)")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_NUMBER = re.compile(r"^\d[\d,]*$")


def canonical(client, app, query: str) -> str:
    """The view state the public app shows for a link (as the navigation callback writes)."""
    reply = client.post(
        "/_dash-update-component", json=callback_body(dependencies(app), query, "url.search")
    )
    assert reply.status_code == 200, reply.text
    return reply.get_json()["response"]["view-state"]["data"]


def callback(client, app, state: str, which: str) -> dict:
    reply = client.post(
        "/_dash-update-component", json=callback_body(dependencies(app), state, which)
    )
    assert reply.status_code == 200, reply.text
    return reply.get_json()["response"]


def map_pieces(client, app, state: str) -> tuple[list[dict], list[str]]:
    """The pieces a public map draws (cell, area, class name, hover) and its caption lines."""
    response = callback(client, app, state, "map.figure")
    pieces = []
    for trace in response["map"]["figure"]["data"]:
        if trace["type"] != "choroplethmap":
            continue
        for (hex_id, area, district), text in zip(trace["customdata"], trace["text"], strict=True):
            pieces.append(
                {
                    "cell": h3i.str_to_int(hex_id),
                    "area": area,
                    "district": district,
                    "class": trace["name"],
                    "hover": text,
                    "count": _incidents(text),
                }
            )
    caption = [_plain(p) for p in _texts(response["map-caption"]["children"])]
    return pieces, caption


def scores(hover: str) -> list[float]:
    """Every number with a fractional part on a hexagon's card, past its place lines (a
    z-score, a p-value, any score): what an affine solve could use."""
    detail = "<br>".join(hover.split("<br>")[2:])
    detail = re.sub(r"Incidents: [^<]*", "", detail)
    return [float(x) for x in _DECIMAL.findall(detail)]


def z_scores(pieces: list[dict]) -> dict[int, float]:
    out = {}
    for p in pieces:
        found = _Z.search(p["hover"])
        if found:
            out[p["cell"]] = float(found.group(1))
    return out


def download(client, state: str, kind: str) -> bytes:
    """A public download of the view, as its button gives it (no sign-in)."""
    buttons = [
        {"id": {"kind": k, "type": ids.DOWNLOAD}, "property": "n_clicks", "value": int(k == kind)}
        for k in DOWNLOADS
    ]
    body = {
        "output": f"..{ids.DOWNLOAD_FILE}.data...{ids.DOWNLOAD_STATUS}.children..",
        "outputs": [
            {"id": ids.DOWNLOAD_FILE, "property": "data"},
            {"id": ids.DOWNLOAD_STATUS, "property": "children"},
        ],
        "inputs": [buttons],
        "changedPropIds": [
            json.dumps({"kind": kind, "type": ids.DOWNLOAD}, separators=(",", ":")) + ".n_clicks"
        ],
        "state": [{"id": ids.STATE, "property": "data", "value": state}],
    }
    reply = client.post("/_dash-update-component", json=body)
    assert reply.status_code == 200, reply.text
    return base64.b64decode(reply.get_json()["response"][ids.DOWNLOAD_FILE]["data"]["content"])


def csv_download(client, state: str) -> pd.DataFrame:
    """The public CSV of the view."""
    data = download(client, state, "csv")
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def csv_z_scores(table: pd.DataFrame) -> dict[int, float]:
    """``hotspots_value`` by hexagon, where the CSV gives one (a z-score, when it leaks)."""
    rows = table[(table["layer"] == "hexagon") & (table["hex"] != "")]
    out = {}
    for hex_id, value in zip(rows["hex"], rows["hotspots_value"], strict=True):
        if value.strip():
            out[h3i.str_to_int(hex_id)] = float(value)
    return out


def integer_solve(z: dict[int, float], total: int, decimals: int = 2) -> dict[int, int] | None:
    """Every hexagon's count from Gi* z-scores printed to ``decimals`` places and the area's
    published total: the neighbourhood sums are whole numbers, so once the spread is known
    each z rounds to its exact sum, and the neighbourhood matrix turns sums into counts.

    The region is the hexagons with a z-score (each cell's neighbours are taken from H3).
    Returns None unless the counts found reproduce every printed z: the attacker is sure.
    """
    cells = np.array(sorted(z), dtype=np.uint64)
    n = cells.size
    if n < 3 or total <= 0:
        return None
    index = {int(c): i for i, c in enumerate(cells)}
    rows, cols = [], []
    for i, c in enumerate(cells.tolist()):
        for d in h3i.grid_disk(c, 1):
            j = index.get(d)
            if j is not None:
                rows.append(i)
                cols.append(j)
    a = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    w = np.asarray(a.sum(axis=1)).ravel()
    zs = np.array([z[int(c)] for c in cells])
    mean = total / n
    spread = zs * np.sqrt(w * (n - w) / (n - 1))
    # A cell with nothing around it has sum 0: z = -w mean / (s sqrt(...)) gives s, but a
    # small printed z (-0.16) gives it only to a few per cent. So s is sought over the range
    # those cells allow, as the value that makes the most sums whole numbers, and then fitted
    # to the whole numbers it gives.
    candidates = -w[spread < 0] * mean / spread[spread < 0]
    if candidates.size == 0:
        return None
    grid = np.linspace(0.95 * candidates.min(), 1.05 * candidates.max(), 4001)
    trial = w * mean + grid[:, None] * spread
    s = grid[int(np.argmax((np.abs(trial - np.rint(trial)) < 0.05).sum(axis=1)))]
    for _ in range(3):
        sums = np.rint(w * mean + s * spread)
        s = float((sums - w * mean) @ spread / (spread @ spread))
    sums = np.rint(w * mean + s * spread)
    y = np.rint(lsqr(a, sums, atol=1e-12, btol=1e-12, iter_lim=100_000)[0])
    if y.min() < 0 or y.sum() != total:
        return None
    check = _gi_z(a, w, y)
    if not np.all(np.abs(np.round(check, decimals) - zs) <= 1.5 * 10**-decimals):
        return None
    return {int(c): int(v) for c, v in zip(cells.tolist(), y.tolist(), strict=True)}


def _gi_z(a, w, y) -> np.ndarray:
    n = y.size
    mean = y.mean()
    s = y.std()
    return (a @ y - w * mean) / (s * np.sqrt(w * (n - w) / (n - 1)))


def caption_claims(caption: list[str], hexagons: int, k: int) -> set[int]:
    """Totals a caption pins for an area whose published total is "fewer than k": the mean
    per hexagon times the number of hexagons (when only one whole number from 1 to k-1 fits
    the printed rounding), "only N cells hold any incident" with N = k-1, or the busiest
    hexagon's count with the number of hexagons holding any."""
    out: set[int] = set()
    text = " ".join(caption)
    busiest = re.search(r"busiest hexagon holds (\d+)", text)
    cells = re.search(r"only (\d+) cells hold any incident", text, re.IGNORECASE)
    if busiest and cells:
        # The busiest cell holds N and M cells hold any: the total is at least N + M - 1,
        # and exactly N when M is 1.
        least = int(busiest.group(1)) + int(cells.group(1)) - 1
        if int(cells.group(1)) == 1 or least == k - 1:
            out.add(least)
    for line in caption:
        mean = re.search(r"(\d+\.\d+) incidents per hexagon on average", line)
        if mean and hexagons:
            value = float(mean.group(1))
            half = 0.5 * 10 ** -len(mean.group(1).split(".")[1])
            fits = [
                t
                for t in range(1, k)
                if (value - half) * hexagons <= t <= (value + half) * hexagons
            ]
            if len(fits) == 1:
                out.add(fits[0])
        held = re.search(r"only (\d+) cells hold any incident", line, re.IGNORECASE)
        if held and int(held.group(1)) == k - 1:
            out.add(k - 1)
    return out


def _incidents(hover: str) -> str:
    found = re.search(r"Incidents: ([^<]*)", hover)
    return found.group(1).strip() if found else ""


def shown(count_text: str) -> bool:
    return bool(_NUMBER.match(count_text))


def _texts(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for child in node:
            yield from _texts(child)
    elif isinstance(node, dict):
        yield from _texts(node.get("props", {}).get("children"))


def _plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)
