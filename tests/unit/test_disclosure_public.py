"""The public filter space is a partition: whatever is asked for, the public filters it maps
to are pairwise equal or disjoint in months x categories, each one theme and one complete,
aligned block. So no two public figures can be subtracted to give a smaller group."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.disclosure import (
    DisclosurePolicy,
    block_containing,
    public_block,
    public_blocks,
    public_filter,
    public_themes,
    rules_applied,
)
from geo.disclosure._policy import Audience
from geo.errors import ValidationError
from geo.filters import Filters, add_months, months_between
from geo.settings import Settings
from geo.themes import load_themes

THEMES = load_themes()
THEME_KEYS = [t.key for t in THEMES.themes]
CATEGORIES = [r.category for r in THEMES.rules] + ["Burglary", "Robbery"]
SOURCES = ["police-uk", "partner-a", "synthetic-demo"]
START = date(2016, 1, 1)

_month = st.integers(0, 120).map(lambda i: add_months(START, i))
_loaded = st.lists(_month, min_size=1, max_size=40)
_policy = st.builds(
    DisclosurePolicy,
    period_months=st.sampled_from([1, 3, 6, 12]),
    year_start=st.integers(1, 12),
    restricted=st.sampled_from([("modern_slavery",), ("modern_slavery", "Drugs"), ()]),
)


@st.composite
def _request(draw) -> Filters:
    a, b = sorted([draw(st.none() | _month), draw(st.none() | _month)], key=lambda d: d or START)
    return Filters(
        themes=tuple(draw(st.lists(st.sampled_from(THEME_KEYS), unique=True, max_size=4))),
        categories=tuple(draw(st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=4))),
        sources=tuple(draw(st.lists(st.sampled_from(SOURCES), unique=True, max_size=3))),
        month_from=a,
        month_to=b,
    )


def _cells(f: Filters, policy: DisclosurePolicy) -> set[tuple[date, str]]:
    """The (month, category) cells a public filter counts."""
    restricted = set(policy.restricted_categories(THEMES))
    cats = [c for c in f.category_set(THEMES) if c not in restricted]
    n = months_between(f.month_from, f.month_to)
    return {(add_months(f.month_from, i), c) for i in range(n) for c in cats}


@settings(max_examples=150, deadline=None)
@given(_policy, _loaded, st.lists(_request(), min_size=2, max_size=6))
def test_public_filters_partition_months_and_categories(policy, loaded, requests):
    shown = [public_filter(r, THEMES, policy, loaded) for r in requests]
    latest = max(loaded)
    for f in shown:
        assert len(f.themes) == 1 and f.themes[0] in public_themes(THEMES, policy)
        assert f.categories == () and f.sources == () and f.exclude_categories == ()
        assert months_between(f.month_from, f.month_to) == policy.period_months
        assert (f.month_from.month - policy.year_start) % policy.period_months == 0
        assert f.month_to <= latest  # complete: its last month is loaded
        assert public_filter(f, THEMES, policy, loaded) == f  # idempotent
    for a, b in itertools.combinations(shown, 2):
        ca, cb = _cells(a, policy), _cells(b, policy)
        assert a == b or not (ca & cb), (a, b)


def test_the_check_fails_on_free_ranges_and_theme_sets():
    """Without normalising, the same check finds overlapping filters: it can fail."""
    policy = DisclosurePolicy()
    twelve = Filters(
        themes=("knife_crime",), month_from=date(2025, 12, 1), month_to=date(2026, 11, 1)
    )
    eleven = Filters(
        themes=("knife_crime",), month_from=date(2026, 1, 1), month_to=date(2026, 11, 1)
    )
    assert twelve != eleven and _cells(twelve, policy) & _cells(eleven, policy)


@given(_policy, _loaded, _request())
def test_the_block_shown_holds_the_requested_end_month_when_it_is_published(
    policy, loaded, request
):
    blocks = public_blocks(policy, loaded)
    shown = public_block(request, policy, loaded)
    asked = request.month_to or request.month_from
    holding = block_containing(asked, policy.period_months, policy.year_start) if asked else None
    if holding in blocks:
        assert shown == holding
    elif asked is None:
        assert shown == blocks[-1]
    else:
        assert shown in blocks  # the latest published block before it, or the first


def test_only_complete_blocks_with_data_are_offered():
    policy = DisclosurePolicy(period_months=3, year_start=4)
    loaded = [date(2018, 10, 1), date(2018, 12, 1), *[date(2026, m, 1) for m in range(1, 11)]]
    labels = [b.label for b in public_blocks(policy, loaded)]
    assert labels == [
        "Q3 2018/19 (October to December 2018)",
        "Q4 2025/26 (January to March 2026)",
        "Q1 2026/27 (April to June 2026)",
        "Q2 2026/27 (July to September 2026)",
    ]  # October 2026 alone does not complete Q3 2026/27


@pytest.mark.parametrize(
    ("months", "start", "label"),
    [
        (1, 4, "August 2026"),
        (3, 4, "Q2 2026/27 (July to September 2026)"),
        (3, 1, "Q3 2026 (July to September 2026)"),
        (6, 4, "H1 2026/27 (April to September 2026)"),
        (12, 4, "2026/27 (April 2026 to March 2027)"),
        (12, 1, "2026 (January to December 2026)"),
        (3, 12, "Q3 2025/26 (June to August 2026)"),
    ],
)
def test_blocks_are_named_as_a_council_paper_names_them(months, start, label):
    assert block_containing(date(2026, 8, 1), months, start).label == label


def test_one_theme_the_first_public_one_asked_for():
    policy = DisclosurePolicy()
    loaded = [date(2024, m, 1) for m in range(1, 7)]
    pick = lambda **kw: public_filter(Filters(**kw), THEMES, policy, loaded).themes  # noqa: E731
    assert pick(themes=("modern_slavery", "county_lines", "knife_crime")) == ("county_lines",)
    assert pick(categories=("Possession of weapons",)) == ("knife_crime",)
    assert pick(themes=("modern_slavery",)) == ("knife_crime",)  # restricted: the default
    assert pick() == ("knife_crime",)
    assert public_themes(THEMES, policy) == ("knife_crime", "county_lines", "port_events")


def test_settings_and_rules_name_the_fixed_periods():
    s = Settings.from_env({"SOCMAP_PUBLIC_PERIOD_MONTHS": "12", "SOCMAP_PUBLIC_YEAR_START": "1"})
    policy = DisclosurePolicy.from_settings(s)
    assert (policy.period_months, policy.year_start) == (12, 1)
    for bad in ({"SOCMAP_PUBLIC_PERIOD_MONTHS": "4"}, {"SOCMAP_PUBLIC_YEAR_START": "13"}):
        with pytest.raises(ValidationError):
            Settings.from_env(bad)
    block = block_containing(date(2026, 5, 1), 3, 4)
    rule = {r.key: r for r in rules_applied(DisclosurePolicy(), Audience.PUBLIC, block=block)}
    fixed = rule["fixed_publication"]
    assert "quarters of the year starting in April" in fixed.text
    assert fixed.params["period"] == "Q1 2026/27 (April to June 2026)"
