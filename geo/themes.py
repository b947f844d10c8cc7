"""The configurable mapping from stored categories to the four SOC themes.

The default mapping ships as ``geo/data/themes.toml``; ``SOCMAP_THEMES`` points at a
replacement. Categories are kept as the source published them; themes are applied at query
time, so changing the mapping needs no reload.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from geo.errors import ValidationError

# Partners' own files use these category keys (after normalisation, see geo.ingest).
PARTNER_CATEGORIES = ("knife_crime", "modern_slavery", "county_lines", "port_event")


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    description: str
    # Residents of these ages (inclusive; None: "and over") are the denominator of the
    # theme's rates per 1,000 (``rate_ages = "10-24"`` in the themes file); None: all ages.
    rate_ages: tuple[int, int | None] | None = None


@dataclass(frozen=True)
class CategoryRule:
    category: str
    theme: str
    proxy: bool
    note: str


@dataclass(frozen=True)
class ThemeMap:
    """Themes and the categories that feed each of them."""

    themes: tuple[Theme, ...]
    rules: tuple[CategoryRule, ...]

    def theme(self, key: str) -> Theme:
        for t in self.themes:
            if t.key == key:
                return t
        known = ", ".join(t.key for t in self.themes)
        raise ValidationError(f"unknown theme {key!r}: expected one of {known}")

    def categories_for(self, theme: str) -> tuple[str, ...]:
        self.theme(theme)
        return tuple(r.category for r in self.rules if r.theme == theme)

    def rule_for(self, category: str) -> CategoryRule | None:
        for r in self.rules:
            if r.category == category:
                return r
        return None

    def theme_of(self, category: str) -> str | None:
        rule = self.rule_for(category)
        return rule.theme if rule else None

    def is_proxy(self, category: str) -> bool:
        rule = self.rule_for(category)
        return bool(rule and rule.proxy)

    def label(self, category: str) -> str:
        """A category's display label, saying so when it is a proxy for a theme."""
        rule = self.rule_for(category)
        if rule is None:
            return category
        if category in PARTNER_CATEGORIES:
            return self.theme(rule.theme).label
        if rule.proxy:
            return f"{category} (proxy for {self.theme(rule.theme).label.lower()})"
        return category


def load_themes(path: Path | None = None) -> ThemeMap:
    """Read a themes file (the packaged default when ``path`` is None)."""
    if path is None:
        return _default_themes()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read themes file ({exc.strerror})") from exc
    return _parse(text, str(path))


@lru_cache(maxsize=1)
def _default_themes() -> ThemeMap:
    text = resources.files("geo").joinpath("data/themes.toml").read_text(encoding="utf-8")
    return _parse(text, "geo/data/themes.toml")


def _parse(text: str, name: str) -> ThemeMap:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{name}: not valid TOML ({exc})") from exc
    themes = tuple(
        Theme(
            key,
            str(t.get("label", key)),
            str(t.get("description", "")),
            _rate_ages(t.get("rate_ages"), f"{name}: themes.{key}.rate_ages"),
        )
        for key, t in raw.get("themes", {}).items()
    )
    keys = {t.key for t in themes}
    rules = []
    seen: set[str] = set()
    for i, r in enumerate(raw.get("categories", []), start=1):
        category, theme = r.get("category"), r.get("theme")
        if not category or theme not in keys:
            raise ValidationError(
                f"{name}: categories entry {i} needs a category and one of the themes "
                f"{sorted(keys)}"
            )
        if category in seen:
            raise ValidationError(f"{name}: category {category!r} is mapped twice")
        seen.add(category)
        rules.append(CategoryRule(category, theme, bool(r.get("proxy", False)), r.get("note", "")))
    return ThemeMap(themes, tuple(rules))


_AGES = re.compile(r"^\s*(\d{1,3})\s*-\s*(\d{1,3})?\s*$")


def _rate_ages(value: object, where: str) -> tuple[int, int | None] | None:
    """``"10-24"`` to (10, 24), ``"65-"`` to (65, None); absent: None (all ages)."""
    if value is None:
        return None
    found = _AGES.match(value) if isinstance(value, str) else None
    if not found:
        raise ValidationError(f'{where}: {value!r} is not an age range like "10-24" or "65-"')
    lo, hi = int(found.group(1)), int(found.group(2)) if found.group(2) else None
    if hi is not None and hi < lo:
        raise ValidationError(f"{where}: {value!r} ends before it starts")
    return lo, hi
