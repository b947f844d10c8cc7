"""The manifest of boundary sources (``data/boundaries/manifest.toml``).

A manifest names boundary *sets*; each set says who publishes it, its licence and the note
maps must print, and for each level where to get it: an ArcGIS FeatureServer layer to query
(as the ONS Open Geography Portal serves its boundaries) and/or the file names to look for in
a local folder. A typo in a key is an error, not a silently ignored setting.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.areas.boundaries._model import LEVELS, BoundarySpec
from geo.errors import InputError
from geo.resources import package_folder

# data/boundaries/ in a checkout, geo/data/boundaries/ in an install (geo.resources).
DEFAULT_MANIFEST = package_folder("geo.data.boundaries") / "manifest.toml"
_SET_KEYS = {
    "title", "default", "approximate", "publisher", "licence", "attribution", "note", "levels"
}  # fmt: skip
_LEVEL_KEYS = {
    "files", "vintage", "service", "item", "where", "codes", "bbox", "within",
    "code_field", "name_field", "parent_field", "page_size",
}  # fmt: skip
_CODE = re.compile(r"[A-Za-z0-9+]+")


@dataclass(frozen=True)
class LevelSource:
    """Where one level of a set comes from."""

    level: str
    files: tuple[str, ...]  # names or glob patterns in a folder; a download is saved as the first
    vintage: str
    service: str | None = None  # ArcGIS FeatureServer layer URL (…/FeatureServer/0)
    item: str | None = None  # the portal's page for people
    where: str | None = None
    codes: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    within: str | None = None
    code_field: str | None = None
    name_field: str | None = None
    parent_field: str | None = None
    page_size: int = 50

    def where_clause(self) -> str:
        """The query's where clause: given, or the codes wanted, or everything."""
        if self.where:
            return self.where
        if self.codes:
            quoted = ", ".join(f"'{c}'" for c in self.codes)  # codes are checked: [A-Za-z0-9+]
            return f"{self.code_field} IN ({quoted})"
        return "1=1"


@dataclass(frozen=True)
class BoundarySource:
    """One boundary set: the same publisher, licence and note for all its levels."""

    name: str
    title: str
    approximate: bool
    publisher: str
    licence: str
    attribution: str
    note: str
    default: bool
    levels: dict[str, LevelSource]

    def spec(self, level: str, path: Path) -> BoundarySpec:
        src = self.levels[level]
        return BoundarySpec(
            path=path,
            level=level,
            code_field=src.code_field,
            name_field=src.name_field,
            parent_field=src.parent_field,
            source=self.publisher,
            vintage=src.vintage,
            approximate=self.approximate,
            note=self.note,
            codes=src.codes,
            within=src.within,
        )


@dataclass(frozen=True)
class Manifest:
    path: Path
    sets: dict[str, BoundarySource]

    def get(self, name: str | None) -> BoundarySource:
        if name is None:
            return next(
                (s for s in self.sets.values() if s.default), next(iter(self.sets.values()))
            )
        if name not in self.sets:
            raise InputError(
                self.path, f"no boundary set {name!r}; the sets are: {', '.join(self.sets)}"
            )
        return self.sets[name]


def load_manifest(path: str | Path | None = None) -> Manifest:
    """Read and check a manifest (the project's own by default)."""
    path = Path(path) if path is not None else DEFAULT_MANIFEST
    if not path.is_file():
        raise InputError(path, "boundary manifest not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a valid TOML file ({exc})") from None
    raw_sets = data.get("sets")
    if not isinstance(raw_sets, dict) or not raw_sets:
        raise InputError(path, "has no [sets.NAME] tables")
    sets = {name: _set(path, name, raw) for name, raw in raw_sets.items()}
    return Manifest(path=path, sets=sets)


def _set(path: Path, name: str, raw: dict[str, Any]) -> BoundarySource:
    where = f"[sets.{name}]"
    _no_unknown(path, where, raw, _SET_KEYS)
    levels_raw = _required(path, where, raw, "levels", dict)
    unknown = sorted(set(levels_raw) - set(LEVELS))
    if unknown:
        raise InputError(path, f"{where}: unknown levels {unknown}; expected {list(LEVELS)}")
    levels = {
        level: _level(path, f"[sets.{name}.levels.{level}]", level, levels_raw[level])
        for level in LEVELS
        if level in levels_raw
    }
    return BoundarySource(
        name=name,
        title=_required(path, where, raw, "title", str),
        approximate=bool(raw.get("approximate", False)),
        publisher=_required(path, where, raw, "publisher", str),
        licence=_required(path, where, raw, "licence", str),
        attribution=_required(path, where, raw, "attribution", str),
        note=_required(path, where, raw, "note", str),
        default=bool(raw.get("default", False)),
        levels=levels,
    )


def _level(path: Path, where: str, level: str, raw: dict[str, Any]) -> LevelSource:
    _no_unknown(path, where, raw, _LEVEL_KEYS)
    codes = tuple(str(c) for c in raw.get("codes", ()))
    bad = [c for c in codes if not _CODE.fullmatch(c)]
    if bad:
        raise InputError(path, f"{where}: codes must be letters, digits or '+': {bad}")
    if codes and not raw.get("code_field"):
        raise InputError(path, f"{where}: codes need code_field, to build the where clause")
    bbox = raw.get("bbox")
    if bbox is not None and len(bbox) != 4:
        raise InputError(path, f"{where}: bbox must be [min_lon, min_lat, max_lon, max_lat]")
    service = raw.get("service")
    if service is not None and not str(service).startswith(("https://", "http://")):
        raise InputError(path, f"{where}: service must be an http(s) URL")
    return LevelSource(
        level=level,
        files=tuple(_required(path, where, raw, "files", list)),
        vintage=_required(path, where, raw, "vintage", str),
        service=service,
        item=raw.get("item"),
        where=raw.get("where"),
        codes=codes,
        bbox=tuple(float(v) for v in bbox) if bbox is not None else None,
        within=raw.get("within"),
        code_field=raw.get("code_field"),
        name_field=raw.get("name_field"),
        parent_field=raw.get("parent_field"),
        page_size=int(raw.get("page_size", 50)),
    )


def _required(path: Path, where: str, raw: dict[str, Any], key: str, kind: type) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind) or not value:
        raise InputError(path, f"{where}: {key} is required ({kind.__name__})")
    return value


def _no_unknown(path: Path, where: str, raw: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(path, f"{where}: unknown keys {unknown}; known: {sorted(known)}")
