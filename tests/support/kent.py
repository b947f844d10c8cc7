"""Shared helper for tests over the real Kent data: boundaries through the project's loader."""

from __future__ import annotations

from pathlib import Path

from geo.areas.boundaries import fetch_boundaries
from geo.store import Store


def load_kent_areas(store: Store, shared_data: Path) -> None:
    """Districts (12 + Medway) and the 72 county divisions, as `socmap boundaries fetch
    --from` loads them."""
    fetch_boundaries(store, from_dir=shared_data / "boundaries")
