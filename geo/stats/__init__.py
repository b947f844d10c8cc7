"""The statistics, one module each: what they compute is in docs/statistics.md.

* ``_gistar``: Getis-Ord Gi* on a study region, its exact randomisation p-values,
  Benjamini-Hochberg and the hot and cold classes (``_randomisation``: the exact test's
  subset-sum tails).
* ``_hotspots``: hot spots of a filter, from the store to a table of classes.
* ``_spacetime``: Gi* over the space-time cube (a hexagon and its neighbours, this month and
  the months before).
* ``_emerging``: emerging hot spot categories (new, intensifying, persistent, ...), with
  ``_mann_kendall``: the trend test of each hexagon's series.
* ``_change``: change between two periods as rates per day, by an exact conditional test.
* ``_backtest``: the rolling backtest (hit rate, PAI, PEI, RRI) of the methods in
  ``_backtest_methods`` (counts, Gi*, a quartic kernel, last month).

Counts come from :mod:`geo.store.queries` and regions from :mod:`geo.grid`; nothing here
draws or publishes (public classes are computed from suppressed figures in the dashboard).
"""

from geo._lazy import exports

__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS",
    "CLASS_LABELS",
    "CLASS_NOTE",
    "COLUMNS",
    "LEVELS",
    "METHODS",
    "METRICS",
    "MIN_MONTHS",
    "NO_PATTERN",
    "PATTERNS",
    "P_FLOOR",
    "RATE_WORDS",
    "SPARSE_NEIGHBOURHOOD",
    "STAT_COLUMNS",
    "TESTS",
    "BacktestResult",
    "ChangeResult",
    "EmergingResult",
    "HotspotResult",
    "Trend",
    "backtest",
    "benjamini_hochberg",
    "binom_two_sided",
    "change_label",
    "change_table",
    "check_alpha",
    "check_steps_back",
    "check_test",
    "classify",
    "classify_series",
    "compare_periods",
    "coverage_notes",
    "cube_gi",
    "emerging_from_cube",
    "emerging_hotspots",
    "few_months_warning",
    "find_hotspots",
    "gi_star",
    "gi_star_exact",
    "gi_star_frame",
    "gi_star_z",
    "hotspot_metrics",
    "kernel_matrix",
    "mann_kendall",
    "quartic_weight",
    "rate_change_p",
    "rate_ratio_ci",
    "select_top",
    "subset_sum_tails",
    "two_sided",
]

__getattr__, __dir__ = exports(
    __name__,
    {
        "._gistar": (
            "CLASS_LABELS",
            "CLASS_NOTE",
            "LEVELS",
            "RATE_WORDS",
            "TESTS",
            "benjamini_hochberg",
            "check_alpha",
            "check_test",
            "classify",
            "gi_star",
            "gi_star_exact",
            "gi_star_z",
        ),
        "._randomisation": ("P_FLOOR", "subset_sum_tails", "two_sided"),
        "._hotspots": (
            "COLUMNS",
            "SPARSE_NEIGHBOURHOOD",
            "HotspotResult",
            "find_hotspots",
            "gi_star_frame",
        ),
        "._spacetime": ("check_steps_back", "cube_gi"),
        "._emerging": (
            "CATEGORIES",
            "CATEGORY_LABELS",
            "MIN_MONTHS",
            "NO_PATTERN",
            "PATTERNS",
            "EmergingResult",
            "classify_series",
            "emerging_from_cube",
            "emerging_hotspots",
            "few_months_warning",
        ),
        "._mann_kendall": ("Trend", "mann_kendall"),
        "._change": (
            "STAT_COLUMNS",
            "ChangeResult",
            "binom_two_sided",
            "change_label",
            "change_table",
            "compare_periods",
            "coverage_notes",
            "rate_change_p",
            "rate_ratio_ci",
        ),
        "._backtest": (
            "METHODS",
            "METRICS",
            "BacktestResult",
            "backtest",
            "hotspot_metrics",
            "select_top",
        ),
        "._backtest_methods": ("kernel_matrix", "quartic_weight"),
    },
)
