"""The folders of socmap's data packages, wherever socmap is installed.

Two of the design's top-level folders are installed as packages (pyproject.toml's
``package-dir``): ``assets/`` (the dashboard's CSS) as ``dashboard.assets`` and
``data/boundaries/`` (the manifest of boundary sources) as ``geo.data.boundaries``. In a wheel
they sit inside their parent package; in a checkout they stay where the design puts them, and an
editable install's import hook maps the package names to them. The import system knows both
places, so code asks it rather than counting ``parents`` of ``__file__``.

Each folder holds an empty ``__init__.py``: setuptools' editable hook finds a mapped package
only by it, and a namespace package's path in an editable install carries an entry that is not
a folder, which :mod:`importlib.resources` on Python 3.11 refuses. The package is located,
never imported, so no ``__pycache__`` appears among the files Dash serves.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_folder(name: str) -> Path:
    """The folder of data package ``name`` (e.g. ``"dashboard.assets"``)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"socmap's data package {name} is missing: reinstall socmap")
    return Path(spec.origin).parent
