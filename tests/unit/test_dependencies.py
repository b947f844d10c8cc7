"""What socmap needs at run time is what pyproject.toml installs: every third-party module the
product imports (geo/, dashboard/, socmap/) comes from a runtime dependency or one of theirs
(or from a product extra, such as `clickhouse`, that only the feature needing it imports), and
the reference implementations the tests check the statistics against (esda, libpysal) are
test dependencies only.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OURS = {"geo", "dashboard", "socmap"}


def _name(requirement: str) -> str:
    return metadata.distribution(Requirement(requirement).name).metadata["Name"].lower()


def _installed_with(names: set[str]) -> set[str]:
    """The distributions installing ``names`` brings (their requirements, transitively, without
    optional extras)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for raw in metadata.distribution(name).requires or ():
            req = Requirement(raw)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(metadata.distribution(req.name).metadata["Name"].lower())
    return seen


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_esda_and_libpysal_are_test_dependencies_only():
    runtime = {_name(r) for r in PROJECT["dependencies"]}
    test = {_name(r) for r in PROJECT["optional-dependencies"]["test"]}
    assert {"esda", "libpysal"} <= test
    assert not {"esda", "libpysal"} & _installed_with(runtime)


# Extras for people, not for the product: their libraries must never be imported by it.
NOT_PRODUCT_EXTRAS = {"test", "bench"}


def test_every_module_the_product_imports_is_installed_at_run_time():
    wanted = {_name(r) for r in PROJECT["dependencies"]}
    for extra, requirements in PROJECT["optional-dependencies"].items():
        if extra not in NOT_PRODUCT_EXTRAS:
            wanted |= {_name(r) for r in requirements}
    runtime = _installed_with(wanted)
    providers = metadata.packages_distributions()
    missing = {}
    for package in sorted(OURS):
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in _imported_modules(path) - OURS - set(sys.stdlib_module_names):
                dists = {d.lower() for d in providers.get(module, [])}
                if not dists & runtime:
                    missing.setdefault(module, []).append(str(path.relative_to(ROOT)))
    assert not missing, f"imported but not a runtime dependency: {missing}"


def test_the_check_finds_an_import_of_a_test_only_library(tmp_path):
    """The check above, shown to find the offence it guards against."""
    (tmp_path / "m.py").write_text("import esda\nfrom libpysal.weights import W\n")
    runtime = _installed_with({_name(r) for r in PROJECT["dependencies"]})
    providers = metadata.packages_distributions()
    found = {
        m
        for m in _imported_modules(tmp_path / "m.py")
        if not {d.lower() for d in providers.get(m, [])} & runtime
    }
    assert found == {"esda", "libpysal"}
