"""Running ``socmap rates``, ``deprivation``, ``registers`` and ``proximity`` (options in
:mod:`socmap.commands.rates`). Every table says its population year and vintage, its period
and the county it is measured against; notes go to standard error so standard output stays
a clean table."""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace

import pandas as pd

from geo import context
from geo.context._population import ages_label
from geo.disclosure import COUNTY, DISTRICT, DisclosurePolicy, Node, public_counts
from geo.errors import ValidationError
from geo.filters import Filters
from geo.settings import Settings
from geo.stats import PER, area_rates, default_ages, population_year
from geo.store import Store, read_coverage
from geo.store.queries.rates import (
    area_table,
    register_batches,
    register_places,
    register_quarantine,
)
from geo.themes import ThemeMap, load_themes
from socmap.cli import EXIT_OK, EXIT_QUARANTINED
from socmap.commands._common import filters_from_args, print_json, require_data
from socmap.commands._tables import filters_dict, records, write_csv, write_empty, write_json

_RATE_OUT = {
    "rate": "rate_per_1000", "rate_low": "rate_low", "rate_high": "rate_high",
    "annual_rate": "annual_rate_per_1000", "rr": "relative_risk", "eb_rate": "eb_rate_per_1000",
}  # fmt: skip


def _ages(args: argparse.Namespace, filters: Filters, themes: ThemeMap):
    """--ages, else the one chosen theme's rate_ages, else all ages (None)."""
    if args.ages is not None:
        if args.ages.strip().lower() == "all":
            return None
        found = re.fullmatch(r"\s*(\d+)\s*-\s*(\d*)\s*", args.ages)
        if not found:
            raise ValidationError(f"--ages {args.ages!r}: expected FROM-TO (10-24), 65- or all")
        return int(found.group(1)), int(found.group(2)) if found.group(2) else None
    return default_ages(filters, themes)


def _setup(args, settings):
    store = Store(settings.db_path)
    filters = filters_from_args(args, store)
    themes = load_themes(settings.themes_file)
    return store, filters, themes


# -- rates --------------------------------------------------------------------------------


def run_rates(args: argparse.Namespace, settings: Settings) -> int:
    store, filters, themes = _setup(args, settings)
    ages = _ages(args, filters, themes)
    if args.public:
        return _public_rates(args, settings, store, filters, themes, ages)
    coverage = read_coverage(store)  # read once: the checks, and the thin months below
    cov = require_data(store, filters, themes, allow_empty=args.allow_empty, coverage=coverage)
    if cov.empty:
        return write_empty(args, filters, ["code", "name", "count", "rate_per_1000"], {}, cov)
    table = area_rates(
        store, filters, themes, level=args.level, ages=ages, year=args.year,
        smooth=args.smooth, alpha=args.alpha, coverage=cov,
    )  # fmt: skip
    frame = table.frame.assign(population_year=f"mid-{table.population_year}", ages=table.ages)
    # "complete" means no month is missing, not that every month is whole: say so.
    thin = ", with thin months (see the warning)" if coverage.thin_in([cov]) else ""
    columns = ["code", "name", "count", "population", "population_year", "ages", "rate",
               "rate_low", "rate_high", "annual_rate", "expected", "rr", "rr_low", "rr_high",
               "p", "q", "significance", "interval_excludes_1"]  # fmt: skip
    if args.smooth:
        columns += ["eb_rate", "eb_weight"]
    head = [
        f"rates per {PER:,} {table.population_label} ({table.population_source}); "
        f"{args.level} populations: {table.apportionment}",
        f"period {table.period_label} ({table.days} days with data, {table.status}{thin}); "
        f"Kent and Medway: {table.reference_count:,} incidents, {table.reference_rate:.3f} per "
        f"{PER:,} ({table.reference_population:,.0f} residents)",
        "relative risk = incidents / (Kent and Medway's rate x residents), exact 95% interval; "
        f"significant: Benjamini-Hochberg q < {args.alpha} over every {args.level} in the county",
    ]
    if args.smooth:
        head.append(
            f"empirical-Bayes rates (Marshall 1991) pulled towards {table.eb_prior_mean:.3f} per "
            f"{PER:,}"
        )
    for line in (*head, *table.notes):
        print(f"socmap: note: {line}", file=sys.stderr)
    if args.format == "json":
        write_json(
            {
                "level": args.level, "filters": filters_dict(filters), "status": table.status,
                "period": table.period_label, "days": table.days,
                "population_year": table.population_year, "ages": table.ages,
                "population_source": table.population_source,
                "apportionment": table.apportionment, "per": PER,
                "reference": {"area": "Kent and Medway", "count": table.reference_count,
                              "population": table.reference_population,
                              "rate": table.reference_rate},
                "eb_prior_mean": table.eb_prior_mean, "notes": [*head, *table.notes],
                "rows": records(frame, columns, _RATE_OUT),
            }
        )  # fmt: skip
    else:
        write_csv(frame, columns, _RATE_OUT)
    return EXIT_OK


