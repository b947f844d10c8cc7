"""Every output of a set of dashboard views, in one canonical form, for golden comparisons.

The map model (each piece's key, class, value, label and hover; legend; notes), the side panel,
the hot spot summary and the public hot spot classes and emerging categories, for both
audiences, several levels, measures, themes and periods. Recorded once with the code before a
change (``python -m tests.support.view_outputs OUT.json --store DB``) and compared with the code
after it: a change meant to be a speed-up only must leave every value the same.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
from datetime import date
from pathlib import Path

import numpy as np

from dashboard.state import ViewState
from dashboard.views import public_stats
from dashboard.views.context import AppContext
from dashboard.views.map_view import map_model
from dashboard.views.panel_view import hotspot_summary, panel_model
from dashboard.views.public import resolve_view
from dashboard.views.resolution import view_resolution
from geo.disclosure import Audience

MEASURES = ("count", "hotspots", "change", "emerging")
THEMES = (None, ("knife_crime",), ("county_lines", "modern_slavery"))


def canon(obj):
    """A JSON-able form of ``obj`` that differs whenever any value in it differs."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: canon(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return [[canon(k), canon(v)] for k, v in obj.items()]
    if isinstance(obj, (list, tuple)):
        return [canon(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return canon(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return repr(float(obj)) if not math.isnan(obj) else "nan"
    if isinstance(obj, date):
        return obj.isoformat()
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    return repr(obj)


def digest(obj) -> str:
    return hashlib.sha256(json.dumps(canon(obj), sort_keys=True).encode()).hexdigest()


def views(ctx: AppContext) -> list[tuple[str, ViewState]]:
    """The views compared: county, two districts and a division of each, every measure (at
    county and one district), three theme choices and two periods."""
    rows = ctx.store.fetch_rows(
        "SELECT code, parent_code FROM areas WHERE level = 'division' ORDER BY code"
    )
    districts = sorted({p for _, p in rows})
    picks = [districts[0], districts[len(districts) // 2]]
    areas = [(None, None)]
    for d in picks:
        areas.append((d, None))
        areas.append((d, next(c for c, p in rows if p == d)))
    months = [m for (m,) in ctx.store.fetch_rows("SELECT DISTINCT month FROM incidents ORDER BY 1")]
    periods = [(None, None), (months[-6], months[-4]), (months[0], months[2])]
    out = []
    for district, division in areas:
        level = "division" if division else "district" if district else "county"
        measures = MEASURES if level != "division" and district in (None, picks[0]) else ("count",)
        for themes in THEMES:
            for frm, to in periods:
                for measure in measures:
                    state = ViewState(
                        district=district,
                        division=division,
                        themes=themes,
                        month_from=frm,
                        month_to=to,
                        measure=measure,
                    )
                    name = f"{level}:{division or district}:{themes}:{frm}:{to}:{measure}"
                    out.append((name, state))
    return out


def record(ctx: AppContext) -> dict[str, dict[str, str]]:
    """For each view and audience, a digest of each output; the hot spot outputs once per
    view without its measure (they do not depend on it)."""
    out: dict[str, dict[str, str]] = {}
    for name, state in views(ctx):
        for audience in (Audience.PUBLIC, Audience.RESTRICTED):
            got = {"map": digest(map_model(ctx, state, audience))}
            if state.measure == "count":
                got["panel"] = digest(panel_model(ctx, state, audience))
                got["summary"] = digest(hotspot_summary(ctx, state, audience))
                if audience is Audience.PUBLIC:
                    got.update(_public_stats(ctx, state))
            out[f"{audience.value}:{name}"] = got
    return out


def _public_stats(ctx: AppContext, state: ViewState) -> dict[str, str]:
    resolved = resolve_view(ctx, state, Audience.PUBLIC)
    if resolved.month_from is None:
        return {}
    res = view_resolution(ctx, resolved, Audience.PUBLIC)
    gi = public_stats.public_hotspots(ctx, resolved, res)
    em = public_stats.public_emerging(ctx, resolved, res)
    return {"gi": digest(gi), "emerging": digest(em)}


def main() -> None:
    from geo import Settings, Store

    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("--store", type=Path, required=True)
    args = p.parse_args()
    settings = Settings(db_path=args.store, cookie_secure=False)
    ctx = AppContext.create(Store(args.store), settings)
    args.out.write_text(json.dumps(record(ctx), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
