"""Harm and deprivation for the county or a district: rates per 1,000 residents, smoothed
rates, relative risk against the county with the words its interval supports, and incidents
by IMD decile with the shares in the most deprived 10% and 20% (docs/rates.md).

Plain text for a page (the briefing pack's "Harm and deprivation"), from
:mod:`geo.stats._rates` and :mod:`geo.stats._deprivation` for Part 2 and from the published
map alone for Part 1 (:mod:`geo.disclosure._public_rates`,
:mod:`geo.disclosure._public_deprivation`): a Part 1 rate, interval, smoothed rate or
relative risk stands only beside a published count, and decile counts are withheld as the
joint check with the map decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.counts import view_counts
from dashboard.views.loaded import view_coverage
from dashboard.views.measures import stats_filters
from geo.disclosure import COUNTY, DISTRICT, Audience, DisclosurePolicy, Node
from geo.errors import CheckTooLong, ValidationError

COUNTY_NAME = "Kent and Medway"
_TOP = {"10%": 1, "20%": 2}


# What the panel says when Part 1's check of the decile breakdowns with the map is not done:
# nothing is shown that was not checked to the end. PENDING: the publisher process is
# finishing it; TOO_LONG: no publisher runs, and the check is longer than a page may wait.
PENDING = (
    "Not shown yet: the server is still checking that no withheld figure can be worked out "
    "from this breakdown and the map for this selection (it can take minutes on a large store); "
    "open this view again in a few minutes. "
    'The briefing pack\'s "Harm and deprivation" page (socmap export briefing) carries it too.'
)
TOO_LONG = (
    "Not shown here: checking that no withheld figure can be worked out from this breakdown "
    "and the map takes longer than a page may wait ({seconds:g} s) for this selection. "
    'The briefing pack\'s "Harm and deprivation" page (socmap export briefing) carries it.'
)


@dataclass(frozen=True)
class RateRow:
    code: str
    name: str
    count: str  # as the map prints it ("fewer than 5" in Part 1)
    residents: str
    rate: str  # "0.44 (0.36 to 0.52)": "" where the count is withheld
    smoothed: str
    rr: str  # "1.17 (1.14 to 1.20)"
    words: str
    significant: bool  # significantly above or below: drawn in bold


@dataclass(frozen=True)
class DecileRow:
    label: str
    incidents: str
    residents: str
    incident_share: str
    resident_share: str
    rate: str


@dataclass(frozen=True)
class HarmPage:
    """One area's harm and deprivation; ``reason`` is set (and the tables empty) when there
    is nothing to show (no population or deprivation loaded, no data, no published map)."""

    code: str | None
    name: str
    rows_level: str  # district (the county's page) or division
    reason: str = ""
    population: str = ""  # "residents of all ages (population mid-2018, ONS SAPE21DT11)"
    apportionment: str = ""
    reference: str = ""  # the county's count and rate
    rates: list[RateRow] = field(default_factory=list)
    deciles: list[DecileRow] = field(default_factory=list)
    shares: list[str] = field(default_factory=list)
    index: str = ""
    notes: list[str] = field(default_factory=list)
    attribution: str = ""  # the population and deprivation sources' licence words


def harm_page(
    ctx: AppContext,
    state: ViewState,
    audience: Audience,
    district: str | None = None,
    *,
    deadline: float | None = None,
) -> HarmPage:
    """The county's page (its districts' rates), or ``district``'s (its divisions').

    ``deadline`` (seconds) bounds Part 1's check of the decile breakdowns with the map for a
    caller that cannot wait (the dashboard's panel); past it :class:`CheckTooLong` is raised
    (the caller says why nothing is shown); 0 reads only a check already finished (by the
    publisher). Exports leave it unset and wait for the check."""
    from geo.store.queries.rates import area_table  # noqa: PLC0415 - scipy and pandas on first use

    areas = area_table(ctx.store)
    names = dict(zip(areas["code"], areas["name"], strict=True))
    parents = {c: p for c, p in zip(areas["code"], areas["parent_code"], strict=True) if p}
    has_divisions = district is not None and district in set(parents.values())
    level = "division" if has_divisions else "district"
    name = COUNTY_NAME if district is None else names.get(district, district)
    page = HarmPage(district, name, level)
    state = state.go_to("county", None) if district is None else state.go_to("district", district)
    cov = view_coverage(ctx, state, audience)
    if cov.empty:
        return _without(page, "No data loaded for this period: no rate is shown")
    filters = stats_filters(ctx, state, audience)
    if filters is None:
        return _without(page, "No published figures for this selection")
    from geo.context import attribution  # noqa: PLC0415

    try:
        if audience is Audience.RESTRICTED:
            out = _exact(ctx, page, filters, cov)
        else:
            out = _public(ctx, page, filters, names, parents, deadline)
    except ValidationError as e:  # no population or deprivation loaded: say which
        return _without(page, str(e))
    uses = ("lsoas", "population", "deprivation")
    return replace(out, attribution=attribution(ctx.store, uses)) if not out.reason else out


def _without(page: HarmPage, reason: str) -> HarmPage:
    return HarmPage(page.code, page.name, page.rows_level, reason=reason)


def _exact(ctx: AppContext, page: HarmPage, filters, cov) -> HarmPage:
    from geo.stats import (  # noqa: PLC0415
        PER,
        area_rates,
        default_ages,
        deprivation,
    )

    ages = default_ages(filters, ctx.themes)
    table = area_rates(
        ctx.store, filters, ctx.themes, level=page.rows_level, ages=ages, smooth=True,
        coverage=cov,
    )  # fmt: skip
    rows = [
        _rate_row(r.code, r.name, f"{r.count:,}", r.population, r.rate, r.rate_low,
                  r.rate_high, r.eb_rate, r.rr, r.rr_low, r.rr_high, r.significance)
        for r in table.frame.itertuples()
    ]  # fmt: skip
    if not _has_deprivation(ctx):
        return _rates_only(page, rows, _population(table.ages, table.population_source))
    dep = deprivation(ctx.store, filters, ctx.themes, ages=ages, year=table.population_year)
    deciles = [
        DecileRow(
            _decile_label(r.decile), f"{r.incidents:,}", _people(r.residents),
            _share(r.incident_share), _share(r.resident_share), _rate(r.rate),
        )
        for r in dep.table.itertuples()
        if r.incidents or (r.decile and r.lsoas)  # no row for a decile the area has none of
    ]  # fmt: skip
    shares = [
        f"In England's most deprived {label} of neighbourhoods: {_share(inc)} of incidents, "
        f"{_share(res)} of residents."
        for label, (inc, res) in dep.england_shares.items()
    ]
    shares.append(
        f"In {page.name}'s own most deprived 10% and 20% of residents: "
        f"{_share(dep.local_shares['10%'])} and {_share(dep.local_shares['20%'])} of incidents."
    )
    notes = list(dict.fromkeys([*table.notes, *dep.notes]))
    return HarmPage(
        page.code, page.name, page.rows_level,
        population=_population(table.ages, table.population_source),
        apportionment=_apportionment(page.rows_level, table.apportionment),
        reference=(f"{COUNTY_NAME}: {table.reference_count:,} incidents, "
                   f"{table.reference_rate:.2f} per {PER:,}"),
        rates=rows, deciles=deciles, shares=shares,
        index=_index(dep.concentration_index, "the area's LSOAs")
        + " " + _index(dep.decile_index, "the ten deciles"),
        notes=notes,
    )  # fmt: skip


def _public(
    ctx: AppContext, page: HarmPage, filters, names, parents, deadline: float | None = None
) -> HarmPage:
    from geo import context  # noqa: PLC0415
    from geo.context._population import ages_label  # noqa: PLC0415
    from geo.disclosure._public_deprivation import published_decile_index, published_shares  # noqa: PLC0415
    from geo.disclosure._public_rates import public_rates  # noqa: PLC0415
    from geo.stats import (  # noqa: PLC0415
        DECILES,
        PER,
        default_ages,
        population_year,
    )
    from geo.store import read_coverage  # noqa: PLC0415

    public = view_counts(ctx, filters, Audience.PUBLIC, 8).public
    if public is None or public.map is None:
        return _without(page, "No published figures for this selection")
    ages = default_ages(public.filters, ctx.themes)
    cov = read_coverage(ctx.store).period(public.split.public, ctx.themes)
    year, year_note = population_year(ctx.store, cov, ages, None)
    # The populations and the LSOA table change only with the store (a context load): kept
    # per version (before, 70 ms of each public filter change on a million incidents).
    people = _populations(ctx, page.rows_level, year, ages)
    districts = _populations(ctx, "district", year, ages)
    frame = public_rates(
        public.map, page.rows_level, people, parents=parents, names=names,
        reference_population=float(sum(districts.values())), smooth=True, district=page.code,
    )  # fmt: skip
    rows = [
        _rate_row(r.code, r.name, r.count_text, r.population, r.rate, r.rate_low, r.rate_high,
                  r.eb_rate, r.rr, r.rr_low, r.rr_high, r.significance)
        for r in frame.itertuples()
    ]  # fmt: skip
    source = ctx.cached(
        ("population source", year, ages),
        lambda: (
            context.population(
                ctx.store, "district", next(iter(districts)), year=year, ages=ages
            ).source
        ),
    )
    if not _has_deprivation(ctx):
        return _rates_only(page, rows, _population(ages_label(ages), source))
    breakdowns = _public_deprivation(ctx, public, deadline)
    table = breakdowns[Node(DISTRICT, page.code) if page.code else Node(COUNTY)]
    # Kept whole; the lines below make new frames from it, never change it.
    lsoas = ctx.cached(
        ("lsoa table", year, ages), lambda: context.lsoa_table(ctx.store, year=year, ages=ages)
    )
    if page.code:
        lsoas = lsoas[lsoas["district_code"] == page.code]
    lsoas = lsoas.dropna(subset=["persons", "imd_decile"])
    residents = lsoas.groupby("imd_decile")["persons"].sum().astype(float).to_dict()
    everyone = sum(residents.values())
    deciles = []
    for decile, count in table.parts.items():
        if (not decile or decile not in residents) and count.value == 0:
            continue  # no LSOA of the decile in the area, and no incident: no row
        n = residents.get(decile, 0.0) if decile else np.nan
        rate = PER * count.value / n if count.value is not None and n > 0 else np.nan
        deciles.append(
            DecileRow(
                _decile_label(decile), count.text, _people(n),
                _share(count.value / table.total.value)
                if count.value is not None and table.total.value else "",
                _share(n / everyone) if everyone and decile else "", _rate(rate),
            )
        )  # fmt: skip
    published = published_shares(table)
    shares = []
    for label, top in _TOP.items():
        res = sum(residents.get(d, 0.0) for d in range(1, top + 1)) / everyone if everyone else 0
        inc = published[label]
        if inc is None:
            shares.append(
                f"England's most deprived {label} of neighbourhoods: {_share(res)} of "
                "residents; the share of incidents is withheld (a count it needs is withheld)."
            )
        else:
            shares.append(
                f"In England's most deprived {label} of neighbourhoods: {_share(inc)} of "
                f"incidents, {_share(res)} of residents."
            )
    index = published_decile_index(table, {d: residents.get(d, 0.0) for d in DECILES})
    notes = [year_note] if year_note else []
    return HarmPage(
        page.code, page.name, page.rows_level,
        population=_population(ages_label(ages), source),
        apportionment=_apportionment(page.rows_level, ""),
        reference=f"{COUNTY_NAME}: {public.map.total.text} incidents",
        rates=rows, deciles=deciles, shares=shares,
        index=("Concentration index over the ten deciles: withheld (a decile count is "
               "withheld)." if index is None else _index(index, "the ten deciles")),
        notes=notes,
    )  # fmt: skip


def _has_deprivation(ctx: AppContext) -> bool:
    from geo import context  # noqa: PLC0415

    return bool(context.imd_deciles(ctx.store))


def _rates_only(page: HarmPage, rows: list[RateRow], population: str) -> HarmPage:
    return HarmPage(
        page.code, page.name, page.rows_level, population=population, rates=rows,
        shares=["No deprivation data is loaded: load it with `socmap context load`."],
    )  # fmt: skip


def _public_deprivation(ctx: AppContext, public, deadline: float | None = None):
    """Every published decile breakdown of the public filter (county and districts), worked
    out once per (filter, data version): the check with the map solves linear programmes.
    A check cut short by ``deadline`` raises :class:`CheckTooLong` and leaves nothing in the
    cache, so an export asking later runs it to the end."""
    from geo.disclosure._public_deprivation import public_deprivation_from_store  # noqa: PLC0415

    policy = DisclosurePolicy.from_settings(ctx.settings)
    key = ("public-deprivation", public.filters)

    def compute():
        if deadline is not None and deadline <= 0:
            raise CheckTooLong  # only what was prepared: not even the incidents are read
        return public_deprivation_from_store(
            ctx.store, public, ctx.themes, policy, deadline=deadline
        )

    return ctx.shared(key, compute).breakdowns


def _rate_row(code, name, count, people, rate, low, high, eb, rr, rr_low, rr_high, words):
    shown = rate is not None and not _missing(rate)
    return RateRow(
        code=code,
        name=name or code,
        count=count,
        residents=_people(people),
        rate=f"{rate:.2f} ({low:.2f} to {high:.2f})" if shown else "",
        smoothed=_rate(eb) if shown and eb is not None else "",
        rr=f"{rr:.2f} ({rr_low:.2f} to {rr_high:.2f})" if shown and not _missing(rr) else "",
        words=(words or "") if shown else "withheld with its count",
        significant=shown and str(words).startswith("significantly"),
    )


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def _rate(x) -> str:
    return "" if _missing(x) else f"{x:.2f}"


def _people(x) -> str:
    return "" if _missing(x) else f"{x:,.0f}"


def _share(x) -> str:
    return "" if _missing(x) else f"{100 * x:.1f}%"


def _decile_label(decile: int) -> str:
    return "in no LSOA of the area" if decile == 0 else str(decile)


def _population(ages: str, source: str) -> str:
    """ "residents aged 10-24 (population mid-2019, ONS SAPE22DT2)"."""
    who = "residents of all ages" if ages == "all ages" else f"residents aged {ages}"
    return f"{who} (population {source.replace(' (', ', ').rstrip(')')})"


def _index(value: float, over: str) -> str:
    if _missing(value):
        return f"Concentration index over {over}: none (no incidents)."
    way = (
        "concentrated in more deprived neighbourhoods"
        if value < 0
        else "concentrated in less deprived neighbourhoods"
        if value > 0
        else "spread as residents are"
    )
    return f"Concentration index over {over}: {value:+.3f} ({way})."


def _apportionment(level: str, rule: str) -> str:
    if level != "division":
        return "District residents: the sum of the district's LSOAs (ONS)."
    return (
        "Division residents are estimates: each LSOA's residents shared among the divisions "
        "it overlaps by its postcodes (docs/context.md)"
        + (f"; {rule}" if rule and "postcode" not in rule else "")
        + "."
    )


def area_rate_text(ctx: AppContext, state: ViewState, audience: Audience, count) -> str:
    """The panel's "rate per 1,000" beside a district's or division's count: "0.70 per 1,000
    residents aged 10-24 over the period (population mid-2019)". Empty for the county and a
    hexagon, where the count is withheld (Part 1: a rate beside a withheld count would give
    it back) or unknown, and when no population is loaded."""
    from geo.context._population import ages_label  # noqa: PLC0415
    from geo.stats import PER, default_ages, population_year  # noqa: PLC0415

    if state.level not in ("district", "division") or count.value is None:
        return ""
    if audience is Audience.PUBLIC and count.status not in ("shown", "zero"):
        return ""
    ages = default_ages(state.filters(), ctx.themes)
    try:
        year, _ = population_year(ctx.store, view_coverage(ctx, state, audience), ages, None)
    except ValidationError:
        return ""
    people = _populations(ctx, state.level, year, ages).get(state.area_code)
    if not people:
        return ""
    who = "residents" if ages is None else f"residents aged {ages_label(ages)}"
    rate = PER * count.value / people
    return f"{rate:.2f} per {PER:,} {who} over the period (population mid-{year})"


def _populations(ctx: AppContext, level: str, year: int, ages) -> dict[str, float]:
    """Residents of every area at ``level`` (geo.context.populations), once per version."""
    from geo import context  # noqa: PLC0415

    return ctx.cached(
        ("populations", level, year, ages),
        lambda: context.populations(ctx.store, level, year=year, ages=ages),
    )