def _public_setup(settings, store, filters, themes):
    policy = DisclosurePolicy.from_settings(settings)
    public = public_counts(store, filters, themes, policy)
    if public.map is None or public.block is None:
        raise ValidationError(
            "no published figures for these filters: the public view shows one theme "
            "(--theme) over a period block that has ended"
        )
    cov = read_coverage(store).period(public.split.public, themes)
    return policy, public, cov


def _public_rates(args, settings, store, filters, themes, ages) -> int:
    from geo.disclosure._public_rates import public_rates  # noqa: PLC0415

    if args.level == "lsoa":
        raise ValidationError("the public view publishes district and division rates only")
    if filters.division and args.level == "district":
        raise ValidationError("--division with --level district: choose --level division")
    _, public, cov = _public_setup(settings, store, filters, themes)
    year, note = population_year(store, cov, ages, args.year)
    people = context.populations(store, args.level, year=year, ages=ages)
    districts = context.populations(store, "district", year=year, ages=ages)
    areas = area_table(store)
    frame = public_rates(
        public.map, args.level, people,
        parents=dict(zip(areas["code"], areas["parent_code"], strict=True)),
        names=dict(zip(areas["code"], areas["name"], strict=True)),
        reference_population=float(sum(districts.values())), smooth=args.smooth,
        district=filters.district,
    )  # fmt: skip
    if filters.division:
        frame = frame[frame["code"] == filters.division]
    label = f"mid-{year} residents, {ages_label(ages)}"
    frame = frame.assign(population_year=f"mid-{year}", ages=ages_label(ages))
    columns = ["code", "name", "count_text", "population", "population_year", "ages", "rate",
               "rate_low", "rate_high", "rr", "rr_low", "rr_high", "significance"]  # fmt: skip
    if args.smooth:
        columns.append("eb_rate")
    notes = [
        f"Part 1 (public): {public.block.label}; rates per {PER:,} {label}; shown only where "
        "the count is published",
        f"relative risk against Kent and Medway ({public.map.total.text} incidents), exact 95% "
        f"interval; significant: Benjamini-Hochberg q < 0.05 over the {args.level}s whose rate "
        "is published",
        *([note] if note else []),
    ]
    for line in notes:
        print(f"socmap: note: {line}", file=sys.stderr)
    rename = {**_RATE_OUT, "count_text": "count"}
    if args.format == "json":
        write_json({"audience": "public", "level": args.level, "population_year": year,
                    "notes": notes, "rows": records(frame, columns, rename)})  # fmt: skip
    else:
        write_csv(frame, columns, rename)
    return EXIT_OK


# -- deprivation --------------------------------------------------------------------------


def run_deprivation(args: argparse.Namespace, settings: Settings) -> int:
    from geo.stats import OTHER_LABEL, TABLE_COLUMNS, deprivation  # noqa: PLC0415

    store, filters, themes = _setup(args, settings)
    if filters.division:
        raise ValidationError("deprivation is for the county or a district (--district)")
    ages = _ages(args, filters, themes)
    if args.public:
        return _public_deprivation(args, settings, store, filters, themes, ages)
    cov = require_data(store, filters, themes, allow_empty=args.allow_empty)
    if cov.empty:
        return write_empty(args, filters, list(TABLE_COLUMNS), {}, cov)
    result = deprivation(store, filters, themes, ages=ages, year=args.year)
    where = _area_name(store, filters)
    summary = _summary_lines(result, where, cov)
    table = result.table.assign(decile=result.table["decile"].map(lambda d: d or OTHER_LABEL))
    if args.format == "json":
        write_json(
            {
                "area": where, "filters": filters_dict(filters), "status": cov.status,
                "total": result.total, "population_year": result.population_year,
                "ages": result.ages, "concentration_index": result.concentration_index,
                "decile_index": result.decile_index,
                "england_shares": {k: {"incidents": a, "residents": b}
                                   for k, (a, b) in result.england_shares.items()},
                "local_shares": result.local_shares, "notes": [*summary, *result.notes],
                "deciles": records(table, list(TABLE_COLUMNS)),
                "curve": records(result.curve, ["residents_share", "incidents_share"]),
            }
        )  # fmt: skip
        return EXIT_OK
    if args.format == "csv":
        for line in (*summary, *result.notes):
            print(f"socmap: note: {line}", file=sys.stderr)
        write_csv(table, list(TABLE_COLUMNS), {})
        return EXIT_OK
    print(summary[0])
    print(summary[1])
    print()
    print(_text_table(table))
    print()
    for line in (*summary[2:], *result.notes):
        print(line)
    return EXIT_OK


