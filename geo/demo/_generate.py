"""Generating the demo rows (what and why: :mod:`geo.demo`, the plan: :mod:`geo.demo._plan`).

Every random draw comes from one ``numpy.random.Generator`` seeded by the caller, in a fixed
order, so the rows are a pure function of the seed, the months and the boundaries used to
keep points on land.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa

from geo.areas import Place, find_place, kent_places, london_boroughs, origins, packaged_ports
from geo.areas import _placement as placement
from geo.demo._plan import (
    BACKGROUND_LINE_RECORDS,
    BACKGROUND_LINES,
    MONTHLY,
    PLANTED,
    PLANTED_LINE_RECORDS,
    PLANTED_LINES,
    PORT_SHARES,
    QUIET_KM,
)
from geo.ingest._stage import CANONICAL

SOURCE = "synthetic-demo"
_KM_PER_DEGREE = 111.32
_TRIES = 25  # redraws before a point that keeps landing off the map goes to its town centre
_ARROW = {"BIGINT": pa.int64(), "VARCHAR": pa.string(), "DATE": pa.date32(), "DOUBLE": pa.float64()}
_SUBCATEGORIES = {
    "knife_crime": (
        "Assault with injury", "Robbery", "Threat to kill", "Possession of a bladed article",
    ),
    "modern_slavery": (
        "Labour exploitation", "Sexual exploitation", "Criminal exploitation",
        "Domestic servitude",
    ),
    "county_lines": (
        "Deal line activity", "Cuckooing", "Child criminal exploitation", "Drug supply",
    ),
    "port_event": (
        "Clandestine entrant", "Drug seizure", "Weapon seizure", "Cash seizure",
        "Modern slavery referral",
    ),
}  # fmt: skip
_LINE_WORDS = (
    "Ghost", "Hawk", "Ice", "Jet", "King", "Lima", "Max", "Nova", "Onyx", "Puma", "Quest",
    "Rocket", "Storm", "Tango", "Ultra", "Viper", "Wolf", "Xray", "Yankee", "Zed",
)  # fmt: skip
# South and east London boroughs run most lines into Kent; others appear now and then.
_BUSY_BOROUGHS = {
    "Lewisham": 5, "Southwark": 5, "Lambeth": 4, "Croydon": 4, "Greenwich": 4, "Bexley": 3,
    "Bromley": 3, "Newham": 3, "Hackney": 3, "Tower Hamlets": 2, "Barking and Dagenham": 2,
    "Haringey": 2, "Islington": 2, "Waltham Forest": 2,
}  # fmt: skip
_OTHER_ORIGINS = ("Thurrock", "Southend-on-Sea", "Birmingham", "Liverpool")


@dataclass
class _Context:
    rng: np.random.Generator
    months: list[date]
    bbox: tuple[float, float, float, float]
    placer: placement.Placer | None
    towns: tuple[Place, ...]
    columns: dict[str, list] = field(default_factory=lambda: {c: [] for c in CANONICAL})
    issued: dict[str, int] = field(default_factory=dict)  # ids issued per prefix

    def accept(self, lat: np.ndarray, lon: np.ndarray, quiet: bool = False) -> np.ndarray:
        min_lon, min_lat, max_lon, max_lat = self.bbox
        ok = (lat >= min_lat) & (lat <= max_lat) & (lon >= min_lon) & (lon <= max_lon)
        if quiet:
            ok &= ~_in_quiet_zone(lat, lon)
        if self.placer is not None and ok.any():
            district, _ = self.placer.place(lat, lon)
            ok &= district != None  # noqa: E711 - elementwise on an object array
        return ok

    def add(self, n: int, **values: object) -> None:
        """Append ``n`` rows; a value is a sequence of ``n`` or one value for all."""
        values = {"source": SOURCE, "reported_by": SOURCE, **values}
        for name, column in self.columns.items():
            value = values.get(name)
            if isinstance(value, list | np.ndarray):
                column.extend(value.tolist() if isinstance(value, np.ndarray) else value)
            else:
                column.extend([value] * n)


def generate(
    seed: int,
    months: list[date],
    bbox: tuple[float, float, float, float],
    placer: placement.Placer | None = None,
) -> pa.Table:
    """The demo incidents as a validated chunk table (canonical columns, no rejects)."""
    towns = tuple(p for p in kent_places() if p.kind == "town")
    ctx = _Context(np.random.default_rng(seed), months, bbox, placer, towns)
    _knife_crime(ctx)
    _modern_slavery(ctx)
    _county_lines(ctx)
    _port_events(ctx)
    n = len(ctx.columns["category"])
    ctx.columns["row_number"] = list(range(1, n + 1))
    return pa.table({name: _array(ctx.columns[name], kind) for name, kind in CANONICAL.items()})


def _array(values: list, kind: str) -> pa.Array:
    if kind == "DOUBLE":  # NaN (a withheld place) and None both become NULL
        floats = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        return pa.array(floats, mask=np.isnan(floats))
    return pa.array(values, _ARROW[kind])


def _attributes(location_from: str, planted: str | None = None) -> str:
    values = {"synthetic": True, "note": "synthetic demo data: not real incidents"}
    values["location_from"] = location_from
    if planted:
        values["planted"] = planted
    return json.dumps(values)


def _dates(ctx: _Context, month: date, n: int) -> list[date]:
    days = ctx.rng.integers(1, calendar.monthrange(month.year, month.month)[1] + 1, size=n)
    return [month.replace(day=int(d)) for d in days]


def _in_quiet_zone(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points within QUIET_KM of a planted hotspot's centre (see geo.demo._plan)."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    inside = np.zeros(lat.shape, dtype=bool)
    for spot in PLANTED.values():
        dy = (lat - spot.latitude) * _KM_PER_DEGREE
        dx = (lon - spot.longitude) * _KM_PER_DEGREE * np.cos(np.radians(spot.latitude))
        inside |= np.hypot(dx, dy) < QUIET_KM
    return inside


def _scatter(
    ctx: _Context, lat0: np.ndarray, lon0: np.ndarray, sigma_km: np.ndarray, quiet: bool = False
):
    """Gaussian noise around centres, redrawn until inside the region (and on land, and out
    of the planted hotspots' quiet zones when ``quiet``)."""
    lat, lon = lat0.astype(float), lon0.astype(float)
    todo = np.arange(len(lat0))
    for _ in range(_TRIES):
        if not len(todo):
            break
        step = sigma_km[todo] / _KM_PER_DEGREE
        lat[todo] = lat0[todo] + ctx.rng.normal(size=len(todo)) * step
        lon[todo] = lon0[todo] + ctx.rng.normal(size=len(todo)) * step / np.cos(
            np.radians(lat0[todo])
        )
        todo = todo[~ctx.accept(lat[todo], lon[todo], quiet)]
    lat[todo], lon[todo] = lat0[todo], lon0[todo]
    return lat, lon


def _around_towns(
    ctx: _Context, weights: np.ndarray, n: int, spread: float = 1.0, quiet: bool = False
):
    """``n`` points around towns drawn by ``weights``; bigger towns spread wider."""
    pick = ctx.rng.choice(len(ctx.towns), size=n, p=weights / weights.sum())
    chosen = [ctx.towns[i] for i in pick]
    pop = np.array([t.population for t in chosen], dtype=float)
    lat, lon = _scatter(
        ctx,
        np.array([t.latitude for t in chosen]),
        np.array([t.longitude for t in chosen]),
        spread * (0.35 + 0.1 * np.sqrt(pop)),
        quiet,
    )
    return chosen, lat, lon


def _in_disc(ctx: _Context, lat0: float, lon0: float, radius_m: float, n: int):
    r = radius_m / 1000 * np.sqrt(ctx.rng.random(n)) / _KM_PER_DEGREE
    theta = 2 * np.pi * ctx.rng.random(n)
    return lat0 + r * np.sin(theta), lon0 + r * np.cos(theta) / np.cos(np.radians(lat0))


def _next_ids(ctx: _Context, prefix: str, n: int) -> list[str]:
    start = ctx.issued.get(prefix, 0)
    ctx.issued[prefix] = start + n
    return [f"{prefix}{start + i + 1:06d}" for i in range(n)]


def _knife_crime(ctx: _Context) -> None:
    # Knife crime concentrates in the larger towns more than population alone would say.
    weights = np.array([t.population for t in ctx.towns], dtype=float) ** 1.3
    # Towns in a planted hotspot's quiet zone have no background (a point that keeps
    # landing in the zone would fall back to its town's centre, inside the zone).
    town_lat = np.array([t.latitude for t in ctx.towns])
    town_lon = np.array([t.longitude for t in ctx.towns])
    weights[_in_quiet_zone(town_lat, town_lon)] = 0.0
    for index, month in enumerate(ctx.months):
        n = int(ctx.rng.poisson(MONTHLY["knife_crime"]))
        points = _around_towns(ctx, weights, n, quiet=True)
        _add_scattered(ctx, "knife_crime", "DEMO-KC-", month, points)
        for key, spot in PLANTED.items():
            k = spot.count_in(index, len(ctx.months))
            plat, plon = _in_disc(ctx, spot.latitude, spot.longitude, spot.radius_m, k)
            ctx.add(
                k,
                incident_id=_next_ids(ctx, "DEMO-KC-", k),
                category=spot.category,
                subcategory=list(ctx.rng.choice(_SUBCATEGORIES["knife_crime"], size=k)),
                date=_dates(ctx, month, k),
                month=month,
                latitude=plat,
                longitude=plon,
                location=spot.label.split(":")[0],
                attributes=_attributes("synthetic: planted hotspot", planted=key),
            )


def _add_scattered(ctx, category, prefix, month, points, *, dates=None) -> None:
    chosen, lat, lon = points
    n = len(chosen)
    ctx.add(
        n,
        incident_id=_next_ids(ctx, prefix, n),
        category=category,
        subcategory=list(ctx.rng.choice(_SUBCATEGORIES[category], size=n)),
        date=dates if dates is not None else _dates(ctx, month, n),
        month=month,
        latitude=lat,
        longitude=lon,
        location=[f"near {t.name}" for t in chosen],
        attributes=[_attributes(f"synthetic: scattered around {t.name}") for t in chosen],
    )


def _modern_slavery(ctx: _Context) -> None:
    weights = np.array([t.population for t in ctx.towns], dtype=float)
    # Exploitation cases cluster near the ports of entry as well as in the big towns.
    weights *= np.array([3.0 if t.name in {"Dover", "Folkestone"} else 1.0 for t in ctx.towns])
    for month in ctx.months:
        n = int(ctx.rng.poisson(MONTHLY["modern_slavery"]))
        chosen, lat, lon = _around_towns(ctx, weights, n)
        # Some partners give only the month, and withhold the place of a sensitive case.
        dates = [None if ctx.rng.random() < 0.15 else d for d in _dates(ctx, month, n)]
        withheld = ctx.rng.random(n) < 0.05
        lat = np.where(withheld, np.nan, lat)
        lon = np.where(withheld, np.nan, lon)
        points = (chosen, lat, lon)
        _add_scattered(ctx, "modern_slavery", "DEMO-MS-", month, points, dates=dates)


@dataclass(frozen=True)
class _Line:
    origin: Place
    destination: Place
    name: str
    first: int  # month index it starts (may be before the demo's first month)
    last: int
    rate: float  # mean link records a month while active
    floor: int = 0  # records every active month at least (a planted line is never silent)


def _lines(ctx: _Context) -> list[_Line]:
    months = len(ctx.months)
    lines = [
        _Line(_origin(o), _town(d), name, 0, months - 1, PLANTED_LINE_RECORDS, floor=1)
        for o, d, name in PLANTED_LINES
    ]
    boroughs = list(london_boroughs())
    origin_pool = boroughs + [_origin(o) for o in _OTHER_ORIGINS]
    weights = np.array([_BUSY_BOROUGHS.get(p.name, 0.5) for p in boroughs] + [0.5] * 4)
    targets = [t for t in ctx.towns if (t.population or 0) >= 10]
    t_weights = np.array([t.population for t in targets], dtype=float)
    for j in range(BACKGROUND_LINES):
        origin = origin_pool[ctx.rng.choice(len(origin_pool), p=weights / weights.sum())]
        target = targets[ctx.rng.choice(len(targets), p=t_weights / t_weights.sum())]
        first = int(ctx.rng.integers(-18, months))
        last = first + int(ctx.rng.integers(3, 25)) - 1
        suffix = "" if j < len(_LINE_WORDS) else f" {j // len(_LINE_WORDS) + 1}"
        name = f"{_LINE_WORDS[j % len(_LINE_WORDS)]}{suffix} line"
        lines.append(_Line(origin, target, name, first, last, BACKGROUND_LINE_RECORDS))
    return lines


def _origin(name: str) -> Place:
    place = find_place(name, origins())
    assert place is not None, name  # the plan names only gazetteer entries
    return place


def _town(name: str) -> Place:
    place = find_place(name, kent_places())
    assert place is not None, name
    return place


def _county_lines(ctx: _Context) -> None:
    for line in _lines(ctx):
        for index, month in enumerate(ctx.months):
            if not line.first <= index <= line.last:
                continue
            n = line.floor + int(ctx.rng.poisson(line.rate - line.floor))
            d = line.destination
            lat, lon = _scatter(
                ctx, np.full(n, d.latitude), np.full(n, d.longitude), np.full(n, 0.8)
            )
            o = line.origin
            ctx.add(
                n,
                incident_id=_next_ids(ctx, "DEMO-CL-", n),
                category="county_lines",
                subcategory=list(ctx.rng.choice(_SUBCATEGORIES["county_lines"], size=n)),
                date=_dates(ctx, month, n),
                month=month,
                latitude=lat,
                longitude=lon,
                location=f"near {d.name}",
                origin=o.name,
                origin_code=o.code,
                origin_latitude=o.latitude,
                origin_longitude=o.longitude,
                destination=d.name,
                line_name=line.name,
                attributes=_attributes(f"synthetic: scattered around {d.name}"),
            )


def _port_events(ctx: _Context) -> None:
    ports = {p.port_id: p for p in packaged_ports()}
    ids = list(PORT_SHARES)
    shares = np.array([PORT_SHARES[i] for i in ids])
    for month in ctx.months:
        n = int(ctx.rng.poisson(MONTHLY["port_event"]))
        chosen = [ports[ids[i]] for i in ctx.rng.choice(len(ids), size=n, p=shares / shares.sum())]
        ctx.add(
            n,
            incident_id=_next_ids(ctx, "DEMO-PE-", n),
            category="port_event",
            subcategory=list(ctx.rng.choice(_SUBCATEGORIES["port_event"], size=n)),
            date=_dates(ctx, month, n),
            month=month,
            latitude=[p.latitude for p in chosen],
            longitude=[p.longitude for p in chosen],
            location=[p.name for p in chosen],
            port=[p.port_id for p in chosen],
            attributes=[_attributes(f"port: {p.port_id}") for p in chosen],
        )
