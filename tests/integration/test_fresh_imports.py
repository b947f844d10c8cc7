"""Each core package imported first, in a process of its own (a process each: seconds)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_every_core_package_imports_first_in_a_fresh_process():
    """A cycle between sub-packages shows only when one of them is imported first (``from
    geo.demo import load_demo`` failed so, through geo.areas -> geo.ingest -> geo.areas): each
    package, first in its own process, resolves all its public names."""
    import pkgutil

    import geo

    packages = ["geo"] + [m.name for m in pkgutil.walk_packages(geo.__path__, "geo.") if m.ispkg]
    code = (
        "import importlib, sys\n"
        "m = importlib.import_module(sys.argv[1])\n"
        "for name in getattr(m, '__all__', ()):\n"
        "    if not hasattr(m, name):  # a sub-module listed in __all__ (geo.store.queries)\n"
        "        importlib.import_module(f'{sys.argv[1]}.{name}')\n"
    )
    runs = {
        name: subprocess.Popen(
            [sys.executable, "-c", code, name], stderr=subprocess.PIPE, text=True
        )
        for name in packages
    }
    failed = {name: run.communicate()[1].strip().splitlines()[-1:] for name, run in runs.items()}
    assert {name: err for name, err in failed.items() if runs[name].returncode} == {}
