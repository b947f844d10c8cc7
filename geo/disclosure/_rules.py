"""The rules applied to a view, in words and as data, for every map and export to print."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field

import h3

from geo.disclosure._periods import PeriodBlock
from geo.disclosure._policy import Audience, DisclosurePolicy
from geo.filters import month_str
from geo.themes import ThemeMap


@dataclass(frozen=True)
class Rule:
    key: str
    text: str
    params: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.key, "text": self.text, **self.params}


def rules_applied(
    policy: DisclosurePolicy,
    audience: Audience,
    themes: ThemeMap | None = None,
    *,
    counts: Mapping[str, int] | None = None,
    block: PeriodBlock | None = None,
) -> tuple[Rule, ...]:
    """What was done to the figures for ``audience``.

    ``counts``: :meth:`SuppressedTree.counts` of the view, to say whether each suppression
    rule withheld anything (``"applied"``). How many it withheld is never said: the number of
    parts merged into a "fewer than k" count is the number of non-empty parts it has (at its
    least, that every incident shares one hexagon). Whether a rule applied is public anyway:
    every withheld node is drawn as such at some level or resolution of the public map.
    ``block``: the published period the figures are for.
    """
    marking = policy.marking(audience)
    if Audience(audience) is Audience.RESTRICTED:
        return (
            Rule("audience", f"{marking}: Part 2 (exempt). Exact counts; not for publication.",
                 {"audience": "restricted", "marking": marking}),
        )  # fmt: skip
    counts = counts or {}
    k = policy.k
    return (
        Rule("audience", f"{marking}: Part 1 (unrestricted). Safe to publish.",
             {"audience": "public", "marking": marking}),
        Rule("minimum_count", f"Counts from 1 to {k - 1} are shown as 'fewer than {k}'.",
             {"k": k, "applied": counts.get("primary", 0) > 0}),
        _secondary_rule(counts),
        Rule("merged", f"The parts of a count below {k} are not shown separately; the map "
             "draws the whole count instead.", {"applied": counts.get("merged", 0) > 0}),
        _resolution_rule(policy.max_res),
        _fixed_rule(policy, block),
        _restricted_rule(policy, themes),
        Rule("no_records", "No incident records, identifiers or exact locations are shown.",
             {}),
    )  # fmt: skip


def rules_text(rules: tuple[Rule, ...]) -> list[str]:
    """One line per rule, for a map's notes or a method page."""
    return [r.text for r in rules]


def legend_notes(k: int) -> list[tuple[str, str]]:
    """What each label means, for a legend or a table footnote."""
    return [
        (f"fewer than {k}", f"between 1 and {k - 1}"),
        ("suppressed", f"{k} or more, withheld so that a smaller count cannot be worked out "
                       "by subtraction from a total"),
        ("not shown separately", "included in the withheld count of the larger area"),
    ]  # fmt: skip


def _secondary_rule(counts: Mapping[str, int]) -> Rule:
    return Rule(
        "secondary_suppression",
        "Some other counts are shown as 'suppressed' so that no withheld count can be worked "
        "out by subtracting shown counts from a total at the next level up (county, district, "
        "division, hexagon).",
        {"applied": counts.get("secondary", 0) > 0},
    )


_BLOCK_NAMES = {1: "calendar months", 3: "quarters", 6: "half-years", 12: "years"}


def _fixed_rule(policy: DisclosurePolicy, block: PeriodBlock | None) -> Rule:
    start = calendar.month_name[policy.year_start]
    names = _BLOCK_NAMES[policy.period_months]
    of_year = "" if policy.period_months == 1 else f" of the year starting in {start}"
    text = (
        f"Figures are published only for fixed periods ({names}{of_year}, once they have "
        "ended), for one theme at a time and for every source together, so that no two "
        "published figures can be subtracted to give a shorter period or a smaller group."
    )
    params: dict[str, object] = {
        "period_months": policy.period_months,
        "year_start": policy.year_start,
    }
    if block is not None:
        params |= {"period": block.label, "from": block.key, "to": month_str(block.last)}
    return Rule("fixed_publication", text, params)


def _resolution_rule(max_res: int) -> Rule:
    km2 = h3.average_hexagon_area(max_res, unit="km^2")
    return Rule(
        "max_resolution",
        f"Hexagons are of one size, H3 resolution {max_res} (about {km2:.2g} km² each), at "
        "every level: none finer, and no second size to compare them with.",
        {"max_resolution": max_res, "hexagon_km2": round(km2, 4)},
    )


def _restricted_rule(policy: DisclosurePolicy, themes: ThemeMap | None) -> Rule:
    names = policy.restricted_categories(themes) if themes else policy.restricted
    labels = [themes.label(c) for c in names] if themes else list(names)
    listed = ", ".join(labels) or "none"
    if policy.restricted_display == "district":
        how = "are shown only as district totals (suppressed in the same way)"
    else:
        how = "are not shown"
    return Rule(
        "restricted_categories",
        f"Restricted categories ({listed}) {how}, never on the map or by division or hexagon.",
        {"categories": list(names), "display": policy.restricted_display},
    )
