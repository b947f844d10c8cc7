"""Text on paper maps placed so that it stays legible: inside the frame, clear of other
labels and, for an area's name, inside the area (never across its boundary line).

Labels are placed greedily in priority order: each tries its positions (and, for an area's
name, two lines and then a smaller size) and takes the first whose box is inside the frame,
overlaps no label already placed and, where given, lies inside its area. A label with no such
place is left off rather than drawn over something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely

# Liberation Sans: average advance of a character, and line height, as shares of the size.
_CHAR_EM = 0.58
_LINE_EM = 1.25
_EDGE_PX = 4  # clear space kept at the frame's edge
# Where a label may go around its point (the box is drawn centred where it was placed).
POSITIONS = (
    "middle right",
    "middle left",
    "top center",
    "bottom center",
    "top right",
    "bottom right",
    "top left",
    "bottom left",
)
_GAP_PX = 3  # between a point (or a marker's edge) and its label


@dataclass(frozen=True)
class Placed:
    text: str  # may hold "<br>" between two lines
    x: float  # the centre of the label's box, in map units (drawn "middle center")
    y: float
    size: int
    weight: int


@dataclass
class Placer:
    """Boxes in map units (BNG metres) of everything placed so far."""

    x0: float
    x1: float
    y0: float
    y1: float
    per_px: float  # map units per CSS pixel
    placed: list[Placed] = field(default_factory=list)
    _boxes: list[shapely.Geometry] = field(default_factory=list)

    def place(
        self,
        text: str,
        x: float,
        y: float,
        size: int,
        *,
        positions: tuple[str, ...] = ("middle center",),
        inside: shapely.Geometry | None = None,
        weight: int = 400,
        lines: tuple[str, ...] | None = None,
        gap_px: float = 0,
    ) -> Placed | None:
        """The first free place for ``text`` (or its two-line form, or one size smaller)."""
        forms = [(text, size)]
        if lines:
            two = "<br>".join(lines)
            forms += [(two, size), (two, size - 1), (text, size - 2), (two, size - 2)]
        for form, s in forms:
            for pos in positions:
                box = self._box(form, x, y, s, pos, gap_px)
                if self._free(box, inside):
                    c = box.centroid
                    label = Placed(form, c.x, c.y, s, weight)
                    self.placed.append(label)
                    self._boxes.append(box)
                    return label
        return None

    def place_best(
        self,
        text: str,
        x: float,
        y: float,
        size: int,
        *,
        positions: tuple[str, ...],
        gaps_px: tuple[float, ...],
        cost,
        weight: int = 400,
        lines: tuple[str, ...] | None = None,
    ) -> tuple[Placed, shapely.Geometry] | None:
        """The free place, of every form, position and gap, with the least ``cost(box)``
        (ties: the first in that order, so the nearest and largest). Returns the label and
        its box, or None when none is free."""
        forms = [(text, size)]
        if lines:
            two = "<br>".join(lines)
            forms += [(two, size), (two, size - 1)]
        best = None
        for rank, (form, s, gap, pos) in enumerate(
            (f, s, g, p) for f, s in forms for g in gaps_px for p in positions
        ):
            box = self._box(form, x, y, s, pos, gap)
            if not self._free(box, None):
                continue
            key = (round(cost(box), 3), rank)
            if best is None or key < best[0]:
                best = (key, form, s, box)
        if best is None:
            return None
        _, form, s, box = best
        c = box.centroid
        label = Placed(form, c.x, c.y, s, weight)
        self.placed.append(label)
        self._boxes.append(box)
        return label, box

    def block(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Keep labels off a box (map furniture)."""
        self._boxes.append(shapely.box(x0, y0, x1, y1))

    def reserve(self, x: float, y: float, radius_px: float) -> None:
        """Keep labels off a marker."""
        r = radius_px * self.per_px
        self._boxes.append(shapely.box(x - r, y - r, x + r, y + r))

    def _box(
        self, text: str, x: float, y: float, size: int, pos: str, gap_px: float
    ) -> shapely.Geometry:
        rows = text.split("<br>")
        w = max(len(r) for r in rows) * _CHAR_EM * size * self.per_px
        h = len(rows) * _LINE_EM * size * self.per_px
        gap = (_GAP_PX + gap_px) * self.per_px
        vertical, horizontal = pos.split()
        if horizontal == "right":
            left = x + gap
        elif horizontal == "left":
            left = x - gap - w
        else:
            left = x - w / 2
        if vertical == "top":
            bottom = y + gap
        elif vertical == "bottom":
            bottom = y - gap - h
        else:
            bottom = y - h / 2
        return shapely.box(left, bottom, left + w, bottom + h)

    def _free(self, box: shapely.Geometry, inside: shapely.Geometry | None) -> bool:
        edge = _EDGE_PX * self.per_px
        bx0, by0, bx1, by1 = box.bounds
        if bx0 < self.x0 + edge or bx1 > self.x1 - edge:
            return False
        if by0 < self.y0 + edge or by1 > self.y1 - edge:
            return False
        if inside is not None and not inside.contains(box):
            return False
        return not any(box.intersects(other) for other in self._boxes)


def two_lines(text: str) -> tuple[str, ...] | None:
    """A name split at the space nearest its middle ("Tonbridge and" / "Malling")."""
    words = text.split(" ")
    if len(words) < 2:
        return None
    best = min(
        range(1, len(words)),
        key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
    )
    return (" ".join(words[:best]), " ".join(words[best:]))


def short_port_name(name: str) -> str:
    """A port's name for the map: "Dover, Eastern Docks" (the key gives it in full)."""
    short = name.split(" (", maxsplit=1)[0]
    return short.removeprefix("Port of ")
