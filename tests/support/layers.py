"""Pixel checks of the print map's two layers (dashboard/export/_svg_layer.py): plotly.js's
drawing of the whole figure against the bottom layer written in Python under plotly.js's
drawing of the rest."""

from __future__ import annotations

import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from dashboard.export._print_figure import Frame
from dashboard.export._sheet import document
from dashboard.export._svg_layer import layered_map


class _Paper:
    def __init__(self, frame: Frame) -> None:
        self.width_mm = frame.width / 96 * 25.4
        self.height_mm = frame.height / 96 * 25.4


def drawn_pixels(renderer, svg: str, frame: Frame) -> np.ndarray:
    """The map alone at twice its CSS size, as an RGB array."""
    png = renderer.png(document("map", svg, _Paper(frame)), frame.width, frame.height, 2)
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def visibly_different(a: np.ndarray, b: np.ndarray) -> float:
    """The share of pixels that differ by more than a quarter of the range in a channel."""
    return float((np.abs(a - b).max(axis=2) > 64).mean())


def layer_difference(renderer, figure: go.Figure, frame: Frame, layered=None) -> float:
    """How far the two layers of ``layered`` (default: ``figure`` itself) are from
    plotly.js's drawing of the whole ``figure``."""
    whole = drawn_pixels(renderer, renderer.svg(figure, frame.width, frame.height), frame)
    layers = layered_map(layered or figure, frame.width, frame.height, renderer.svg)
    return visibly_different(whole, drawn_pixels(renderer, layers, frame))
