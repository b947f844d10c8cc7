"""Period presets beside the month slider: the last 3, 6 and 12 months loaded, and financial
years (April to March, "2025/26"), as plain values the filters callback applies.

A preset names the months it asks for, and says in words how much of them is loaded: "the
last 12 months" with three months loaded covers three months and says so, never a year. The
view it opens goes through the same rules as any other period (``navigation.resolve`` cuts
an analyst period to the loaded months and the page says what was asked; the public view
snaps it to a published block and says that too), so the URL's ``from=``/``to=`` is always
what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from geo.errors import SocmapError
from geo.filters import add_months, month_str, months_between, parse_month

LAST_MONTHS = (3, 6, 12)
FY_START = 4  # the UK financial year starts in April


@dataclass(frozen=True)
class Preset:
    key: str  # "last-3", "fy-2025"
    label: str  # "Last 3 months", "Financial year 2025/26"
    first: date  # the months the preset asks for, inclusive
    last: date
    loaded: int  # how many of them have data loaded

    @property
    def months(self) -> int:
        return months_between(self.first, self.last)

    @property
    def note(self) -> str:
        """What of the preset is loaded, when not all of it: '' when every month is."""
        if self.loaded == self.months:
            return ""
        if self.loaded == 0:
            return f"{self.label}: no data is loaded for {_span(self.first, self.last)}."
        return f"{self.label}: data is loaded for {self.loaded} of its {self.months} months."

    def option(self) -> dict:
        """The dropdown option, marked when only part of it is loaded."""
        mark = f" (partial: {self.loaded} of {self.months} months)" if self.note else ""
        return {"label": self.label + mark, "value": self.key}


def financial_year(month: date) -> int:
    """The year a financial year starts in, for the one holding ``month`` (March 2026 is in
    2025/26, April 2026 in 2026/27)."""
    return month.year if month.month >= FY_START else month.year - 1


def fy_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def presets(months: tuple[date, ...]) -> tuple[Preset, ...]:
    """The presets for the months loaded (oldest first, possibly with gaps): the last 3, 6
    and 12 calendar months ending at the latest loaded month, then every financial year
    that holds a loaded month, newest first. None with nothing loaded."""
    if not months:
        return ()
    loaded = set(months)
    latest = max(months)
    out = []
    for n in LAST_MONTHS:
        first = add_months(latest, 1 - n)
        out.append(_preset(f"last-{n}", f"Last {n} months", first, latest, loaded))
    for year in range(financial_year(latest), financial_year(min(months)) - 1, -1):
        first = date(year, FY_START, 1)
        label = f"Financial year {fy_label(year)}"
        year_preset = _preset(f"fy-{year}", label, first, add_months(first, 11), loaded)
        if year_preset.loaded:  # a year with no data loaded is not offered
            out.append(year_preset)
    return tuple(out)


def preset(months: tuple[date, ...], key: str | None) -> Preset | None:
    return next((p for p in presets(months) if p.key == key), None)


def matching(months: tuple[date, ...], first: date | None, last: date | None) -> str | None:
    """The key of the preset asking for exactly ``first``..``last``, if one does (so the
    preset list shows what a reloaded link holds)."""
    return next((p.key for p in presets(months) if (p.first, p.last) == (first, last)), None)


def month_options(first: date | None, last: date | None) -> list[dict]:
    """Every month from ``first`` to ``last`` for the From and To lists ("Oct 2018")."""
    if first is None or last is None:
        return []
    n = months_between(first, last)
    return [
        {"label": f"{m:%b %Y}", "value": month_str(m)}
        for m in (add_months(first, i) for i in range(n))
    ]


def month_value(value: str | None) -> date | None:
    """A From or To list's value back to a month (None when it is not one)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_month(value)
    except SocmapError:
        return None


def _preset(key: str, label: str, first: date, last: date, loaded: set[date]) -> Preset:
    n = sum(add_months(first, i) in loaded for i in range(months_between(first, last)))
    return Preset(key, label, first, last, n)


def _span(first: date, last: date) -> str:
    return f"{first:%B %Y} to {last:%B %Y}"
