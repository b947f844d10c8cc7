"""``fetch``: get a whole boundary set (download it, or take it from a folder) and load it.

Downloads go to a cache folder (``boundaries/SET/`` in the user's cache folder,
``Settings.cache_dir``, ``~/.cache/socmap`` by default; never the install tree or the
checkout) as GeoJSON, one file per level, and are then loaded exactly as a user's own files
are, all levels in one transaction. With ``from_dir``, the set is the first in the manifest
whose files are all in that folder (or the one named).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from geo.areas.boundaries._arcgis import query_layer
from geo.areas.boundaries._load import load_boundary_set
from geo.areas.boundaries._manifest import BoundarySource, Manifest, load_manifest
from geo.areas.boundaries._model import BoundaryReport
from geo.errors import InputError, SocmapError
from geo.settings import user_cache_dir
from geo.store import Store


def fetch_boundaries(
    store: Store,
    manifest: Manifest | str | os.PathLike[str] | None = None,
    *,
    set_name: str | None = None,
    from_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    timeout: float = 120.0,
    step: Callable[[str], None] | None = None,
    force: bool = False,
) -> BoundaryReport:
    """Download a set (the manifest's default unless named), or take it from ``from_dir``,
    and load every level of it together (a no-op when the same files are loaded already,
    unless ``force``). Downloads are saved in ``cache_dir`` (default: ``boundaries/SET/`` in
    the user's cache folder, :func:`geo.settings.user_cache_dir`)."""
    if not isinstance(manifest, Manifest):
        manifest = load_manifest(manifest)
    if from_dir is not None:
        chosen, paths = _from_folder(manifest, set_name, Path(from_dir))
    else:
        chosen = manifest.get(set_name)
        folder = Path(cache_dir) if cache_dir else user_cache_dir() / "boundaries" / chosen.name
        paths = _download(chosen, folder, progress=progress, timeout=timeout)
    specs = [chosen.spec(level, path) for level, path in paths.items()]
    report = load_boundary_set(store, specs, step=step, force=force)
    report.notes.insert(0, f"boundary set {chosen.name!r}: {chosen.title}")
    return report


def _from_folder(
    manifest: Manifest, set_name: str | None, folder: Path
) -> tuple[BoundarySource, dict[str, Path]]:
    if not folder.is_dir():
        raise InputError(folder, "not a folder")
    candidates = [manifest.get(set_name)] if set_name else list(manifest.sets.values())
    looked = []
    for source in candidates:
        paths, missing = _find(source, folder)
        if not missing:
            return source, paths
        looked.append(f"{source.name}: {'; '.join(missing)}")
    raise InputError(folder, f"does not hold a whole boundary set; missing {' | '.join(looked)}")


def _find(source: BoundarySource, folder: Path) -> tuple[dict[str, Path], list[str]]:
    paths, missing = {}, []
    for level, src in source.levels.items():
        found = sorted({p for pattern in src.files for p in folder.glob(pattern) if p.is_file()})
        if not found:
            missing.append(f"{level} ({' or '.join(src.files)})")
        elif len(found) > 1:
            names = ", ".join(p.name for p in found)
            raise InputError(folder, f"more than one {level} file for set {source.name}: {names}")
        else:
            paths[level] = found[0]
    return paths, missing


def _download(
    source: BoundarySource, folder: Path, *, progress: bool | None, timeout: float
) -> dict[str, Path]:
    missing = [level for level, src in source.levels.items() if not src.service]
    if missing:
        raise SocmapError(
            f"boundary set {source.name!r} has no service to download {', '.join(missing)} "
            "from; load it from a folder with --from DIR"
        )
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for level, src in source.levels.items():
        features = query_layer(src, timeout=timeout, progress=progress)
        if not features:
            raise SocmapError(f"{src.service}: the query for {level} boundaries found nothing")
        paths[level] = _save(folder / Path(src.files[0]).name, features)
    return paths


def _save(path: Path, features: list[dict]) -> Path:
    # Written beside and renamed, so an interrupted download never leaves half a file.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    partial.replace(path)
    return path
