"""What a boundary load is asked to do, what a file held, and what the load did."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# Loaded in this order: divisions are checked against the districts, so districts come first.
LEVELS = ("county", "district", "division")
PLURAL = {"county": "counties", "district": "districts", "division": "divisions"}


@dataclass(frozen=True)
class BoundarySpec:
    """One boundary file to load at one level, and what to say about it on maps.

    ``codes`` keeps only those areas (every one must be in the file); ``within`` is
    ``"LEVEL:CODE"`` and keeps only the areas whose interior point lies in that area (for
    national files with no field that says which county an area is in).
    """

    path: Path
    level: str
    code_field: str | None = None
    name_field: str | None = None
    parent_field: str | None = None
    layer: str | None = None
    source: str | None = None
    vintage: str | None = None
    approximate: bool = False
    note: str | None = None
    codes: tuple[str, ...] = ()
    within: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"boundary level {self.level!r}: expected one of {', '.join(LEVELS)}")

    @property
    def source_text(self) -> str:
        return self.source or self.path.name

    @property
    def note_text(self) -> str:
        """The line a map drawn with this set prints."""
        # A set loaded without --vintage is stored as "unknown": the map must say so too, or
        # a reader would take undated shapes for current ones.
        if self.note:
            return self.note if self.vintage else f"{self.note} Vintage unknown."
        vintage = f", {self.vintage}" if self.vintage else ", vintage unknown"
        if self.approximate:
            return f"Boundaries approximate ({PLURAL[self.level]}{vintage}): {self.source_text}."
        return f"Boundaries: {PLURAL[self.level]} from {self.source_text}{vintage}."


@dataclass
class Boundaries:
    """A file's areas, read and repaired: codes, names, parents (or None) and WGS84 shapes."""

    spec: BoundarySpec
    file: str
    checksum: str
    codes: list[str]
    names: list[str]
    parents: list[str | None]
    geometries: np.ndarray
    warnings: list[str] = field(default_factory=list)

    def take(self, idx: np.ndarray) -> Boundaries:
        """These areas in this order (``idx``: positions)."""
        return Boundaries(
            spec=self.spec,
            file=self.file,
            checksum=self.checksum,
            codes=[self.codes[i] for i in idx],
            names=[self.names[i] for i in idx],
            parents=[self.parents[i] for i in idx],
            geometries=self.geometries[idx],
            warnings=self.warnings,
        )


@dataclass
class BoundaryReport:
    """What a boundary load (or removal) did."""

    levels: dict[str, int] = field(default_factory=dict)  # level -> areas now stored
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    incidents_placed: int = 0  # mapped incidents now in a district
    incidents_outside: int = 0  # mapped incidents in no district (kept, reported as outside)
    incidents_moved: int = 0  # incidents whose district or division changed
    unchanged: bool = False  # the same files were already loaded: nothing was written

    def as_dict(self) -> dict[str, Any]:
        return {
            "unchanged": self.unchanged,
            "levels": dict(self.levels),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "incidents_placed": self.incidents_placed,
            "incidents_outside": self.incidents_outside,
            "incidents_moved": self.incidents_moved,
        }
