"""Synthetic demo data, clearly labelled, with patterns planted for the analysis to find.

``_load``: ``socmap demo`` (one batch of source ``synthetic-demo``, a pure function of the
seed, the months and the loaded boundaries); ``_plan``: what is planted, documented so tests
check the analysis finds it (docs/demo.md); ``_generate``: the incidents themselves.
"""

from geo._lazy import exports

__all__ = [
    "GENERATOR",
    "KIND",
    "MAX_MONTHS",
    "MIN_MONTHS",
    "MONTHLY",
    "PLANTED",
    "PLANTED_LINES",
    "PLANTED_LINE_RECORDS",
    "PORT_SHARES",
    "QUIET_KM",
    "SOURCE",
    "PlantedHotspot",
    "demo_months",
    "load_demo",
]

__getattr__, __dir__ = exports(
    __name__,
    {
        "._load": (
            "GENERATOR",
            "KIND",
            "MAX_MONTHS",
            "MIN_MONTHS",
            "SOURCE",
            "demo_months",
            "load_demo",
        ),
        "._plan": (
            "MONTHLY",
            "PLANTED",
            "PLANTED_LINES",
            "PLANTED_LINE_RECORDS",
            "PORT_SHARES",
            "QUIET_KM",
            "PlantedHotspot",
        ),
    },
)
