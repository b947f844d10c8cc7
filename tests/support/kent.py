"""Shared helpers for tests over the real Kent data: boundaries through the project's loader,
and stores of the three real police.uk months built once per session and copied per module."""

from __future__ import annotations

import shutil
from pathlib import Path

from geo.areas.boundaries import fetch_boundaries
from geo.settings import Settings
from geo.store import Store


def load_kent_areas(store: Store, shared_data: Path) -> None:
    """Districts (12 + Medway) and the 72 county divisions, as `socmap boundaries fetch
    --from` loads them."""
    fetch_boundaries(store, from_dir=shared_data / "boundaries")


class KentStores:
    """Stores holding the Kent boundaries and the three real police.uk months (and, asked for,
    the shared context data), loaded through the product's own loaders once per session; each
    module gets its own copy of the file, so no module sees what another wrote."""

    def __init__(self, shared_data: Path, police_uk_files: list[Path], folder: Path) -> None:
        self._shared, self._files, self._folder = shared_data, police_uk_files, folder
        self._built: dict[bool, Path] = {}

    def copy(self, folder: Path, *, context: bool = False, **options: object) -> Settings:
        """A new store file in ``folder`` (``socmap.duckdb``) and its settings (``options``
        are further :class:`Settings` fields)."""
        settings = Settings(db_path=folder / "socmap.duckdb", **options)  # type: ignore[arg-type]
        shutil.copyfile(self._template(context), settings.db_path)
        return settings

    def _template(self, context: bool) -> Path:
        if context not in self._built:
            from geo.context import load_context
            from geo.ingest import ingest_police_uk

            path = self._folder / ("with-context" if context else "plain") / "socmap.duckdb"
            path.parent.mkdir(parents=True)
            settings = Settings(db_path=path)
            store = Store(path)
            load_kent_areas(store, self._shared)
            if context:
                load_context(store, self._shared / "context")
            for f in self._files:
                ingest_police_uk(store, f, settings, progress=False)
            store.close()
            self._built[context] = path
        return self._built[context]
