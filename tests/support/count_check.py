"""Find every count a Dash response renders, wherever it is, to check none is 1 to k-1.

Every string anywhere in the response (figure hover texts and custom data, annotations,
component text, table cells) is split into lines, and every number that follows a label and a
colon ("Incidents: 3", "This period: 3; previous: 2", "Margate: 3", "Knife crime: 3"), or that
stands alone in a text node or a cell ("3", "3 to 9"), is taken as a count. Unknown labels
count: the few exceptions are numbers of hexagons, which are not counts of incidents ("Gi* hot
spots: 42 hexagons (99%: 41, 95%: 1)", "Emerging patterns: new hot spot: 5"). Trend charts'
y values are counts too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from geo.stats import CATEGORY_LABELS

_LABELLED = re.compile(r"([^:;,()<>]*):\s*([0-9][0-9,]*)(?![0-9.,]*[0-9])(\s*hexagon)?")
_ALONE = re.compile(r"\s*([0-9][0-9,]*)(?:\s+to\s+([0-9][0-9,]*))?\s*")
_PATTERNS = {label.lower() for label in CATEGORY_LABELS.values()}
_SKIP_KEYS = {"lat", "lon", "x", "marker", "line", "id", "className", "style"}


def strings(node, key: str | None = None) -> Iterator[str]:
    """Every string in a JSON value, except coordinates, ids and styling."""
    if key in _SKIP_KEYS:
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for child in node:
            yield from strings(child)
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, k)


def counts_in_text(text: str) -> list[tuple[str, int]]:
    """``(line, n)`` for every count rendered in ``text``."""
    out = []
    for line in re.split(r"<br\s*/?>|\n", text):
        plain = re.sub(r"<[^>]+>", "", line)
        alone = _ALONE.fullmatch(plain)
        if alone:
            out += [(plain, _int(g)) for g in alone.groups() if g]
            continue
        for m in _LABELLED.finditer(plain):
            label = m.group(1).strip()
            if m.group(3) or label.endswith("%") or label.lower() in _PATTERNS:
                continue  # a number of hexagons, by class or pattern: not incidents
            out.append((plain, _int(m.group(2))))
    return out


def trend_values(response: dict) -> Iterator[tuple[str, int]]:
    for output in response.values():
        figure = output.get("figure") if isinstance(output, dict) else None
        if not figure or any(
            t.get("type") in ("choroplethmap", "scattermap") for t in figure["data"]
        ):
            continue
        for trace in figure["data"]:
            for y in trace.get("y") or []:
                if y is not None:
                    yield (f"trend {trace.get('name')}", int(y))


def rendered_counts(response: dict) -> list[tuple[str, int]]:
    """Every count a callback's response renders (``response["response"]``)."""
    found = [c for s in strings(response) for c in counts_in_text(s)]
    return found + list(trend_values(response))


def small_counts(response: dict, k: int) -> list[tuple[str, int]]:
    return [(where, n) for where, n in rendered_counts(response) if 1 <= n < k]


def _int(text: str) -> int:
    return int(text.replace(",", ""))
