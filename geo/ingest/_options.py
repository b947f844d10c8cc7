"""A load's options, typed and validated where they are made: how a batch replaces what is
stored, when a replacement is refused, which forces' files a store takes, and where its
points may lie. The command line builds them from its arguments; the settings supply the
defaults (``geo.settings``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from geo.errors import ValidationError
from geo.settings import KENT_MEDWAY_BBOX, Settings


class ReplacePolicy(StrEnum):
    """How a new batch replaces what is stored (:mod:`geo.ingest._replace`)."""

    MONTHS = "months"  # police.uk: a new edition of a month replaces it, per force
    IDS = "ids"  # partner files: a row replaces the stored row with its id
    SOURCE = "source"  # generated data: a batch replaces everything from its source

    @classmethod
    def parse(cls, value: str | ReplacePolicy) -> ReplacePolicy:
        try:
            return cls(value)
        except ValueError:
            raise ValidationError(
                f"replace policy {value!r}: expected one of {', '.join(p.value for p in cls)}"
            ) from None


def normalise_force(name: str) -> str:
    """A police force's name as compared: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class LoadOptions:
    """What a load may do, beyond the file itself.

    ``max_loss``: the share of a stored month's rows (per force) a new edition may remove; a
    new edition that would remove more, or leave the month empty, is refused unless
    ``force_replace``. ``forces``: the police forces whose police.uk files this store holds
    ("Falls within"), the store's own and any named for this load. ``edge_m``: how far beyond
    the loaded district boundaries a point may lie and still be kept. ``bbox``: the region
    checked when no boundaries are loaded.
    """

    max_loss: float = 0.25
    force_replace: bool = False
    forces: tuple[str, ...] = ("Kent Police",)
    edge_m: float = 500.0
    bbox: tuple[float, float, float, float] = KENT_MEDWAY_BBOX

    def __post_init__(self) -> None:
        if not 0 <= self.max_loss < 1:
            raise ValidationError(f"largest share of a month a load may remove "
                                  f"{self.max_loss}: expected 0 to below 1")  # fmt: skip
        if not 0 <= self.edge_m <= 5000:
            raise ValidationError(f"edge of the area {self.edge_m} m: expected 0 to 5000")
        if not self.forces or any(not f.strip() for f in self.forces):
            raise ValidationError("police forces: name at least one, none blank")

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        force_replace: bool = False,
        force_areas: tuple[str, ...] = (),
    ) -> LoadOptions:
        """The settings' options, with this load's ``force_replace`` and extra forces."""
        for force in force_areas:
            if not force.strip():
                raise ValidationError("--force-area: name a police force, e.g. 'Essex Police'")
        return cls(
            max_loss=settings.max_month_loss,
            force_replace=force_replace,
            forces=(*settings.forces, *(f.strip() for f in force_areas)),
            edge_m=settings.area_edge_metres,
            bbox=settings.region_bbox,
        )

    def holds_force(self, name: str) -> bool:
        return normalise_force(name) in {normalise_force(f) for f in self.forces}
