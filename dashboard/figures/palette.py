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
# A light grey, not a colour of any scale: "a small or withheld count, shaded over the whole
# area it covers". Light, because most of such an area often holds no incident at all (the
# count is a division's or a large hexagon's), and it must not outweigh the coloured counts.
WITHHELD = "#dcdcdc"
WITHHELD_HATCH = "#8c959f"  # the hatching over it on paper
YLORRD = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
RDBU = {
    "hot_99": "#b2182b",
    "hot_95": "#ef8a62",
    "hot_90": "#fddbc7",
    "not_significant": "#ededed",
    "cold_90": "#d1e5f0",
    "cold_95": "#67a9cf",
    "cold_99": "#2166ac",
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
    # A second cue beside colour (emerging classes): the outline's width on screen (None:
    # the map's usual thin edge) and a fill pattern on paper (a plotly fillpattern shape;
    # None or "": plain), each with its words for the legend.
    outline: float | None = None
    screen_cue: str = ""
    hatch: str | None = None
    paper_cue: str = ""


def count_classes(values: np.ndarray, n_classes: int = 5) -> tuple[list[LegendClass], np.ndarray]:
    """Classes for counts: "0", then up to ``n_classes`` natural-breaks (Fisher-Jenks)
    classes of the positive counts. Returns the legend and each value's class index."""
    values = np.asarray(values, dtype=float)
    positive = values[values > 0]
    legend = [LegendClass("0", "0", ZERO)]
    index = np.zeros(len(values), dtype=int)
    if positive.size == 0:
        return legend, index
    uppers = jenks_breaks(positive, n_classes)
    # The first class starts at the smallest count shown: in the public view that is k,
    # so the legend never suggests that counts from 1 to k-1 appear.
    lower = int(positive.min())
    colours = _spread(YLORRD, len(uppers), small=int(positive.max()) < SMALL_COUNTS)
    for i, upper in enumerate(uppers):
        label = f"{lower}" if upper == lower else f"{lower} to {upper}"
        legend.append(LegendClass(f"c{i + 1}", label, colours[i]))
        index[(values >= lower) & (values <= upper)] = i + 1
        lower = upper + 1
    return legend, index


def jenks_breaks(values: np.ndarray, k: int) -> list[int]:
    """Upper bounds of the Fisher-Jenks optimal classes (least within-class squared error).

    Counts repeat a lot, so the exact dynamic programme runs over the distinct values with
    their frequencies: milliseconds, where mapclassify's pure-Python version (without numba)
    takes seconds on a county map. Tests check it against mapclassify.
    """
    uniq, freq = np.unique(np.asarray(values, dtype=float), return_counts=True)
    u = len(uniq)
    k = min(k, u)
    w = np.concatenate([[0.0], np.cumsum(freq)])
    s1 = np.concatenate([[0.0], np.cumsum(freq * uniq)])
    s2 = np.concatenate([[0.0], np.cumsum(freq * uniq**2)])

    cost = np.full((k + 1, u + 1), np.inf)
    cut = np.zeros((k + 1, u + 1), dtype=int)
    cost[0, 0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, u + 1):
            i = np.arange(c - 1, j)  # the last class holds distinct values i..j-1
            n = w[j] - w[i]
            sse = s2[j] - s2[i] - (s1[j] - s1[i]) ** 2 / n
            options = cost[c - 1, i] + sse
            best = int(np.argmin(options))
            cost[c, j], cut[c, j] = options[best], i[best]
    bounds, j = [], u
    for c in range(k, 0, -1):
        bounds.append(int(uniq[j - 1]))
        j = cut[c, j]
    return sorted(bounds)


# Below this maximum a map holds only a few small counts: its classes take the palette's light
# end, so 1 incident is never dark red because the busiest hexagon has 2.
SMALL_COUNTS = 10


def _spread(palette: list[str], n: int, *, small: bool = False) -> list[str]:
    """``n`` colours from a palette, keeping the darkest for the top class (the lightest
    ``n`` when every count is small)."""
    if n >= len(palette) or small:
        return palette[:n]
    picks = np.round(np.linspace(len(palette) - n, len(palette) - 1, n)).astype(int)
    return [palette[i] for i in picks]


# The words are a false-discovery-rate statement (geo.stats.CLASS_LABELS, and the map's note
# says what it means): the classes are not "confidence" in each hexagon.
HOTSPOT_CLASSES = [
    LegendClass(key, label, RDBU[key])
    for key, label in [
        ("hot_99", "Hot spot: at most 1 in 100 false alarms"),
        ("hot_95", "Hot spot: at most 1 in 20 false alarms"),
        ("hot_90", "Hot spot: at most 1 in 10 false alarms"),
        ("not_significant", "Not significant"),
        ("cold_90", "Cold spot: at most 1 in 10 false alarms"),
        ("cold_95", "Cold spot: at most 1 in 20 false alarms"),
        ("cold_99", "Cold spot: at most 1 in 100 false alarms"),
    ]
]

CHANGE_CLASSES = [
    LegendClass("up_sig", "Up, significant", PUOR["up_sig"]),
    LegendClass("up", "Up, not significant", PUOR["up"]),
    LegendClass("same", "No change", PUOR["same"]),
    LegendClass("down", "Down, not significant", PUOR["down"]),
    LegendClass("down_sig", "Down, significant", PUOR["down_sig"]),
]
# A change across a thin month is not tested (geo.stats._change): only its direction, in the
# lighter colours of the untested classes, and words that say no test was made.
UNTESTED_CHANGE_CLASSES = [
    LegendClass("up_untested", "Up (not tested: thin month)", PUOR["up"]),
    LegendClass("same", "No change", PUOR["same"]),
    LegendClass("down_untested", "Down (not tested: thin month)", PUOR["down"]),
]

# Emerging hot spot categories. Hot patterns that hold or build up to the latest period
# (intensifying, persistent, consecutive, new) on ColorBrewer reds to yellow; those that come
# and go or fade (sporadic, oscillating, diminishing, historical) on purples; cold ones on
# blues and greens alike. Two short ramps instead of one long one, so that every two hot
# classes (and every two cold ones) stay apart for deuteranopes and protanopes, where eight
# steps of one red did not (tests/unit/test_palette_cvd.py simulates both). Darker is the
# stronger pattern of each ramp.
_HOT = ["#67000d", "#d7301f", "#fc8d59", "#fdd49e", "#54278f", "#8c6bb1", "#bfa5d4", "#e7dcef"]
_COLD = ["#08306b", "#2171b5", "#6baed6", "#c6dbef", "#00441b", "#238b45", "#74c476", "#c7e9c0"]
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
# The second cue, so that no class is told apart by colour alone. On screen (MapLibre fills
# take no pattern) the outline's weight says how the pattern stands in the latest period:
# heavy, hot or cold in most periods up to and including it; medium, hot or cold in it but
# newly or on and off; thin, not in it. On paper each pattern has its own fill pattern
# (plotly's fillpattern shapes; "/" over grey is the withheld hatching, so it goes to the
# pattern least like it, diminishing, drawn dark on colour).
OUTLINE_WEIGHTS = {"heavy": 2.6, "medium": 1.4, "thin": 0.4}
EMERGING_CUES = {
    "intensifying": ("heavy", "x", "crossed"),
    "persistent": ("heavy", "+", "squared"),
    "consecutive": ("heavy", "|", "upright lines"),
    "new": ("medium", ".", "dotted"),
    "sporadic": ("medium", "-", "level lines"),
    "oscillating": ("medium", "\\", "falling lines"),
    "diminishing": ("heavy", "/", "rising lines"),
    "historical": ("thin", "", "plain"),
}


def _emerging_class(pattern: str, kind: str, colour: str) -> LegendClass:
    weight, shape, words = EMERGING_CUES[pattern]
    return LegendClass(
        f"{pattern}_{kind}",
        f"{pattern.capitalize()} {kind} spot",
        colour,
        outline=OUTLINE_WEIGHTS[weight],
        screen_cue=f"{weight} outline",
        hatch=shape,
        paper_cue=words,
    )


EMERGING_CLASSES = (
    [_emerging_class(p, "hot", c) for p, c in zip(_PATTERNS, _HOT, strict=True)]
    + [_emerging_class(p, "cold", c) for p, c in zip(_PATTERNS, _COLD, strict=True)]
    + [
        LegendClass(
            "no_pattern",
            "No pattern detected",
            RDBU["not_significant"],
            outline=OUTLINE_WEIGHTS["thin"],
            screen_cue="thin outline",
            hatch="",
            paper_cue="plain",
        )
    ]
)


def pattern_ink(colour: str) -> str:
    """The colour a fill pattern is drawn in over ``colour``: white on dark fills, near
    black on light ones (WCAG relative luminance), so the pattern shows on every class."""
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#ffffff" if luminance < 0.18 else "#1f2328"
