"""The dashboard's downloads: each button gives the current view in its app's audience, is
audited with who asked, and the restricted app's downloads answer no one without a session."""

from __future__ import annotations

import base64
import io
import json
import re

import pandas as pd
import pytest

from dashboard import ids
from dashboard.app import create_app
from dashboard.export import DOWNLOADS, Renderer, export_view
from dashboard.views.context import AppContext
from geo.accounts import Accounts
from geo.disclosure import Audience, DisclosurePolicy
from geo.settings import Settings
from geo.store import Store
from tests.support.dashclient import download_body
from tests.support.export_check import pdf_text
from tests.support.export_store import DIST_A, PERIOD, fill_export_store
from tests.support.signin import sign_in

QUERY = f"?d={DIST_A}&from={PERIOD[0]}&to={PERIOD[1]}"


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    # Many anonymous downloads from one test client: the per-client limit is tested on its
    # own (tests/integration/test_security_http.py).
    s = Settings(
        db_path=tmp_path_factory.mktemp("downloads") / "socmap.duckdb",
        cookie_secure=False,
        anonymous_export_limit=10000,
    )
    fill_export_store(Store(s.db_path))
    return s


def test_a_public_download_through_the_app_is_public_and_audited(settings):
    app = create_app(Store(settings.db_path), settings)
    client = app.server.test_client()
    response = client.post("/_dash-update-component", json=download_body("csv", QUERY))
    assert response.status_code == 200, response.text
    sent = response.get_json()["response"][ids.DOWNLOAD_FILE]["data"]
    assert sent["filename"].endswith("-official.csv")
    data = base64.b64decode(sent["content"])
    table = pd.read_csv(io.BytesIO(data))
    assert set(table["marking"]) == {"OFFICIAL"}
    k = DisclosurePolicy.from_settings(settings).k
    counts = table["count"].dropna()
    assert not ((counts >= 1) & (counts < k)).any()
    entry = Accounts.from_settings(settings).read(event="export", limit=1)[0]
    assert entry.user == "anonymous" and entry.detail["format"] == "csv"
    assert entry.detail["audience"] == "public" and f"d={DIST_A}" in entry.detail["view"]


@pytest.mark.parametrize(
    "query",
    [
        QUERY,
        f"{QUERY}&res=10",
        f"{QUERY}&theme=modern_slavery&m=hotspots",
        f"?from={PERIOD[0]}&to={PERIOD[1]}&cat=modern_slavery&cat=Drugs&res=9",
    ],
)
@pytest.mark.parametrize("kind", ["csv", "geojson"])
def test_public_downloads_over_http_hold_no_small_counts_ids_or_points(settings, query, kind):
    client = create_app(Store(settings.db_path), settings).server.test_client()
    response = client.post("/_dash-update-component", json=download_body(kind, query))
    assert response.status_code == 200
    data = base64.b64decode(response.get_json()["response"][ids.DOWNLOAD_FILE]["data"]["content"])
    assert b"INC-" not in data and b"Secret Lane" not in data
    policy = DisclosurePolicy.from_settings(settings)
    if kind == "csv":
        table = pd.read_csv(io.BytesIO(data))
        counts = table["count"].dropna()
        assert not ((counts >= 1) & (counts < policy.k)).any()
        assert table["resolution"].dropna().max() <= policy.max_res
    else:
        doc = json.loads(data)
        assert {f["geometry"]["type"] for f in doc["features"]} <= {"Polygon", "MultiPolygon"}
        counts = [f["properties"]["count"] for f in doc["features"]]
        assert not [c for c in counts if c is not None and 1 <= c < policy.k]


def test_the_sign_in_page_is_marked_and_leads_back_to_the_public_view(settings):
    client = create_app(Store(settings.db_path), settings).server.test_client()
    page = client.get("/login?next=/restricted/").get_data(as_text=True)
    banners = re.findall(r"<div class='banner'>([^<]*)</div>", page)
    assert len(banners) == 2 and all(b.startswith("OFFICIAL:") for b in banners)
    assert page.index(banners[0]) < page.index("<form") < page.rindex(banners[1])
    assert "<a href='/'>Back to the public view (Part 1)</a>" in page


def test_restricted_downloads_answer_no_one_without_an_analysts_session(settings):
    app = create_app(Store(settings.db_path), settings)
    client = app.server.test_client()
    response = client.post("/restricted/_dash-update-component", json=download_body("csv", QUERY))
    assert response.status_code == 401
    assert b"OFFICIAL-SENSITIVE" not in response.data


def test_an_analysts_restricted_download_is_exact_and_names_the_analyst(settings):
    accounts = Accounts.from_settings(settings)
    accounts.add_user("dana", "analyst", "a long enough password", by="test", client="t")
    client = create_app(Store(settings.db_path), settings).server.test_client()
    sign_in(client, "dana", "a long enough password")
    response = client.post("/restricted/_dash-update-component", json=download_body("csv", QUERY))
    assert response.status_code == 200
    sent = response.get_json()["response"][ids.DOWNLOAD_FILE]["data"]
    assert sent["filename"].endswith("-official-sensitive.csv")
    entry = accounts.read(event="export", limit=1)[0]
    assert entry.user == "dana" and entry.detail["audience"] == "restricted"


@pytest.mark.parametrize("audience", list(Audience))
def test_every_download_kind_gives_its_file_in_the_apps_audience(settings, audience):
    ctx = AppContext.create(Store(settings.db_path), settings, audience)
    marking = DisclosurePolicy.marking(audience)
    before = len(Accounts.from_settings(settings).read(event="export", limit=0))
    with Renderer() as r:
        for kind in DOWNLOADS:
            out = export_view(ctx, kind, QUERY, user="ana", client="t", renderer=r)
            assert out.info.marking == marking
            assert out.info.audience == str(audience)
            expected = {
                "map-pdf": b"%PDF",
                "briefing": b"%PDF",
                "map-png": b"\x89PNG",
                "gpkg": b"SQLite format 3",
            }.get(kind)
            if expected:
                assert out.data.startswith(expected), kind
            if kind == "briefing":
                assert "6.1 Maidstone" in pdf_text(out.data)
    after = Accounts.from_settings(settings).read(event="export", limit=0)
    assert len(after) == before + len(DOWNLOADS)
    assert {e.detail["kind"] for e in after[: len(DOWNLOADS)]} == {
        "map",
        "table",
        "layers",
        "briefing",
    }


def test_an_unknown_download_is_refused(settings):
    ctx = AppContext.create(Store(settings.db_path), settings, Audience.PUBLIC)
    with pytest.raises(ValueError, match="download 'xlsx'"):
        export_view(ctx, "xlsx", QUERY, user="a", client="t")
