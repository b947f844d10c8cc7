"""``socmap export map|data|briefing``: maps, tables, GIS layers and briefing packs for reports.

The same export functions as the dashboard's download buttons. The default audience is
public (Part 1, published figures only); ``--audience restricted`` gives exact figures marked
OFFICIAL-SENSITIVE. Every export is recorded in the audit log with the operating-system user
who ran it. See docs/exports.md.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
from dataclasses import replace
from pathlib import Path

from geo.errors import InputError
from geo.settings import Settings
from geo.store import open_store
from socmap.cli import EXIT_OK
from socmap.commands._common import add_filter_arguments

MAP_FORMATS = ("pdf", "png")
DATA_FORMATS = ("csv", "geojson", "gpkg")
MEASURES = ("count", "hotspots", "change", "emerging")
# dashboard.state.LAYERS (not imported here: the command line starts faster without it)
LAYERS = ("lines", "ports", "imd", "places")


def register(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export", help="maps, tables, GIS layers and briefing packs")
    kinds = export.add_subparsers(dest="kind", metavar="KIND", required=True)

    m = kinds.add_parser("map", help="the map of a view as PDF (vector) or PNG (print dpi)")
    _view_arguments(m)
    m.add_argument("--measure", choices=MEASURES, default="count", help="what the map shows")
    m.add_argument(
        "--layer",
        action="append",
        choices=LAYERS,
        default=[],
        help="also draw county lines, ports, imd (each neighbourhood's IMD 2019 decile) or "
        "places (schools and care locations of the loaded registers) (repeatable)",
    )
    m.add_argument("--paper", choices=("a4-landscape", "a4-portrait"), default="a4-landscape")
    m.add_argument("--dpi", type=int, default=300, help="PNG resolution (at least 200)")
    _output_arguments(m, MAP_FORMATS)
    m.set_defaults(handler=_run_map)

    d = kinds.add_parser(
        "data",
        help="the view's areas and hexagons as CSV, GeoJSON or "
        "GeoPackage, with counts and statistics",
    )
    _view_arguments(d)
    _output_arguments(d, DATA_FORMATS)
    d.set_defaults(handler=_run_data, measure="count", layer=[])

    p = kinds.add_parser(
        "proximity",
        help="incidents within a distance of each school and care location, ranked, with "
        "the Gi* hot spot holding each (CSV; Part 2 only: a public request is refused)",
    )
    _view_arguments(p)
    p.add_argument("--within", type=float, required=True, metavar="METRES")
    p.add_argument(
        "--register", action="append", default=[], choices=("schools", "care"), dest="registers"
    )
    p.add_argument("--method", choices=("bng", "geodesic"), default="bng")
    p.add_argument("--no-hotspots", action="store_true", help="skip the Gi* hot spots")
    _output_arguments(p, ("csv",))
    p.set_defaults(handler=_run_proximity, measure="count", layer=[])

    b = kinds.add_parser("briefing", help="the county briefing pack as one PDF")
    b.add_argument("--from", dest="month_from", metavar="YYYY-MM", help="first month")
    b.add_argument("--to", dest="month_to", metavar="YYYY-MM", help="last month")
    b.add_argument(
        "--theme",
        action="append",
        default=[],
        metavar="T",
        help="limit to SOC themes (repeatable; default all)",
    )
    b.add_argument(
        "--source", action="append", default=[], metavar="S", help="limit to sources (repeatable)"
    )
    _audience_argument(b)
    _allow_empty_argument(b)
    b.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    b.set_defaults(
        handler=_run_briefing,
        category=[],
        district=None,
        division=None,
        res=None,
        measure="count",
        layer=[],
        format="pdf",
    )


def _view_arguments(parser: argparse.ArgumentParser) -> None:
    add_filter_arguments(parser)
    parser.add_argument(
        "--res",
        type=int,
        choices=range(5, 11),
        metavar="R",
        help="H3 resolution (default by level: county 7, district 8, "
        "division 9); public: always the one public size (SOCMAP_PUBLIC_MAX_RES, default 8)",
    )
    _audience_argument(parser)
    _allow_empty_argument(parser)


def _allow_empty_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="when no data is loaded (or, public, nothing is published) for the period "
        "asked, write an export labelled 'no data loaded' and exit 0 (default: exit 4 "
        "naming the months that are loaded)",
    )


def _audience_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--audience",
        choices=("public", "restricted"),
        default="public",
        help="public: Part 1, published figures (default); restricted: Part 2, "
        "exact figures, OFFICIAL-SENSITIVE",
    )


def _output_arguments(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    parser.add_argument(
        "--format",
        choices=formats,
        help=f"{' or '.join(formats)} (default: from the --out file's suffix)",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")


def _run_map(args: argparse.Namespace, settings: Settings) -> int:
    # Chromium starts first, in the background, while the exports' own imports load; the
    # file is written before it is closed.
    from dashboard.browser import Renderer  # noqa: PLC0415

    fmt = _format(args, MAP_FORMATS)
    with Renderer() as renderer:
        renderer.start()
        from dashboard.export import export_map  # noqa: PLC0415

        ctx, state, audience = _view(args, settings)
        result = export_map(
            ctx, state, audience, fmt, renderer=renderer, paper=args.paper, dpi=args.dpi, **_who()
        )
        return _write(args.out, result)


def _run_data(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.export import export_data  # noqa: PLC0415

    fmt = _format(args, DATA_FORMATS)
    ctx, state, audience = _view(args, settings)
    return _write(args.out, export_data(ctx, state, audience, fmt, **_who()))


def _run_proximity(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.export._proximity_export import REFUSED, export_proximity  # noqa: PLC0415

    if args.audience != "restricted":  # before anything is read: nothing to record
        raise InputError("socmap export proximity", REFUSED)
    _format(args, ("csv",))
    ctx, state, audience = _view(args, settings)
    result = export_proximity(
        ctx, state, audience, within=args.within, registers=tuple(args.registers),
        method=args.method, hotspot_res=None if args.no_hotspots else (args.res or 8), **_who(),
    )  # fmt: skip
    return _write(args.out, result)


def _run_briefing(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.browser import Renderer  # noqa: PLC0415

    if args.out.suffix.lower() != ".pdf":
        raise InputError(str(args.out), "a briefing pack is a PDF: name the file .pdf")
    with Renderer() as renderer:
        renderer.start()
        from dashboard.export import export_briefing  # noqa: PLC0415

        ctx, state, audience = _view(args, settings)
        result = export_briefing(
            ctx, state, audience, renderer=renderer, progress=_progress, **_who()
        )
        return _write(args.out, result)


def _format(args: argparse.Namespace, formats: tuple[str, ...]) -> str:
    suffix = args.out.suffix.lower().lstrip(".")
    fmt = args.format or suffix
    if fmt not in formats:
        raise InputError(
            str(args.out),
            f"say --format {' or '.join(formats)} (or name the file with that suffix)",
        )
    if suffix and suffix != fmt:
        raise InputError(str(args.out), f"the file is named .{suffix} but --format is {fmt}")
    return fmt


def _view(args: argparse.Namespace, settings: Settings):
    """The app context, the view state and the audience the arguments ask for."""
    from dashboard.state import ViewState  # noqa: PLC0415
    from dashboard.views.context import AppContext  # noqa: PLC0415
    from geo.disclosure import Audience  # noqa: PLC0415
    from geo.filters import parse_month  # noqa: PLC0415

    audience = Audience(args.audience)
    state = ViewState(
        district=args.district,
        division=args.division,
        # As `socmap hexes`: a --category alone is what is counted; the default (every
        # theme, as the dashboard opens) only when neither a theme nor a category is named.
        themes=tuple(args.theme) or (() if args.category else None),
        categories=tuple(args.category),
        sources=tuple(args.source),
        month_from=parse_month(args.month_from) if args.month_from else None,
        month_to=parse_month(args.month_to) if args.month_to else None,
        measure=args.measure,
        res=args.res,
        layers=tuple(args.layer),
    )
    ctx = AppContext.create(open_store(settings), settings, audience)
    if audience is Audience.PUBLIC:
        _say_what_public_shows(ctx, state)
    _check_data(ctx, state, audience, allow_empty=args.allow_empty)
    return ctx, state, audience


def _check_data(ctx, asked, audience, *, allow_empty: bool) -> None:
    """No export of a period without data (or, public, of one not published) unless asked
    for with --allow-empty: exit 4 with one line saying why and what is loaded. A partial
    period is a warning; a restricted period cut to the loaded months is a note."""
    from dashboard.views.loaded import empty_text, view_coverage  # noqa: PLC0415
    from dashboard.views.public import resolve_view  # noqa: PLC0415
    from geo.disclosure import Audience  # noqa: PLC0415
    from geo.errors import NoDataError  # noqa: PLC0415

    shown = resolve_view(ctx, asked, audience)
    cov = view_coverage(ctx, shown, audience)
    if cov.empty:
        line = empty_text(ctx, cov, audience).rstrip(".")
        if audience is Audience.PUBLIC and cov.reason:
            line += f". {_loaded(ctx, audience)}"
        if not allow_empty:
            raise NoDataError(line + "; --allow-empty writes a labelled no-data export instead")
        _note(f"{line}: the export is labelled 'no data loaded' (--allow-empty)")
        return
    if cov.partial:
        print(f"socmap: warning: {cov.message()}", file=sys.stderr)
    if audience is Audience.RESTRICTED:
        wanted = (asked.month_from, asked.month_to)
        if any(wanted) and (shown.month_from, shown.month_to) != (
            wanted[0] or shown.month_from,
            wanted[1] or shown.month_to,
        ):
            loaded = _loaded(ctx, audience).lower()
            _note(
                f"the period asked runs outside the months loaded ({loaded}): the "
                f"export covers {shown.month_from:%Y-%m} to {shown.month_to:%Y-%m}"
            )


def _loaded(ctx, audience) -> str:
    from dashboard.views.context import data_coverage  # noqa: PLC0415

    return f"Data loaded: {data_coverage(ctx, audience).loaded_text()}"


def _say_what_public_shows(ctx, asked) -> None:
    """The public view is a fixed publication (one period block, one theme, every source):
    say on stderr where the export differs from what the arguments asked for."""
    from dashboard.views.labels import period_text  # noqa: PLC0415
    from dashboard.views.public import period_label, resolve_view  # noqa: PLC0415
    from geo.disclosure import Audience  # noqa: PLC0415

    shown = resolve_view(ctx, asked, Audience.PUBLIC)
    label = period_label(ctx, shown, Audience.PUBLIC)
    period = (asked.month_from, asked.month_to)
    if any(period) and period != (shown.month_from, shown.month_to):
        wanted = period_text(replace(shown, month_from=period[0] or period[1],
                                     month_to=period[1] or period[0]))  # fmt: skip
        _note(f"the public view publishes fixed periods only: {wanted} snapped to {label}")
    theme = ctx.themes.theme(shown.themes[0]).label if shown.themes else "no theme"
    if asked.categories or asked.sources or (asked.themes or shown.themes) != shown.themes:
        _note(f"the public view shows one whole theme at a time, every source: {theme}")


def _note(message: str) -> None:
    print(f"socmap: note: {message}", file=sys.stderr)


def _who() -> dict[str, str]:
    """The operating-system user and the host: the command line is run on the server."""
    return {"user": getpass.getuser(), "client": f"cli@{socket.gethostname()}"}


def _progress(message: str) -> None:
    print(f"socmap: briefing: {message}", file=sys.stderr, flush=True)


def _write(path: Path, result) -> int:
    """Write beside the target, then rename: a half-written export never has its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_bytes(result.data)
    os.replace(tmp, path)
    info = result.info
    size = len(result.data) / 1024
    print(f"wrote {path} ({info.marking}, {info.period}, {size:,.0f} KiB, export {info.reference})")
    if info.marking != "OFFICIAL":
        print(
            "socmap: note: OFFICIAL-SENSITIVE (Part 2, exempt): not for publication",
            file=sys.stderr,
        )
    return EXIT_OK
