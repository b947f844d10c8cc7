"""Public names of a sub-package, imported from its private modules on first use.

Each sub-package's ``__init__`` lists what it offers (``__all__``) and which of its private
modules defines each name, and installs :func:`exports`' ``__getattr__``. Nothing is
imported until a name is used, for two reasons: the command line starts without scipy,
pandas or geopandas until a command needs them (about a second between them), and
sub-packages that use each other (the grid reads area shapes through the store's queries;
the store's upgrade computes cells with the grid) never import in a circle.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def exports(
    package: str, modules: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public names are ``modules``:
    {private module (relative, "._file"): names it defines}."""
    where = {name: module for module, names in modules.items() for name in names}
    namespace = sys.modules[package].__dict__

    def getattr_(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value  # later look-ups find it without coming here
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *where})

    return getattr_, dir_
