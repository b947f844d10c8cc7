"""Who sees what: the audience, the disclosure policy and the split of a filter's categories."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from geo.errors import ValidationError
from geo.filters import Filters
from geo.grid import MIN_RES
from geo.settings import PERIOD_MONTHS, Settings
from geo.themes import ThemeMap


class Audience(StrEnum):
    """``public``: Part 1 (unrestricted, published). ``restricted``: Part 2 (exempt)."""

    PUBLIC = "public"
    RESTRICTED = "restricted"


MARKINGS = {Audience.PUBLIC: "OFFICIAL", Audience.RESTRICTED: "OFFICIAL-SENSITIVE"}


@dataclass(frozen=True)
class DisclosurePolicy:
    """The rules for the public audience; the restricted audience sees exact figures.

    ``restricted`` holds theme keys or category names (a theme key stands for every category
    that feeds it). ``restricted_display`` is ``"district"`` (district totals only, suppressed
    like every other count) or ``"hidden"`` (not shown at all).
    """

    k: int = 5
    max_res: int = 8  # the one public hexagon resolution (SOCMAP_PUBLIC_MAX_RES)
    restricted: tuple[str, ...] = ("modern_slavery",)
    restricted_display: str = "district"
    period_months: int = 3  # public periods: fixed blocks of this many months
    year_start: int = 4  # ... aligned to this month (April: the financial year)

    def __post_init__(self) -> None:
        # k=2 would make "fewer than 2" mean exactly 1; the suppression proof needs k >= 3.
        if not 3 <= self.k <= 100:
            raise ValidationError(f"disclosure k={self.k}: expected 3 to 100")
        if not MIN_RES <= self.max_res <= 10:
            raise ValidationError(f"public max resolution {self.max_res}: expected 5-10")
        if self.restricted_display not in {"district", "hidden"}:
            raise ValidationError(
                f"restricted display {self.restricted_display!r}: expected district or hidden"
            )
        if self.period_months not in PERIOD_MONTHS:
            raise ValidationError(
                f"public period {self.period_months} months: expected 1, 3, 6 or 12"
            )
        if not 1 <= self.year_start <= 12:
            raise ValidationError(f"public year start {self.year_start}: expected 1 to 12")

    @classmethod
    def from_settings(cls, settings: Settings) -> DisclosurePolicy:
        return cls(
            k=settings.disclosure_k,
            max_res=settings.public_max_res,
            restricted=tuple(settings.restricted_categories),
            restricted_display=settings.restricted_display,
            period_months=settings.public_period_months,
            year_start=settings.public_year_start,
        )

    def restricted_categories(self, themes: ThemeMap) -> tuple[str, ...]:
        """Every restricted category name, themes expanded, sorted."""
        keys = {t.key for t in themes.themes}
        names: set[str] = set()
        for entry in self.restricted:
            names.update(themes.categories_for(entry) if entry in keys else (entry,))
        return tuple(sorted(names))

    def resolution(self, audience: Audience, requested: int) -> int:
        """The resolution ``audience`` sees when ``requested`` is asked for: any for the
        restricted audience; for the public, always ``max_res``, the one public resolution
        (pieces of two H3 resolutions overlap without nesting, and published together they
        could be solved for a withheld count: see :mod:`geo.disclosure._tree`)."""
        if Audience(audience) is Audience.PUBLIC:
            return self.max_res
        return int(requested)

    @staticmethod
    def marking(audience: Audience) -> str:
        """The security marking for the top and bottom of every page and export."""
        return MARKINGS[Audience(audience)]

    @staticmethod
    def allows_records(audience: Audience) -> bool:
        """Incident rows, identifiers and point locations: restricted audience only."""
        return Audience(audience) is Audience.RESTRICTED


@dataclass(frozen=True)
class CategorySplit:
    """A filter split for the public audience.

    ``public``: what maps, cells and divisions may count (None when nothing is left).
    ``restricted``: the restricted categories asked for, to be shown only as district totals
    (None when none were asked for, or when the policy hides them). ``withheld``: restricted
    categories asked for that the public view does not show anywhere.
    """

    public: Filters | None
    restricted: Filters | None
    restricted_categories: tuple[str, ...]
    withheld: tuple[str, ...]


def split_filters(filters: Filters, themes: ThemeMap, policy: DisclosurePolicy) -> CategorySplit:
    """Split ``filters`` into the public part and the restricted part.

    "Every category" (no categories or themes chosen) becomes every category except the
    restricted ones through ``exclude_categories``, so a category loaded later that is
    restricted stays out, and one that is not is counted.
    """
    restricted = policy.restricted_categories(themes)
    chosen = filters.category_set(themes)
    if not chosen:
        excluded = tuple(sorted({*filters.exclude_categories, *restricted}))
        public: Filters | None = replace(filters, exclude_categories=excluded)
        asked = tuple(c for c in restricted if c not in filters.exclude_categories)
    else:
        kept = tuple(c for c in chosen if c not in restricted)
        asked = tuple(c for c in chosen if c in restricted)
        public = replace(filters, categories=kept, themes=()) if kept else None
    if not asked:
        return CategorySplit(public, None, (), ())
    if policy.restricted_display == "hidden":
        return CategorySplit(public, None, asked, asked)
    restricted_filters = replace(filters, categories=asked, themes=(), exclude_categories=())
    return CategorySplit(public, restricted_filters, asked, ())