def _summary_lines(result, where: str, cov) -> list[str]:
    e10, e20 = result.england_shares["10%"], result.england_shares["20%"]
    return [
        f"Incidents by deprivation: {where}, {cov.first:%b %Y} to {cov.last:%b %Y} "
        f"({cov.status}): {result.total:,} incidents",
        "deciles: England's IMD 2019 deciles of LSOAs (1 = the most deprived 10% of "
        f"England's 32,844 LSOAs); residents mid-{result.population_year}, {result.ages}",
        f"in England's most deprived 10% of LSOAs: {e10[0]:.1%} of incidents, {e10[1]:.1%} of "
        f"residents; 20%: {e20[0]:.1%} of incidents, {e20[1]:.1%} of residents",
        f"in the area's own most deprived 10% / 20% of residents (its LSOAs ranked by IMD "
        f"rank): {result.local_shares['10%']:.1%} / {result.local_shares['20%']:.1%} of incidents",
        f"concentration index {result.concentration_index:+.3f} over the area's LSOAs "
        f"(population-weighted; negative: concentrated in more deprived neighbourhoods), "
        f"{result.decile_index:+.3f} over the ten deciles",
    ]


def _text_table(table: pd.DataFrame) -> str:
    lines = [f"{'decile':<28}{'LSOAs':>7}{'residents':>11}{'incidents':>11}{'% inc':>8}"
             f"{'% res':>8}{'per 1,000':>11}"]  # fmt: skip
    for r in table.itertuples():
        res = "" if pd.isna(r.residents) else f"{r.residents:,.0f}"
        share = "" if pd.isna(r.resident_share) else f"{r.resident_share:.1%}"
        rate = "" if pd.isna(r.rate) else f"{r.rate:.3f}"
        inc = "" if pd.isna(r.incident_share) else f"{r.incident_share:.1%}"
        lines.append(f"{r.decile!s:<28}{r.lsoas:>7}{res:>11}{r.incidents:>11,}{inc:>8}"
                     f"{share:>8}{rate:>11}")  # fmt: skip
    return "\n".join(lines)


def _public_deprivation(args, settings, store, filters, themes, ages) -> int:
    from geo.disclosure._public_deprivation import (  # noqa: PLC0415
        public_deprivation_from_store,
        published_decile_index,
        published_shares,
    )
    from geo.stats import DECILES  # noqa: PLC0415

    policy, public, cov = _public_setup(settings, store, filters, themes)
    result = public_deprivation_from_store(store, public, themes, policy)
    node = Node(DISTRICT, filters.district) if filters.district else Node(COUNTY)
    table = result.breakdowns[node]
    year, _ = population_year(store, cov, ages, args.year)
    lsoas = context.lsoa_table(store, year=year, ages=ages)
    if filters.district:
        lsoas = lsoas[lsoas["district_code"] == filters.district]
    residents = lsoas.groupby("imd_decile")["persons"].sum().to_dict()
    rows = [
        {"decile": d or "not in an LSOA of the area", "incidents": c.text,
         "residents": residents.get(d)}
        for d, c in table.parts.items()
    ]  # fmt: skip
    shares = published_shares(table)
    index = published_decile_index(table, {d: residents.get(d, 0) for d in DECILES})
    payload = {
        "audience": "public", "area": _area_name(store, filters), "total": table.total.text,
        "period": public.block.label, "theme": public.filters.themes[0], "population_year": year,
        "ages": ages_label(ages), "england_shares": shares, "decile_index": index,
        "deciles": rows,
    }  # fmt: skip
    if args.format == "json":
        print_json(payload)
    else:
        print(f"Part 1 (public): {payload['area']}, {themes.theme(payload['theme']).label}, "
              f"{public.block.label}: {table.total.text} incidents")  # fmt: skip
        print(
            "  deciles: England's IMD 2019 deciles of LSOAs (1 = the most deprived 10%); "
            f"residents mid-{year}, {ages_label(ages)}; counts withheld as on the map"
        )
        for r in rows:
            print(f"  decile {r['decile']}: {r['incidents']}")
        for label, value in shares.items():
            print(f"  in England's most deprived {label}: "
                  + ("withheld" if value is None else f"{value:.1%} of incidents"))  # fmt: skip
        print("  concentration index over deciles: "
              + ("withheld" if index is None else f"{index:+.3f}"))  # fmt: skip
    return EXIT_OK


def _area_name(store: Store, filters: Filters) -> str:
    if not filters.district:
        return "Kent and Medway"
    areas = area_table(store)
    found = areas.loc[areas["code"] == filters.district, "name"]
    return f"{found.iloc[0]} ({filters.district})" if len(found) else filters.district


