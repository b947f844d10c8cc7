"""An installed socmap (a wheel, not an editable checkout) carries what it reads at run time and
works: the dashboard's CSS (top-level assets/), the boundary manifest (data/boundaries/), the
export templates and geo's data; it fetches boundaries into the user's cache folder, never
into the install tree, and serves its page.

The wheel is built without network (``--no-build-isolation``, with the setuptools the test
extra pins) and installed into a fresh venv with ``--no-index --no-deps``; the dependencies
come from this venv's site-packages through a ``.pth`` line, after the fresh venv's own, so
the code that runs is the installed copy (the test checks it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.support.serve import free_port

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_package_list_names_every_package_folder():
    """pyproject.toml lists its packages (to map the two top-level data folders into them):
    a new sub-package missing from the list would be left out of every install."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(folder.relative_to(ROOT).parts)
        for top in ("geo", "dashboard", "socmap")
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]
        if folder.is_dir()
        and folder.name != "__pycache__"
        and any(p.is_file() and p.name != ".gitkeep" for p in folder.iterdir())
    }
    mapped = set(PYPROJECT["tool"]["setuptools"]["package-dir"])
    assert listed == found | mapped
    assert mapped == {"dashboard.assets", "geo.data.boundaries"}


def test_the_checkout_serves_the_top_level_folders():
    from dashboard.app import ASSETS
    from geo.areas.boundaries._manifest import DEFAULT_MANIFEST

    assert ASSETS == ROOT / "assets" and (ASSETS / "style.css").is_file()
    assert DEFAULT_MANIFEST == ROOT / "data" / "boundaries" / "manifest.toml"


def test_the_default_download_cache_is_the_users_not_the_install_tree(tmp_path):
    from geo.settings import Settings, user_cache_dir

    assert user_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "socmap"
    assert user_cache_dir({}) == Path.home() / ".cache" / "socmap"
    env = {"SOCMAP_CACHE_DIR": str(tmp_path / "c")}
    assert Settings.from_env(env).cache_dir == tmp_path / "c"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """socmap's wheel, built offline with the pinned setuptools; warnings must be none."""
    import setuptools

    wanted = next(
        Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")
    )
    assert Version(setuptools.__version__) in wanted.specifier, (
        f"this venv's setuptools {setuptools.__version__} is not the build's {wanted}"
    )
    out = tmp_path_factory.mktemp("wheel")
    # A copy of what the build reads: setuptools builds in the source tree (build/, *.egg-info).
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    skip = shutil.ignore_patterns("__pycache__", "cache", "*.duckdb*")
    for name in ("geo", "dashboard", "socmap", "assets", "data/boundaries"):
        shutil.copytree(ROOT / name, source / name, ignore=skip)
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "-w",
            str(out),
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-v",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "default"},
        check=False,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    log = build.stdout + build.stderr
    # setuptools announces what it will stop supporting as SetuptoolsDeprecationWarning (and,
    # through pip, BuildBackendWarning): the project must use none of it.
    assert not re.search(r"DeprecationWarning|BuildBackendWarning|deprecated", log), log[-3000:]
    (path,) = out.glob("socmap-*.whl")
    return path


@pytest.mark.slow
def test_the_wheel_carries_the_data_and_a_spdx_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (
        "dashboard/assets/style.css",
        "geo/data/boundaries/manifest.toml",
        "dashboard/export/templates/print.css",
        "dashboard/vendor/plotly-basic.min.js",
        "geo/data/themes.toml",
    ):
        assert path in names
    assert not any("/cache/" in n for n in names)
    for name in (ROOT / "assets").iterdir():
        if name.is_file():
            assert zipfile.ZipFile(wheel).read(f"dashboard/assets/{name.name}") == (
                name.read_bytes()
            )
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    assert "License-Expression: LicenseRef-KCC-Proprietary AND OGL-UK-3.0" in text
    assert "License-File: LICENSE" in text


@pytest.mark.slow
def test_an_installed_socmap_fetches_boundaries_and_serves(wheel, tmp_path, shared_data):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # This venv's dependencies, after the fresh venv's own packages on sys.path.
    (site / "zz_socmap_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-index",
            "--no-deps",
            "--quiet",
            str(wheel),
        ],
        check=True,
    )
    home = tmp_path / "home"
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "SOCMAP_DB": str(tmp_path / "data" / "socmap.duckdb"),
        "SOCMAP_PREPARE_PUBLIC": "0",
        "SOCMAP_COOKIE_SECURE": "0",
    }
    where = subprocess.run(
        [
            python,
            "-c",
            "import geo, dashboard.app as a; from geo.areas.boundaries._manifest "
            "import DEFAULT_MANIFEST as m; print(geo.__file__, a.ASSETS, m, sep='\\n')",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    geo_file, assets, manifest = (Path(line) for line in where.stdout.split())
    assert geo_file.is_relative_to(site) and assets == site / "dashboard" / "assets"
    assert manifest == site / "geo" / "data" / "boundaries" / "manifest.toml"

    (tmp_path / "data").mkdir()
    fetch = subprocess.run(
        [
            venv / "bin" / "socmap",
            "boundaries",
            "fetch",
            "--from",
            str(shared_data / "boundaries"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert fetch.returncode == 0, fetch.stderr
    assert "division: 72 areas" in fetch.stdout, fetch.stdout
    before = sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts)

    port = free_port()
    server = subprocess.Popen(
        [venv / "bin" / "socmap", "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
                    status, body = page.status, page.read().decode()
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/assets/style.css", timeout=10
                ) as css:
                    served_css = css.read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        log = server.communicate(timeout=30)[0].decode(errors="replace")
    assert status == 200, log
    assert "/assets/style.css" in body
    assert served_css == (ROOT / "assets" / "style.css").read_bytes()
    after = sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts)
    assert after == before, "the install tree changed while socmap ran"
