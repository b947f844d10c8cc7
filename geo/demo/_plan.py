"""The demo's plan: background volumes and the patterns planted for the analysis to find.

Public through :mod:`geo.demo`; documented in ``docs/demo.md``. Tests check that the
statistics find these, so change them together with those tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlantedHotspot:
    """Extra knife-crime incidents, uniform in a disc, on top of the background.

    The numbers are exact, not Poisson draws, and no background knife crime falls within
    :data:`QUIET_KM` of the centre: the hexagons around the centre then count exactly the
    planted series, so what the analysis should call them does not depend on the seed (a
    Poisson series is, by chance, a significant trend in one seed in twenty).
    """

    label: str
    category: str
    latitude: float
    longitude: float
    radius_m: float
    monthly: int = 0  # incidents in every month
    ramp: tuple[int, ...] = ()  # extra incidents in each of the last len(ramp) months

    def count_in(self, index: int, months: int) -> int:
        """Planted incidents in month ``index`` (0 = the first) of a ``months`` run."""
        start = months - len(self.ramp)
        return self.monthly + (self.ramp[index - start] if index >= start else 0)


PLANTED: dict[str, PlantedHotspot] = {
    "persistent_knife_hotspot": PlantedHotspot(
        label="Maidstone town centre: persistent knife-crime hotspot (every month)",
        category="knife_crime",
        latitude=51.2745,
        longitude=0.5215,
        radius_m=500.0,
        monthly=9,
    ),
    "emerging_knife_hotspot": PlantedHotspot(
        label="Sittingbourne town centre: emerging knife-crime hotspot (last 6 months only)",
        category="knife_crime",
        latitude=51.3405,
        longitude=0.7330,
        radius_m=500.0,
        ramp=(2, 4, 6, 8, 10, 12),
    ),
}

# No background knife crime within this distance of a planted centre (its towns get none,
# and scattered points are redrawn out of it). It covers the centre's hexagon and its
# neighbours, the Gi* neighbourhood, at resolution 7 (at most 4.3 km from these centres)
# and every finer one: the dashboard's county (7) and district (8) levels.
QUIET_KM = 5.0

# (origin London borough, destination Kent town, line name): active in every month, with a
# mean of PLANTED_LINE_RECORDS link records a month each.
PLANTED_LINES: tuple[tuple[str, str, str], ...] = (
    ("Lewisham", "Margate", "Ace line"),
    ("Southwark", "Chatham", "Bravo line"),
    ("Croydon", "Maidstone", "Cobra line"),
    ("Newham", "Gravesend", "Delta line"),
    ("Hackney", "Folkestone", "Echo line"),
    ("Lambeth", "Ramsgate", "Falcon line"),
)
PLANTED_LINE_RECORDS = 3.0

# Share of port-of-entry events by port id (the packaged ports list).
PORT_SHARES: dict[str, float] = {
    "dover-eastern-docks": 0.50,
    "channel-tunnel-folkestone": 0.28,
    "folkestone-harbour": 0.07,
    "dover-western-docks": 0.05,
    "ramsgate-port": 0.04,
    "sheerness-port": 0.03,
    "thamesport": 0.03,
}

# Background means per month (planted patterns come on top).
MONTHLY: dict[str, float] = {
    "knife_crime": 38.0,
    "modern_slavery": 171 / 12,  # Kent Police: 171 modern slavery investigations in 2018
    "port_event": 50.0,
}
BACKGROUND_LINES = 90  # lines that come and go (3-24 months each), besides the planted ones
BACKGROUND_LINE_RECORDS = 2.0  # mean link records a month per active line
