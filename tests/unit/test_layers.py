"""The rooms keep to themselves: the dashboard and the command line hold no SQL and never open
the store; every read goes through the query layer (geo.store.queries).

The check reads the source (every module, walked, not listed, so a new one is checked too): no
``import duckdb``, no store read called directly (``.fetch_rows(``, ``.fetch(``,
``.reading(``, ``.execute(``, ``.sql(``), and no string that reads as a SQL statement.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI = ("dashboard", "socmap")

# A statement word followed, anywhere later in the same string, by the word that makes it a
# statement: "SELECT ... FROM", "INSERT INTO", "UPDATE ... SET", "DELETE FROM", "CREATE TABLE".
# Upper case, as socmap writes SQL: "Select an area from the map" is a sentence, not a query.
_SQL = re.compile(
    r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\b[\s\S]*\bSET|DELETE\s+FROM|"
    r"CREATE\b[\s\S]*\b(TABLE|VIEW|MACRO|INDEX))\b"
)
_STORE_CALLS = ("fetch_rows", "fetch", "reading", "execute", "executemany", "sql")


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _problems(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "duckdb" for a in node.names
        ):
            found.append(f"{where}: imports duckdb")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "duckdb":
            found.append(f"{where}: imports from duckdb")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _STORE_CALLS
        ):
            found.append(
                f"{where}: calls .{node.func.attr}( (a store read belongs in geo.store.queries)"
            )
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and _SQL.search(node.value)
        ):
            found.append(f"{where}: a SQL statement in a string: {node.value[:60]!r}")
        elif isinstance(node, ast.JoinedStr):  # an f-string: its literal parts together
            text = "".join(
                part.value if isinstance(part, ast.Constant) else " x " for part in node.values
            )
            if _SQL.search(text):
                found.append(f"{where}: a SQL statement in an f-string: {text[:60]!r}")
    return found


@pytest.mark.parametrize("package", UI)
def test_the_ui_and_the_command_line_hold_no_sql_and_never_open_the_store(package):
    modules = _modules(package)
    assert len(modules) > 10  # the walk found the package
    problems = [p for path in modules for p in _problems(path)]
    assert problems == []


def _each_offence(offences: dict[str, str], check, folder: Path):
    """Each offence's code written into a module of its own under ``folder``:
    (code, the words the finding must hold, what ``check`` found in it)."""
    for i, (code, words) in enumerate(offences.items()):
        path = folder / f"m{i}.py"
        path.write_text(code, encoding="utf-8")
        yield code, words, check(path, folder)


def test_the_check_finds_each_kind_of_offence(tmp_path):
    """The check is not vacuous: each offence, written into a module, is found."""
    offences = {
        "import duckdb\n": "imports duckdb",
        "from duckdb import connect\n": "imports from duckdb",
        "rows = store.fetch_rows('x')\n": "calls .fetch_rows(",
        "t = ctx.store.fetch('x')\n": "calls .fetch(",
        "with store.reading() as con:\n    pass\n": "calls .reading(",
        "q = 'SELECT code FROM areas'\n": "a SQL statement in a string",
        "q = f'SELECT {c} FROM incidents WHERE x'\n": "a SQL statement in an f-string",
        "q = 'DELETE FROM quarantine'\n": "a SQL statement in a string",
        "q = '''\n  UPDATE meta\n  SET value = 1'''\n": "a SQL statement in a string",
        "q = 'CREATE TEMP TABLE t AS x'\n": "a SQL statement in a string",
    }
    for code, words, problems in _each_offence(offences, _problems, tmp_path):
        assert len(problems) == 1 and words in problems[0], (code, problems)
    innocent = tmp_path / "fine.py"
    innocent.write_text(
        '"""SELECT name FROM areas, in a docstring: words about a query, not a query."""\n'
        "label = 'Select an area from the map, then update the settings'\n",
        encoding="utf-8",
    )
    assert _problems(innocent, tmp_path) == []


def _core_packages() -> list[str]:
    import pkgutil

    import geo

    found = pkgutil.walk_packages(geo.__path__, "geo.")
    return ["geo", *sorted(m.name for m in found if m.ispkg)]


@pytest.mark.parametrize("package", _core_packages())
def test_every_public_name_of_every_core_package_resolves(package):
    """Each sub-package of geo lists its public names (``__all__``) and exports them from
    private modules on first use: every listed name must be there when the package is the
    FIRST thing a process imports (a command, a worker or a test may start anywhere; an import
    cycle between packages shows only in some orders)."""
    code = (
        "import importlib\n"
        f"module = importlib.import_module({package!r})\n"
        "print([a for a in getattr(module, '__all__', ()) if not hasattr(module, a)])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_there_are_core_packages_to_check():
    assert len(_core_packages()) >= 10  # geo and its sub-packages (store, queries, grid, ...)


def test_opening_the_store_imports_no_statistics_or_geopandas():
    """The command line starts fast: the store, settings and the query layer's package load
    without scipy, pandas or geopandas (the statistics and boundaries load on first use)."""
    code = (
        "import sys\n"
        "from geo import Settings, Store\n"
        "import geo.store, geo.grid, geo.areas, geo.stats, geo.store.queries, socmap.cli\n"
        "print(sorted(m for m in ('scipy', 'pandas', 'geopandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _test_imports(path: Path) -> list[str]:
    """Imports of a test module (``tests.test_*``, in any test folder) or of a benchmark."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and n.level == 0
    ]
    return [
        name
        for name in names
        if name.split(".")[0] == "benchmarks"
        or (name.split(".")[0] == "tests" and name.split(".")[-1].startswith("test_"))
    ]