# -- registers and proximity ----------------------------------------------------------------


def run_registers_load(args: argparse.Namespace, settings: Settings) -> int:
    report = context.load_register(
        Store(settings.db_path), args.register, args.file, encoding=args.encoding,
        vintage=args.vintage, force=args.force,
    )  # fmt: skip
    if args.format == "json":
        print_json(report.as_dict())
    else:
        for note in report.notes:
            print(note)
        if not report.unchanged:
            kinds = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in report.by_kind.items())
            print(
                f"{report.register}: {report.rows_read:,} rows read = {report.loaded:,} loaded "
                f"({kinds or 'none'}) + {report.outside:,} outside Kent and Medway + "
                f"{report.quarantined:,} quarantined"
            )
            for line in report.problems:
                print(line, file=sys.stderr)
            if report.quarantined > len(report.problems):
                print(f"... and {report.quarantined - len(report.problems):,} more: "
                      "`socmap registers list --problems`", file=sys.stderr)  # fmt: skip
    return EXIT_QUARANTINED if report.quarantined else EXIT_OK


def run_registers_list(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(settings.db_path)
    batches = register_batches(store)
    places = register_places(store)
    kinds = places.groupby(["register", "kind"]).size() if len(places) else pd.Series(dtype=int)
    problems = register_quarantine(store) if args.problems else pd.DataFrame()
    if args.format == "json":
        out = []
        for b in batches.to_dict(orient="records"):
            b["loaded_at"] = b["loaded_at"].isoformat()
            b["by_kind"] = {k: int(n) for (r, k), n in kinds.items() if r == b["register"]}
            out.append(b)
        print_json({"registers": out, "problems": problems.to_dict(orient="records")})
        return EXIT_OK
    if batches.empty:
        print("no registers loaded; see `socmap registers load --help`")
        return EXIT_OK
    for b in batches.itertuples():
        by_kind = ", ".join(f"{n:,} {k.replace('_', ' ')}" for (r, k), n in kinds.items()
                            if r == b.register)  # fmt: skip
        print(f"{b.register}: {b.layout} ({b.publisher}), vintage {b.vintage}")
        print(f"    {b.rows_read:,} rows read = {b.loaded:,} loaded ({by_kind or 'none'}) + "
              f"{b.outside:,} outside Kent and Medway + {b.quarantined:,} quarantined")  # fmt: skip
        print(f"    file {b.file} (sha256 {b.checksum[:12]}), loaded {b.loaded_at:%Y-%m-%d %H:%M}")
    for r in problems.itertuples():
        print(f"{r.file}: row {r.row_number}: {r.reason}")
    return EXIT_OK


def run_registers_remove(args: argparse.Namespace, settings: Settings) -> int:
    removed = context.remove_register(Store(settings.db_path), args.register)
    print(f"removed {args.register}" if removed else f"no {args.register} register is loaded")
    return EXIT_OK


def run_proximity(args: argparse.Namespace, settings: Settings) -> int:
    from geo.areas import PROXIMITY_COLUMNS, places_near_incidents  # noqa: PLC0415

    store, filters, themes = _setup(args, settings)
    cov = require_data(store, filters, themes, allow_empty=args.allow_empty)
    if cov.empty:
        return write_empty(args, filters, list(PROXIMITY_COLUMNS), {}, cov)
    result = places_near_incidents(
        store, filters, themes, within=args.within, registers=tuple(args.registers),
        method=args.method, hotspot_res=None if args.no_hotspots else args.res,
    )  # fmt: skip
    places = result.places.head(args.limit) if args.limit else result.places
    measured = "British National Grid" if result.method == "bng" else "geodesic, WGS84"
    head = [
        f"incidents within {result.within:g} m ({measured}) of each place, {cov.first:%b %Y} "
        f"to {cov.last:%b %Y} ({cov.status}); {result.total_incidents:,} incidents in the "
        "county; Part 2: exact counts near named places",
        "police.uk points are anonymised to map points: distances are good to about the "
        "length of a street",
        *([f"hot spot: the Gi* class (false discovery rate) of the resolution-{result.res} "
           "hexagon holding the place"] if result.res else []),
        *result.notes,
    ]  # fmt: skip
    for line in head:
        print(f"socmap: note: {line}", file=sys.stderr)
    if args.format == "json":
        write_json({"within_m": result.within, "method": result.method,
                    "filters": filters_dict(replace(filters)), "status": cov.status,
                    "notes": head, "places": records(places, list(PROXIMITY_COLUMNS))})  # fmt: skip
    else:
        write_csv(places, list(PROXIMITY_COLUMNS), {})
    return EXIT_OK
