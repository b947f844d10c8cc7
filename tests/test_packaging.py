"""An installed socmap (not an editable checkout) carries what it reads at run time: the
dashboard's CSS from the top-level assets/ folder, the export templates and geo's data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_a_build_carries_the_css_templates_and_data(tmp_path):
    pytest.importorskip("setuptools", reason="setuptools builds the package")
    build = tmp_path / "lib"
    # build_py is the step of a wheel build that lays out the package's files (what
    # `pip install .` installs); it runs in a second, with no network.
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(build)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    css = sorted(p.name for p in (ROOT / "assets").iterdir())
    assert css and sorted(p.name for p in (build / "dashboard" / "assets").iterdir()) == css
    for name in css:
        assert (build / "dashboard" / "assets" / name).read_bytes() == (
            ROOT / "assets" / name
        ).read_bytes()
    assert (build / "dashboard" / "export" / "templates" / "print.css").is_file()
    assert (build / "geo" / "data" / "themes.toml").is_file()
    # The installed app looks in its own package first.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import dashboard.app as a; print(a.ASSETS)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(build)], check=True, capture_output=True, text=True
    )
    assert Path(out.stdout.strip()) == build / "dashboard" / "assets"


def test_the_checkout_serves_the_top_level_assets():
    from dashboard.app import ASSETS

    assert ASSETS == ROOT / "assets" and (ASSETS / "style.css").is_file()


@pytest.mark.slow
def test_the_build_uses_no_deprecated_setuptools_feature(tmp_path):
    """`pip install .` builds a wheel with the build-system's setuptools: no deprecation
    warning (the licence table was one, with a date after which builds stop working)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(tmp_path), "-v"],
        cwd=ROOT,
        check=False,  # a failure is reported below, with pip's own words
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0 and "No matching distribution" in done.stderr + done.stdout:
        pytest.skip("no package index to fetch setuptools from")
    assert done.returncode == 0, done.stderr[-2000:]
    log = done.stdout + done.stderr
    assert "deprecated" not in log.lower(), [
        line for line in log.splitlines() if "deprecat" in line.lower()
    ]
    assert list(tmp_path.glob("socmap-*.whl"))
