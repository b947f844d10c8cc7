"""The statistics commands: columns, formats, notes on stderr, and clear errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest

from geo.filters import Filters
from geo.store import Store
from geo.store.queries.counts import hex_counts
from geo.themes import load_themes
from socmap.cli import EXIT_NO_DATA, main
from tests.support.synthetic import (
    MAIDSTONE,
    disk_polygon,
    insert_area,
    insert_incidents,
    points_in_cell,
)

CENTRE = h3i.latlng_to_cell(*MAIDSTONE, 8)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """Six months around Maidstone with a weapons cluster; one location is hostile text."""
    path = tmp_path_factory.mktemp("cli") / "socmap.duckdb"
    store = Store(path)
    insert_area(store, "district", "E07000110", "Maidstone", disk_polygon(MAIDSTONE, 5))
    rng = np.random.default_rng(9)
    rows = []
    for m in range(1, 7):
        for cell in h3i.grid_disk(CENTRE, 5):
            near = h3i.grid_distance(cell, CENTRE) <= 1
            k = rng.poisson(5 if near else 0.3)
            if k:
                lat, lon = points_in_cell(h3i.int_to_str(cell), k, rng)
                rows += [(date(2018, m, 1), a, b) for a, b in zip(lat, lon, strict=True)]
    frame = pd.DataFrame(rows, columns=["month", "latitude", "longitude"])
    frame["category"] = "Possession of weapons"
    frame["district"] = "E07000110"
    frame["location"] = "On or near High Street"
    frame.loc[frame.index[:3], "location"] = "=HYPERLINK(evil)"
    insert_incidents(store, frame)
    store.close()
    return path


def _run(db, *args, capsys) -> tuple[int, str, str]:
    code = main(["--db", str(db), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_hexes_csv_and_json(db, capsys):
    code, out, _ = _run(db, "hexes", "--res", "7", "--theme", "knife_crime", capsys=capsys)
    assert code == 0
    assert out.splitlines()[0] == "cell,count"
    expected = hex_counts(Store(db), Filters(themes=("knife_crime",)), 7, load_themes())
    assert {r["cell"]: int(r["count"]) for r in _csv(out)} == dict(
        zip(expected["cell_hex"].to_pylist(), expected["count"].to_pylist(), strict=True)
    )
    code, out, _ = _run(
        db, "hexes", "--res", "9", "--from", "2018-03", "--format", "json", capsys=capsys
    )
    payload = json.loads(out)
    assert payload["resolution"] == 9 and payload["filters"]["month_from"] == "2018-03"
    assert payload["total"] == sum(c["count"] for c in payload["cells"])


def test_hotspots_columns_places_and_csv_safety(db, capsys):
    code, out, err = _run(db, "hotspots", "--res", "8", capsys=capsys)
    # At most the note on what the test cannot find on this map; nothing to warn about.
    assert code == 0 and all(line.startswith("socmap: note: ") for line in err.splitlines())
    header = out.splitlines()[0].split(",")
    assert header[:6] == ["cell", "count", "gi_z", "gi_p", "gi_q", "class"]
    rows = _csv(out)
    assert rows and all(r["class"] != "not_significant" for r in rows)
    assert rows[0]["cell"] == h3i.int_to_str(CENTRE) or rows[0]["class"] == "hot_99"
    assert all(r["district_name"] == "Maidstone" for r in rows if r["class"].startswith("hot"))
    assert not any(r["location"].startswith("=") for r in rows)
    _, everything, _ = _run(db, "hotspots", "--res", "8", "--all", capsys=capsys)
    assert len(_csv(everything)) > len(rows)
    code, out, _ = _run(
        db, "hotspots", "--res", "8", "--test", "normal", "--format", "json", capsys=capsys
    )
    payload = json.loads(out)
    assert code == 0 and payload["test"] == "normal" and payload["class_by"] == "q"


def test_emerging_change_and_evaluate(db, capsys):
    code, out, err = _run(db, "emerging", "--res", "8", capsys=capsys)
    assert code == 0
    assert out.splitlines()[0].startswith("cell,count,category,label,hot_months")
    # Six months: ArcGIS requires ten; the warning is on standard error, marked as one.
    assert "socmap: warning: only 6 months: ArcGIS Pro's Emerging Hot Spot Analysis " in err
    assert "requires at least 10 time steps" in err
    code, out, err = _run(
        db, "emerging", "--res", "8", "--steps-back", "0", "--format", "json", capsys=capsys
    )
    payload = json.loads(out)
    assert payload["steps_back"] == 0 and payload["test"] == "exact"
    assert len(payload["warnings"]) == 1 and "socmap: warning: only 6 months" in err
    code, _, err = _run(db, "emerging", "--res", "8", "--steps-back", "-1", capsys=capsys)
    assert code == 2 and "steps back -1" in err
    code, out, _ = _run(db, "change", "--res", "8", capsys=capsys)
    rows = _csv(out)
    assert rows[0]["level"] == "county" and rows[0]["name"] == "Kent and Medway"
    code, out, _ = _run(
        db,
        "change",
        "--res",
        "8",
        "--by",
        "cell",
        "--from",
        "2018-04",
        "--to",
        "2018-06",
        "--format",
        "json",
        capsys=capsys,
    )
    payload = json.loads(out)
    assert payload["previous_period"] == ["2018-01", "2018-03"]
    assert {"cell", "current", "previous", "label", "q"} <= set(payload["rows"][0])
    code, out, _ = _run(db, "evaluate", "--res", "8", "--train-months", "2", capsys=capsys)
    assert code == 0
    summary = _csv(out)
    assert [r["method"] for r in summary] == ["counts", "gi_star", "kernel", "last_month"]
    assert all(int(r["folds"]) == 4 for r in summary)


def test_a_backtest_with_too_few_months_exits_4_not_0(db, capsys):
    """Too few months for one fold: nothing was evaluated, and a script must not read a bare
    header and exit 0 as success; --allow-empty writes the empty result on purpose."""
    code, out, err = _run(db, "evaluate", "--res", "8", "--train-months", "12", capsys=capsys)
    assert code == 4 and out == ""
    (line,) = [x for x in err.splitlines() if "a backtest needs at least 13" in x]
    assert "--allow-empty" in line
    args = ("evaluate", "--res", "8", "--train-months", "12", "--allow-empty")
    code, out, _ = _run(db, *args, capsys=capsys)
    assert code == 0 and _csv(out) == []


def test_bad_options_are_one_line_errors(db, capsys):
    code, _, err = _run(db, "evaluate", "--res", "8", "--coverage", "3", capsys=capsys)
    assert code == 2 and "coverage is a share" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(db), "hexes", "--res", "11"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_unknown_category_or_source_warns_and_unknown_area_is_an_error(db, capsys):
    code, out, err = _run(
        db, "hexes", "--res", "8", "--category", "possession of weapon", capsys=capsys
    )
    # No loaded source can report the category: no data (exit 4), not an empty table.
    assert code == EXIT_NO_DATA and out == ""
    assert err.strip().splitlines() == [
        "socmap: warning: no incidents have category 'possession of weapon' "
        "(did you mean 'Possession of weapons'?)",
        "socmap: no data: no loaded source can report possession of weapon (data loaded: "
        "2018-01 to 2018-06 (police-uk))",
    ]
    code, out, err = _run(
        db, "hexes", "--res", "8", "--category", "possession of weapon", "--allow-empty",
        capsys=capsys,
    )  # fmt: skip
    assert code == 0 and out.splitlines() == ["cell,count"]
    code, out, err = _run(db, "hotspots", "--res", "8", "--source", "police", capsys=capsys)
    assert code == EXIT_NO_DATA and "source 'police' (did you mean 'police-uk'?)" in err
    # Known values say nothing.
    code, _, err = _run(
        db, "hexes", "--res", "8", "--category", "Possession of weapons", capsys=capsys
    )
    assert code == 0 and err == ""
    for command in ("hexes", "hotspots", "emerging", "change", "evaluate"):
        code, out, err = _run(db, command, "--res", "8", "--district", "E07000111", capsys=capsys)
        assert code == 2 and out == "", command
        assert err.strip() == (
            "socmap: error: unknown district E07000111: no such district is loaded "
            "(did you mean E07000110, Maidstone?)"
        )
    code, _, err = _run(db, "hexes", "--res", "8", "--division", "E58000720", capsys=capsys)
    assert code == 2 and "no division boundaries are loaded" in err
