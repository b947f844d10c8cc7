"""The hot spot summary's words: a reader who sees "0 hot spots" beside a map of emerging hot
spots is told why both hold (the period as a whole against month by month)."""

from __future__ import annotations

from types import SimpleNamespace

from dashboard.views.panel_view import _summary_lines

FULL = SimpleNamespace(partial=False)


def test_no_whole_period_hot_spot_beside_emerging_ones_is_explained():
    lines = _summary_lines(
        {"hot_99": 0, "cold_99": 0},
        {"persistent_hot": 4, "no_pattern": 900},
        (),
        FULL,
        analysed=True,
    )
    assert lines[0] == "Gi* hot spots: 0 hexagons over the whole period"
    assert lines[2] == "Emerging patterns: persistent hot spot: 4"
    assert "No hexagon is a hot spot over the period taken as a whole" in lines[3]
    assert not any("cold spot over the period" in line for line in lines)


def test_agreeing_statistics_need_no_explanation():
    both = _summary_lines({"hot_99": 3}, {"new_hot": 2}, (), FULL, analysed=True)
    neither = _summary_lines({}, {"no_pattern": 10}, (), FULL, analysed=True)
    assert len(both) == 3 and "3 with at most" in both[0]
    assert neither[2] == "Emerging patterns: none found" and len(neither) == 3
    cold = _summary_lines({"hot_99": 2}, {"sporadic_cold": 1}, (), FULL, analysed=True)
    assert "No hexagon is a cold spot over the period taken as a whole" in cold[3]


def test_one_hexagon_and_one_month_are_singular():
    """ "1 hexagons" and "only 1 months" read as careless in a committee paper."""
    from geo.stats._emerging import few_months_warning

    lines = _summary_lines({"hot_99": 1, "cold_95": 1}, {"no_pattern": 5}, (), FULL, analysed=True)
    assert lines[0].startswith("Gi* hot spots: 1 hexagon over the whole period (1 with")
    assert lines[1] == "Gi* cold spots: 1 hexagon over the whole period"
    assert few_months_warning(1)[0].startswith("only 1 month: ")
    assert few_months_warning(1, "quarters")[0].startswith("only 1 quarter: ")
    assert few_months_warning(2, "quarters")[0].startswith("only 2 quarters: ")


def test_an_analysis_not_run_is_not_called_none_found():
    """One period has no trend: "none found" would read as an analysis that found nothing."""
    lines = _summary_lines({}, {}, (), FULL, analysed=False)
    assert lines[2] == "Emerging patterns: not analysed (too few periods for a trend)"
