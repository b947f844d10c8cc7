"""Colour-blind-safe palettes and the classification of values into legend classes.

Sequential counts use ColorBrewer YlOrRd; hot and cold use ColorBrewer RdBu (a diverging
scheme that stays readable with the common colour-vision deficiencies); change uses PuOr.
Hue tells hot from cold, lightness tells strength, and every class is also named in the legend
and the hover card, so nothing depends on colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_DATA = "#f2f2f2"
ZERO = "#ffffff"
YLORRD = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
RDBU = {
    "hot99": "#b2182b",
    "hot95": "#ef8a62",
    "hot90": "#fddbc7",
    "ns": "#e8e8e8",
    "cold90": "#d1e5f0",
    "cold95": "#67a9cf",
    "cold99": "#2166ac",
}
PUOR = {
    "up_sig": "#b35806",
    "up": "#fdb863",
    "same": "#f7f7f7",
    "down": "#b2abd2",
    "down_sig": "#542788",
}


@dataclass(frozen=True)
class LegendClass:
    key: str
    label: str
    colour: str


def count_classes(values: np.ndarray, n_classes: int = 5) -> tuple[list[LegendClass], np.ndarray]:
    """Classes for counts: "0", then up to ``n_classes`` quantile classes of positive counts
    with whole-number breaks. Returns the legend and each value's class index."""
    values = np.asarray(values, dtype=float)
    positive = values[values > 0]
    legend = [LegendClass("0", "0", ZERO)]
    index = np.zeros(len(values), dtype=int)
    if positive.size == 0:
        return legend, index
    qs = np.quantile(positive, np.linspace(0, 1, n_classes + 1)[1:])
    uppers = sorted({int(np.ceil(q)) for q in qs})
    lower = 1
    colours = _spread(YLORRD, len(uppers))
    for i, upper in enumerate(uppers):
        label = f"{lower}" if upper == lower else f"{lower} to {upper}"
        legend.append(LegendClass(f"c{i + 1}", label, colours[i]))
        in_class = (values >= lower) & (values <= upper)
        index[in_class] = i + 1
        lower = upper + 1
    return legend, index


def _spread(palette: list[str], n: int) -> list[str]:
    """``n`` colours from a palette, keeping the darkest for the top class."""
    if n >= len(palette):
        return palette[:n]
    picks = np.round(np.linspace(len(palette) - n, len(palette) - 1, n)).astype(int)
    return [palette[i] for i in picks]


HOTSPOT_CLASSES = [
    LegendClass("hot99", "Hot spot, 99% confidence", RDBU["hot99"]),
    LegendClass("hot95", "Hot spot, 95% confidence", RDBU["hot95"]),
    LegendClass("hot90", "Hot spot, 90% confidence", RDBU["hot90"]),
    LegendClass("ns", "Not significant", RDBU["ns"]),
    LegendClass("cold90", "Cold spot, 90% confidence", RDBU["cold90"]),
    LegendClass("cold95", "Cold spot, 95% confidence", RDBU["cold95"]),
    LegendClass("cold99", "Cold spot, 99% confidence", RDBU["cold99"]),
]

CHANGE_CLASSES = [
    LegendClass("up_sig", "Up, significant", PUOR["up_sig"]),
    LegendClass("up", "Up, not significant", PUOR["up"]),
    LegendClass("same", "No change", PUOR["same"]),
    LegendClass("down", "Down, not significant", PUOR["down"]),
    LegendClass("down_sig", "Down, significant", PUOR["down_sig"]),
]

# Emerging hot spot categories: hot patterns in reds, cold in blues, lightness by pattern.
_HOT = ["#67000d", "#a50f15", "#cb181d", "#ef3b2c", "#fb6a4a", "#fc9272", "#fcbba1", "#fee0d2"]
_COLD = ["#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7"]
_PATTERNS = [
    "intensifying",
    "persistent",
    "consecutive",
    "new",
    "sporadic",
    "oscillating",
    "diminishing",
    "historical",
]
EMERGING_CLASSES = (
    [
        LegendClass(f"{p}_hot", f"{p.capitalize()} hot spot", c)
        for p, c in zip(_PATTERNS, _HOT, strict=True)
    ]
    + [
        LegendClass(f"{p}_cold", f"{p.capitalize()} cold spot", c)
        for p, c in zip(_PATTERNS, _COLD, strict=True)
    ]
    + [LegendClass("no_pattern", "No pattern detected", RDBU["ns"])]
)
