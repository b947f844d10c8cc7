"""Typed filters over incidents and the SQL they turn into.

Every query in socmap (the command line, the dashboard's callbacks, exports) describes what it
wants with a :class:`Filters`. ``Filters.where`` is the only place a filter becomes SQL: column
names are fixed here, and every value is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from geo.errors import ValidationError
from geo.themes import ThemeMap

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_AREA_CODE = re.compile(r"^[A-Z][0-9A-Z]{8}$")


def parse_month(text: str) -> date:
    """``YYYY-MM`` to the first day of that month; a clear error otherwise."""
    m = _MONTH.match(text.strip()) if isinstance(text, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValidationError(f"month {text!r}: expected YYYY-MM, e.g. 2018-10")
    return date(int(m.group(1)), int(m.group(2)), 1)


def month_str(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """Inclusive number of months from ``first`` to ``last``."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


@dataclass(frozen=True)
class Filters:
    """What to count. Empty tuples mean "all"; months are inclusive, first-of-month dates.

    ``themes`` and ``categories`` combine as a union: a row matches when its category is one
    of ``categories`` or feeds one of ``themes``. ``exclude_categories`` always wins: the
    public view uses it to drop restricted categories from "every category" (see
    :func:`geo.disclosure.split_filters`), so a category added later is still kept out.

    With no district or division the area is the county, Kent and Medway: every district
    together. Incidents placed in no district (police.uk snaps a few to points at sea or just
    over the county edge) are in no area, so no count of a filter holds them; summaries
    report them as "outside every district".
    """

    categories: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    month_from: date | None = None
    month_to: date | None = None
    district: str | None = None
    division: str | None = None
    exclude_categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.month_from and self.month_to and self.month_from > self.month_to:
            raise ValidationError(
                f"period {month_str(self.month_from)} to {month_str(self.month_to)}: "
                "the start is after the end"
            )
        for code in (self.district, self.division):
            if code is not None and not _AREA_CODE.match(code):
                raise ValidationError(f"area code {code!r}: expected an ONS code like E05004321")
        if self.district and self.division:
            raise ValidationError("give a district or a division, not both")

    @property
    def area(self) -> tuple[str, str | None]:
        """``(level, code)``: ``("county", None)``, ``("district", code)`` or division."""
        if self.division:
            return "division", self.division
        if self.district:
            return "district", self.district
        return "county", None

    def category_set(self, themes: ThemeMap) -> tuple[str, ...]:
        """The categories selected, themes expanded; empty means every category."""
        chosen = list(self.categories)
        for theme in self.themes:
            chosen.extend(themes.categories_for(theme))
        return tuple(dict.fromkeys(chosen))

    def where(
        self, themes: ThemeMap, *, alias: str = "", outside: bool = False
    ) -> tuple[str, list[object]]:
        """A SQL boolean expression over ``incidents`` and its parameters.

        ``outside``: instead of the filter's area, the incidents placed in no district (the
        figure summaries and map notes report beside the county's); only without an area.
        """
        if outside and (self.district or self.division):
            raise ValueError("outside every district: a filter without a district or division")
        p = f"{alias}." if alias else ""
        clauses: list[str] = []
        params: list[object] = []
        cats = self.category_set(themes)
        if self.categories or self.themes:
            clauses.append(f"{p}category IN ({_marks(cats)})" if cats else "FALSE")
            params.extend(cats)
        if self.exclude_categories:
            clauses.append(f"{p}category NOT IN ({_marks(self.exclude_categories)})")
            params.extend(self.exclude_categories)
        if self.sources:
            clauses.append(f"{p}source IN ({_marks(self.sources)})")
            params.extend(self.sources)
        if self.month_from:
            clauses.append(f"{p}month >= ?")
            params.append(self.month_from)
        if self.month_to:
            clauses.append(f"{p}month <= ?")
            params.append(self.month_to)
        if self.district:
            clauses.append(f"{p}district = ?")
            params.append(self.district)
        elif self.division:
            clauses.append(f"{p}division = ?")
            params.append(self.division)
        elif outside:
            clauses.append(f"{p}district IS NULL")
        else:  # the county: every district together
            clauses.append(f"{p}district IS NOT NULL")
        return (" AND ".join(clauses) if clauses else "TRUE"), params

    def with_period(self, month_from: date | None, month_to: date | None) -> Filters:
        return replace(self, month_from=month_from, month_to=month_to)

    def previous_period(self) -> Filters:
        """The same filters over the period of the same length just before this one."""
        if not (self.month_from and self.month_to):
            raise ValidationError("a change needs a closed period (--from and --to)")
        n = months_between(self.month_from, self.month_to)
        return self.with_period(add_months(self.month_from, -n), add_months(self.month_to, -n))


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values)
