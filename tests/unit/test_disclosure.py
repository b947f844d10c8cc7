"""Disclosure control: golden examples of the rules, lookups for every view, the policy."""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import pytest

from geo.disclosure import (
    CELL,
    Audience,
    DisclosurePolicy,
    Node,
    build_count_tree,
    display_text,
    legend_notes,
    rules_applied,
    rules_text,
    suppress,
    suppress_breakdown,
)
from geo.errors import ValidationError
from geo.settings import Settings

KENT = h3i.latlng_to_cell(51.28, 0.52, 5)
R6 = sorted(h3i.cell_to_children(KENT, 6))
R7 = sorted(h3i.cell_to_children(R6[0], 7))
DIST, DIV_A, DIV_B, MEDWAY = "E07000110", "E05000001", "E05000002", "E06000035"


def _tree(rows, max_res=7, areas=None):
    return build_count_tree(rows, max_res=max_res, areas=areas)


def test_a_small_count_is_primary_and_its_sibling_secondary():
    # Division 12 = piece 8 + piece 4 (k=5): showing 8 would give the 4 away.
    result = suppress(_tree([(DIST, DIV_A, R6[0], 8), (DIST, DIV_A, R6[1], 4)], max_res=6), 5)
    small, large = result.piece(DIV_A, R6[1]), result.piece(DIV_A, R6[0])
    assert (small.status, small.value, small.text) == ("primary", None, "fewer than 5")
    assert (large.status, large.value, large.text) == ("secondary", None, "suppressed")
    assert result.area("division", DIV_A).value == 12
    assert result.total.value == 12


def test_a_withheld_count_with_one_part_withholds_the_part_too():
    # District 9 is withheld (secondary, to protect Medway's 3); its only division is 9 too.
    rows = [(DIST, DIV_A, R6[0], 9), (MEDWAY, None, R6[1], 3)]
    result = suppress(_tree(rows, max_res=6), 5)
    assert result.area("district", MEDWAY).status == "primary"
    assert result.area("district", DIST).status == "secondary"
    assert result.area("division", DIV_A).status == "secondary"
    assert result.piece(DIV_A, R6[0]).status == "secondary"
    assert result.total.value == 12


def test_parts_of_a_count_below_k_are_merged_into_it():
    # Four incidents in four cells: "fewer than 5" in each of four cells would say 1 each.
    rows = [(DIST, DIV_A, R7[i], 1) for i in range(4)] + [(DIST, DIV_B, R7[5], 20)]
    result = suppress(_tree(rows), 5)
    assert result.area("division", DIV_A).status == "primary"
    assert {result.piece(DIV_A, R7[i]).status for i in range(7)} == {"merged"}
    drawn = result.pieces(7, within=Node("district", DIST))
    assert [c.key for c in drawn] == [Node("division", DIV_A), Node(CELL, DIV_B, R7[5])]
    # The district's 24 is shown, so division B's 20 (and its single piece) must be withheld.
    assert [c.text for c in drawn] == ["fewer than 5", "suppressed"]


def test_areas_and_pieces_without_incidents_are_zero_unless_inside_a_withheld_count():
    areas = {DIST: None, DIV_A: DIST, DIV_B: DIST, MEDWAY: None}
    rows = [(DIST, DIV_A, R7[0], 30), (MEDWAY, None, R7[1], 2)]
    result = suppress(_tree(rows, areas=areas), 5)
    assert (result.area("division", DIV_B).status, result.area("division", DIV_B).value) == (
        "zero",
        0,
    )
    assert result.piece(DIV_A, R7[3]).value == 0
    assert result.piece(MEDWAY, R7[3]).status == "merged"
    with pytest.raises(KeyError):
        result.piece("E05999999", R7[0])


def test_k_is_configurable():
    rows = [(DIST, DIV_A, R6[0], 7), (DIST, DIV_A, R6[1], 30)]
    assert suppress(_tree(rows, max_res=6), 5).piece(DIV_A, R6[0]).value == 7
    at_ten = suppress(_tree(rows, max_res=6), 10)
    assert at_ten.piece(DIV_A, R6[0]).text == "fewer than 10"
    assert at_ten.piece(DIV_A, R6[1]).status == "secondary"
    assert DisclosurePolicy.from_settings(Settings(disclosure_k=7)).k == 7
    with pytest.raises(ValidationError):
        Settings(disclosure_k=2)


def test_the_result_keeps_no_withheld_value_and_leaves_the_tree_alone():
    rows = [(DIST, DIV_A, R7[i], i + 1) for i in range(7)]
    tree = _tree(rows)
    before = tree.value.copy()
    result = suppress(tree, 5)
    assert (tree.value == before).all()
    published = {c.value for i in range(len(tree)) for c in [result.count(tree.node(i))]}
    assert not published & {1, 2, 3, 4}
    assert not np.isin(result._value, [1, 2, 3, 4]).any()


def test_pieces_come_at_the_one_public_resolution_only():
    """Finer pieces would show more, coarser ones overlap these without nesting: either,
    published beside these, could be solved for a withheld count."""
    result = suppress(_tree([(DIST, DIV_A, R7[0], 30)], max_res=7), 5)
    fine = sorted(h3i.cell_to_children(R7[0], 8))[0]
    for res in (5, 6, 8):
        with pytest.raises(ValueError, match="public view publishes 7 only"):
            result.pieces(res)
    for cell in (fine, R6[0], KENT):
        with pytest.raises(ValueError, match="public view publishes 7 only"):
            result.piece(DIV_A, cell)
    assert [c.value for c in result.pieces(7)] == [30]
    with pytest.raises(ValueError, match="resolution 7"):
        _tree([(DIST, DIV_A, fine, 3)], max_res=7)  # leaves are the pieces' own cells


