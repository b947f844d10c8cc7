"""A map sheet: one page with the marking at top and bottom, the title, the map, its legend
and key, the caveats, the sources and rules, and the production line.

The map itself is the print figure as inline SVG, scaled to the space the text leaves (the
scale bar is part of the drawing, so it stays true). The same sheet is the single-map export
and each map page of the briefing pack.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from dashboard.export._bng import grid_facts
from dashboard.export._meta import ExportInfo
from dashboard.export._print_figure import Frame
from dashboard.figures.palette import pattern_ink
from dashboard.views.map_model import MapModel

TEMPLATES = Path(__file__).resolve().parent / "templates"
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class Paper:
    name: str
    width_mm: float
    height_mm: float

    @property
    def landscape(self) -> bool:
        return self.width_mm > self.height_mm

    def px(self, mm: float) -> int:
        """CSS pixels (96 to the inch) for a length in millimetres."""
        return round(mm / MM_PER_INCH * 96)

    @property
    def map_frame(self) -> Frame:
        """The size the map is drawn at: about the space it gets on the sheet."""
        if self.landscape:
            return Frame(self.px(self.width_mm - 16 - 77), self.px(self.height_mm - 62))
        return Frame(self.px(self.width_mm - 16), self.px(self.height_mm * 0.56))


# A fill pattern's plotly shape to the print.css class drawing it on a legend swatch.
PATTERN_CLASS = {
    "x": "pat-cross",
    "+": "pat-grid",
    "|": "pat-vert",
    ".": "pat-dot",
    "-": "pat-level",
    "\\": "pat-fall",
    "/": "pat-rise",
}
PAPERS = {p.name: p for p in (Paper("a4-landscape", 297, 210), Paper("a4-portrait", 210, 297))}


@cache
def environment() -> jinja2.Environment:
    # Autoescape: place names and categories come from data files and must not become markup.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # A field the model lacks must fail the export, not print as an empty section.
        undefined=jinja2.StrictUndefined,
    )
    # A legend swatch's fill pattern as the map draws it (print.css .pat-*, in this ink).
    env.filters["ink"] = pattern_ink
    env.globals["PATTERN_CLASS"] = PATTERN_CLASS
    return env


@cache
def stylesheet() -> str:
    return (TEMPLATES / "print.css").read_text(encoding="utf-8")


def sheet_html(
    model: MapModel,
    info: ExportInfo,
    paper: Paper,
    svg: str,
    *,
    banners: bool = True,
    heading: str | None = None,
) -> str:
    """One map sheet as an HTML fragment (a ``section``). ``banners``: the marking at the
    top and bottom of the sheet (off in the pack, whose every page carries it anyway)."""
    context = {
        "model": model,
        "paper": paper,
        "orientation": "landscape" if paper.landscape else "portrait",
        "sensitive": info.marking != "OFFICIAL",
        "svg": svg,  # fluid already (dashboard.export._svg_layer)
        "warnings": [n.text for n in model.notes if n.warn],
        "notes": [n.text for n in model.notes if not n.warn],
        "grid_text": grid_text(model),
        "produced": info.line(),
        "banners": banners,
        "heading": heading,
    }
    return environment().get_template("map_sheet.html.j2").render(**context)


def grid_text(model: MapModel) -> str:
    """What the north arrow and the scale bar mean, at the map's centre."""
    facts = grid_facts(
        (model.bounds[0] + model.bounds[2]) / 2, (model.bounds[1] + model.bounds[3]) / 2
    )
    return (
        f"North arrow: grid north (British National Grid). True north is "
        f"{facts.convergence_deg:.1f}° {facts.true_north} of grid north here. Scale bar in "
        f"grid metres, within {max(facts.scale_error_pct, 0.01):.2f}% of ground distance."
    )


def document(
    title: str, body: str, paper: Paper, *, margins_mm: tuple = (0, 0, 0, 0), body_class: str = ""
) -> str:
    """A whole HTML document around ``body``, for Chromium to print at ``paper`` size."""
    return (
        environment()
        .get_template("document.html.j2")
        .render(
            title=title,
            body=body,
            paper=paper,
            css=stylesheet(),
            margins=margins_mm,
            body_class=body_class,
        )
    )