def test_no_test_imports_another_test_or_a_benchmark(tmp_path):
    """Helpers shared by tests (and by the benchmarks: the Dash client) live in tests/support;
    a test module is never imported by another, and tests never import benchmarks."""
    found = {
        str(path.relative_to(ROOT)): bad
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if (bad := _test_imports(path))
    }
    assert found == {}
    offender = tmp_path / "test_x.py"
    offender.write_text("from tests.test_gistar import x\nimport benchmarks._serve\n")
    assert _test_imports(offender) == ["benchmarks._serve", "tests.test_gistar"]


def test_every_test_module_is_in_the_folder_of_its_lane():
    """The folder is the lane (tests/conftest.py marks by it): a test module outside unit/,
    integration/ or browser/ would run in no lane's command but the full one."""
    tests = ROOT / "tests"
    stray = sorted(
        str(p.relative_to(tests))
        for p in tests.rglob("test_*.py")
        if p.relative_to(tests).parts[0] not in ("unit", "integration", "browser")
    )
    assert stray == []


# The shared dashboard pieces: the audience is chosen once, by the page module that builds
# an app (dashboard/pages/); these take what differs between the pages as options.
SHARED_PAGE_PIECES = ("dashboard/features", "dashboard/layout.py", "dashboard/app.py")


def _audience_choices(path: Path, root: Path = ROOT) -> list[str]:
    """Where a module decides by audience: it names ``Audience`` (imports it, compares with
    it) or compares something's ``.audience``. Passing ``ctx.audience`` on to a view (whose
    figures depend on it) is not a decision, and is allowed."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and any(a.name == "Audience" for a in node.names):
            found.append(f"{where}: imports Audience")
        elif isinstance(node, ast.Name) and node.id == "Audience":
            found.append(f"{where}: uses Audience")
        elif isinstance(node, ast.Compare) and any(
            isinstance(side, ast.Attribute) and side.attr == "audience"
            for side in (node.left, *node.comparators)
        ):
            found.append(f"{where}: compares .audience")
    return found


def test_the_shared_dashboard_pieces_never_choose_by_audience():
    paths = [
        p
        for piece in SHARED_PAGE_PIECES
        for p in ([ROOT / piece] if piece.endswith(".py") else _modules(piece))
    ]
    assert len(paths) > 6  # the walk found the features
    assert [p for path in paths for p in _audience_choices(path)] == []


def test_the_audience_check_finds_each_kind_of_choice(tmp_path):
    offences = {
        "from geo.disclosure import Audience\n": "imports Audience",
        "if ctx.audience is Audience.PUBLIC:\n    pass\n": "uses Audience",
        "public = ctx.audience == 'public'\n": "compares .audience",
        "x = 'a' if 'public' != ctx.audience else 'b'\n": "compares .audience",
    }
    for code, words, problems in _each_offence(offences, _audience_choices, tmp_path):
        assert any(words in p for p in problems), (code, problems)
    innocent = tmp_path / "fine.py"
    innocent.write_text("model = map_model(ctx, state, ctx.audience)\n", encoding="utf-8")
    assert _audience_choices(innocent, tmp_path) == []
