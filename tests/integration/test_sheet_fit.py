"""Every map sheet's text fits its page, on the real Kent months.

A sheet's side column (legend, key, "read with care", the grid's note) gets the height the
map leaves it. The Part 2 change into December 2018 carries six caveats (no data for two
themes, the thin month, two proxies, the incident outside every boundary, the boundaries),
and its side ran over the footer: the grid's note printed on top of the change note. The
browser now fits each sheet before printing (``dashboard.browser._FIT_SHEETS``); this checks
the whole class, every measure, both audiences, both papers, the county and a district, and
reads the printed PDF for text drawn over other text. With the fitting switched off a sheet
with too much beside the map overlaps again (so the check can fail)."""

from __future__ import annotations

import itertools
import re
import subprocess
from dataclasses import replace

import pytest

from dashboard import browser
from dashboard.export import Renderer, _map_export, export_map
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from geo.disclosure import Audience
from geo.settings import Settings
from geo.store import Store

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

DECEMBER = ViewState.from_query("?from=2018-12&to=2018-12&m=change")
QUARTER = ViewState.from_query("?from=2018-10&to=2018-12")
DOVER = "E07000108"


@pytest.fixture(scope="module")
def settings(tmp_path_factory, kent_stores) -> Settings:
    return kent_stores.copy(tmp_path_factory.mktemp("sheet-fit"))


@pytest.fixture(scope="module")
def renderer():
    with Renderer() as r:
        yield r


def _overlaps(pdf: bytes) -> list[str]:
    """Text lines of the printed page drawn over other lines (poppler's layout: each
    line's box, in points), the map's place labels included."""
    html = subprocess.run(
        ["pdftotext", "-bbox-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    lines = []
    for m in re.finditer(
        r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>',
        html,
        re.S,
    ):
        box = tuple(float(v) for v in m.groups()[:4])
        words = " ".join(re.findall(r">([^<]+)</word>", m.group(5)))
        lines.append((box, words))
    out = []
    for (a, wa), (b, wb) in itertools.combinations(lines, 2):
        dx = min(a[2], b[2]) - max(a[0], b[0])
        dy = min(a[3], b[3]) - max(a[1], b[1])
        if dx > 2 and dy > 2:  # more than a sliver: one line printed over another
            out.append(f"{wa!r} over {wb!r}")
    return out


def _sheet(settings, renderer, state, audience, paper="a4-landscape") -> bytes:
    ctx = AppContext.create(Store(settings.db_path), settings, audience)
    export = export_map(ctx, state, audience, "pdf", renderer=renderer, user="t", client="t",
                        paper=paper)  # fmt: skip
    return export.data


VIEWS = [
    (DECEMBER, Audience.RESTRICTED),
    (DECEMBER.go_to("district", DOVER), Audience.RESTRICTED),
    *[
        (replace(QUARTER, measure=m), a)
        for m in ("count", "hotspots", "change", "emerging")
        for a in Audience
    ],
    (QUARTER.go_to("district", DOVER), Audience.PUBLIC),
]


@pytest.mark.parametrize("paper", ["a4-landscape", "a4-portrait"])
def test_every_sheet_fits_its_page(settings, renderer, paper):
    wrong = []
    for state, audience in VIEWS:
        pdf = _sheet(settings, renderer, state, audience, paper)
        if renderer.unfitted:
            wrong.append(f"{state.to_query()} {audience}: the side does not fit")
        wrong += [f"{state.to_query()} {audience}: {o}" for o in _overlaps(pdf)]
    assert not wrong, wrong[:5]


def test_a_side_too_full_is_fitted_and_without_the_fitting_overlaps(
    settings, renderer, monkeypatch
):
    """The fitting itself: the December sheet with its longest caveat said twice needs more
    room than the side has. Fitted, nothing overlaps and nothing is left over; with the
    fitting switched off, the side runs over the footer."""
    real = _map_export.map_model

    def crowded(*args, **kwargs):
        model = real(*args, **kwargs)
        longest = max((n for n in model.notes if n.warn), key=lambda n: len(n.text))
        return replace(model, notes=(*model.notes, longest))

    monkeypatch.setattr(_map_export, "map_model", crowded)
    pdf = _sheet(settings, renderer, DECEMBER, Audience.RESTRICTED)
    assert renderer.unfitted == 0 and not _overlaps(pdf)
    monkeypatch.setattr(browser, "_FIT_SHEETS", "() => 0")
    pdf = _sheet(settings, renderer, DECEMBER, Audience.RESTRICTED)
    assert _overlaps(pdf)
