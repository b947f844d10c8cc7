"""No area name is dropped from a paper map (issue 18: Dartford, Gravesham and Deal & Walmer
were left off): every district on the county map and every division on each district's map is
named, inside its area or beside it with a leader line. Checked in the PDF's own text, on a
store without context data (so a town label cannot stand in for a district's name)."""

from __future__ import annotations

import re

import pytest

from dashboard.export import Renderer, export_map
from dashboard.export._labels import two_lines
from dashboard.state import ViewState
from dashboard.views.context import AppContext
from geo.disclosure import Audience
from geo.store import Store
from tests.support.export_check import pdf_text

pytestmark = pytest.mark.shared_data

PERIOD = "from=2025-11&to=2026-10"


@pytest.fixture(scope="module")
def renderer():
    with Renderer() as r:
        yield r


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w&]+", " ", text).split())


@pytest.mark.parametrize("where", [None, "E07000108", "E07000109", "E07000107"])
def test_every_area_name_is_printed(dashboard_store, renderer, where):
    store = Store(dashboard_store.db_path)
    if where is None:
        names = [r[0] for r in store.fetch_rows("SELECT name FROM areas WHERE level='district'")]
        query = f"?{PERIOD}"
    else:
        names = [
            r[0]
            for r in store.fetch_rows(
                "SELECT name FROM areas WHERE level='division' AND parent_code = ?", [where]
            )
        ]
        query = f"?d={where}&{PERIOD}"
    store.close()
    ctx = AppContext.create(Store(dashboard_store.db_path), dashboard_store, Audience.RESTRICTED)
    out = export_map(
        ctx, ViewState.from_query(query), Audience.RESTRICTED, "pdf", renderer=renderer,
        user="t", client="t",
    )  # fmt: skip
    text = _words(pdf_text(out.data))
    # A long name may be printed on two lines (two_lines): each line must be there.
    missing = [
        n for n in names
        if _words(n) not in text
        and not all(_words(part) in text for part in (two_lines(n) or (n,)))
    ]  # fmt: skip
    assert not missing, missing
