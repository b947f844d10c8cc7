"""Emerging hot spot classes are told apart by more than colour, and their colours stay apart
for the common colour-vision deficiencies.

The colours are checked with colorspacious's simulation of deuteranopia and protanopia
(Machado et al. 2009, full severity): every two classes next to each other in the legend
differ by at least ``MIN_DE`` in CAM02-UCS, and every two hot classes (every two cold ones)
by ``MIN_PAIR_DE``. Hot against cold is told by hue for most readers; in protanopia a hot
purple and a cold blue come close (a hot "oscillating" and a cold "consecutive": 0.9), and
there the second cue and the words tell them apart. Each class also has a second cue: an outline
weight on screen and a fill pattern on paper, named in words in both legends.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE

from dashboard.figures.palette import EMERGING_CLASSES, OUTLINE_WEIGHTS, pattern_ink

MIN_DE = 8.0
MIN_PAIR_DE = 12.0
PATTERNED = [c for c in EMERGING_CLASSES if c.key != "no_pattern"]


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255


def _seen(colour: str, cvd: str | None) -> np.ndarray:
    if cvd is None:
        return _rgb(colour)
    space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
    return np.clip(cspace_convert(_rgb(colour), space, "sRGB1"), 0, 1)


def min_adjacent_distance(colours: list[str], cvd: str | None) -> float:
    seen = [_seen(c, cvd) for c in colours]
    return min(deltaE(a, b, input_space="sRGB1") for a, b in itertools.pairwise(seen))


@pytest.mark.parametrize("cvd", [None, "deuteranomaly", "protanomaly"])
def test_adjacent_classes_differ_for_colour_blind_readers(cvd):
    colours = [c.colour for c in EMERGING_CLASSES]
    assert len(set(colours)) == len(colours)
    assert min_adjacent_distance(colours, cvd) >= MIN_DE


def min_pair_distance(colours: list[str], cvd: str | None) -> float:
    seen = [_seen(c, cvd) for c in colours]
    return min(deltaE(a, b, input_space="sRGB1") for a, b in itertools.combinations(seen, 2))


@pytest.mark.parametrize("cvd", [None, "deuteranomaly", "protanomaly"])
@pytest.mark.parametrize("kind", ["hot", "cold"])
def test_every_two_hot_classes_and_every_two_cold_ones_differ(cvd, kind):
    colours = [c.colour for c in PATTERNED if c.key.endswith(f"_{kind}")]
    assert len(colours) == 8
    assert min_pair_distance(colours, cvd) >= MIN_PAIR_DE


def test_the_checks_fail_on_the_old_reds():
    # The palette before: eight steps of ColorBrewer Reds ("four near-identical reds" on a
    # county map, where the four strongest patterns are the common ones).
    old = ["#67000d", "#a50f15", "#cb181d", "#ef3b2c", "#fb6a4a", "#fc9272", "#fcbba1", "#fee0d2"]
    assert min_adjacent_distance(old, "protanomaly") < MIN_DE  # 7.5
    assert min_pair_distance(old, "deuteranomaly") < MIN_PAIR_DE  # 8.5


def test_hot_and_cold_of_a_pattern_share_its_cue_and_every_pattern_has_its_own():
    by_pattern: dict[str, set] = {}
    for c in PATTERNED:
        pattern = c.key.rsplit("_", 1)[0]
        by_pattern.setdefault(pattern, set()).add((c.outline, c.hatch, c.paper_cue))
    assert all(len(v) == 1 for v in by_pattern.values())  # hot and cold alike
    hatches = [next(iter(v))[1] for v in by_pattern.values()]
    assert len(set(hatches)) == len(hatches) == 8  # eight fill patterns, one plain
    assert sorted(h for h in hatches if h) == sorted(["x", "+", "|", ".", "-", "\\", "/"])


def test_neighbours_in_the_legend_differ_by_a_cue_beside_colour_on_paper():
    for a, b in itertools.pairwise(EMERGING_CLASSES):
        assert (a.hatch, a.paper_cue) != (b.hatch, b.paper_cue) or a.key.endswith(
            "historical_cold"
        ), (a.key, b.key)


def test_screen_cue_words_match_the_weights():
    words = {v: k for k, v in OUTLINE_WEIGHTS.items()}
    for c in EMERGING_CLASSES:
        assert c.screen_cue == f"{words[c.outline]} outline"
        assert c.paper_cue


@pytest.mark.parametrize("cls", EMERGING_CLASSES, ids=lambda c: c.key)
def test_the_pattern_ink_stands_out_on_its_fill(cls):
    # WCAG contrast of the pattern's ink against the fill it is drawn on: at least 3:1
    # (non-text contrast), so the pattern shows on every class, dark or light.
    def lum(colour):
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(colour)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    a, b = sorted([lum(cls.colour), lum(pattern_ink(cls.colour))])
    assert (b + 0.05) / (a + 0.05) >= 3.0