def test_counts_by_status_and_rules_applied():
    rows = [(DIST, DIV_A, R6[0], 8), (DIST, DIV_A, R6[1], 4)]
    result = suppress(_tree(rows, max_res=6), 5)
    policy = DisclosurePolicy(k=5, max_res=8)
    rules = rules_applied(policy, Audience.PUBLIC, counts=result.counts())
    by_key = {r.key: r.as_dict() for r in rules}
    assert by_key["minimum_count"]["k"] == 5
    assert result.counts()["primary"] > 0 and result.counts()["secondary"] > 0
    assert by_key["minimum_count"]["applied"] is True
    assert by_key["secondary_suppression"]["applied"] is True
    assert by_key["merged"]["applied"] is (result.counts()["merged"] > 0)
    # Which rules applied, never how many figures they hid: the number of parts merged into
    # a "fewer than k" count is how many of its parts hold an incident.
    for rule in rules:
        assert not any(isinstance(v, int) and not isinstance(v, bool) and key != "k"
                       and key not in {"max_resolution", "period_months", "year_start"}
                       for key, v in rule.as_dict().items()), rule  # fmt: skip
    assert by_key["max_resolution"]["max_resolution"] == 8
    assert by_key["restricted_categories"]["categories"] == ["modern_slavery"]
    assert "fewer than 5" in " ".join(rules_text(rules))
    restricted = rules_applied(policy, Audience.RESTRICTED)
    assert [r.as_dict()["marking"] for r in restricted] == ["OFFICIAL-SENSITIVE"]


def test_display_text_and_legend():
    assert display_text("shown", 12345, 5) == "12,345"
    assert display_text("zero", 0, 5) == "0"
    assert display_text("primary", None, 5) == "fewer than 5"
    assert display_text("secondary", None, 5) == "suppressed"
    assert legend_notes(5)[0] == ("fewer than 5", "between 1 and 4")
    with pytest.raises(ValueError, match="unknown status"):
        display_text("exact", 3, 5)


def test_policy_caps_resolution_and_marks_pages():
    policy = DisclosurePolicy(k=5, max_res=8)
    assert policy.resolution(Audience.PUBLIC, 10) == 8
    assert policy.resolution(Audience.PUBLIC, 6) == 8  # one public size, whatever is asked
    assert policy.resolution(Audience.RESTRICTED, 10) == 10
    assert policy.marking(Audience.PUBLIC) == "OFFICIAL"
    assert policy.allows_records(Audience.RESTRICTED)
    assert not policy.allows_records(Audience.PUBLIC)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"a": 8, "b": 4}, {"a": "suppressed", "b": "fewer than 5"}),
        ({"a": 20, "b": 7, "c": 0}, {"a": "20", "b": "7", "c": "0"}),
        ({"a": 10, "b": 4, "c": 3}, {"a": "10", "b": "fewer than 5", "c": "fewer than 5"}),
    ],
)
def test_breakdown_of_a_total_the_group_owns(parts, expected):
    result = suppress_breakdown(parts, 5)
    assert {key: c.text for key, c in result.parts.items()} == expected
    assert result.total.value == sum(parts.values())


def test_breakdown_of_a_total_shown_on_the_map_keeps_it_shown():
    result = suppress(_tree([(DIST, DIV_A, R6[0], 30)], max_res=6), 5)
    table = result.breakdown(Node("district", DIST), {"knife": 26, "drugs": 4})
    assert table.total.value == 30
    assert [c.text for c in table.parts.values()] == ["suppressed", "fewer than 5"]
    with pytest.raises(ValueError, match="add up"):
        result.breakdown(Node("district", DIST), {"knife": 3})


def test_breakdown_that_cannot_be_protected_under_a_shown_total_is_withheld():
    # 6 = 5 + 1 with the 6 shown: withhold both parts and the 1 is still 6 - (5 or more).
    result = suppress(_tree([(DIST, DIV_A, R6[0], 6)], max_res=6), 5)
    table = result.breakdown(Node("county"), {"a": 5, "b": 1})
    assert table.total.value == 6
    assert [c.text for c in table.parts.values()] == ["not shown separately"] * 2


def test_breakdown_of_a_withheld_total_tells_nothing_new_about_it():
    rows = [(DIST, DIV_A, R6[0], 8), (DIST, DIV_A, R6[1], 4)]
    result = suppress(_tree(rows, max_res=6), 5)
    node = Node(CELL, DIV_A, R6[0])
    assert result.count(node).status == "secondary"
    assert result.range_of(node) == (8, 11)  # 12 less "fewer than 5"
    # Showing January's 6 beside February's "fewer than 5" would say the total is 7 to 10,
    # and with the map's 8 to 11, the other piece would be 1 to 4 no longer.
    months = result.breakdown(node, {"2024-01": 6, "2024-02": 2})
    assert months.total.status == "secondary"
    assert [c.status for c in months.parts.values()] == ["secondary", "primary"]
    primary = result.breakdown(Node(CELL, DIV_A, R6[1]), {"x": 2, "y": 2})
    assert [c.status for c in primary.parts.values()] == ["merged", "merged"]
