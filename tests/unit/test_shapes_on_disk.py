"""Hexagons cut to each area are kept on disk beside the store (``<db>.shapes/``), per version
of the loaded boundaries: a new process (a command-line export, a new worker) reads them
instead of cutting every hexagon again, and never reads shapes of other boundaries."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from dashboard import cache
from dashboard.views import context as view_context
from dashboard.views import geometry
from dashboard.views.context import AppContext
from geo.settings import Settings
from geo.store import Store
from tests.support.export_store import fill_export_store


@pytest.fixture
def settings(tmp_path) -> Settings:
    s = Settings(db_path=tmp_path / "socmap.duckdb")
    fill_export_store(Store(s.db_path))
    return s


def _cut_every_leaf(settings: Settings, monkeypatch) -> tuple[list, dict]:
    """A new process's view of the pieces at resolution 8 (the in-process cache emptied),
    and which leaves it cut itself."""
    monkeypatch.setattr(view_context, "MEMORY", cache.Memory())
    cut = []
    real = geometry._base_shapes
    monkeypatch.setattr(
        geometry, "_base_shapes", lambda leaf, res: cut.append(leaf.code) or real(leaf, res)
    )
    ctx = AppContext.create(Store(settings.db_path), settings)
    leaves = [leaf for leaf in geometry.leaves(ctx).values() if leaf.geometry is not None]
    pieces = {leaf.code: geometry.piece_shapes(ctx, leaf, 8) for leaf in leaves}
    return cut, pieces


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        np.array_equal(a[k].cells, b[k].cells)
        and a[k].hexes == b[k].hexes
        and a[k].geometries == b[k].geometries
        for k in a
    )


def test_a_new_process_reads_the_cut_hexagons_instead_of_cutting_again(settings, monkeypatch):
    first_cut, first = _cut_every_leaf(settings, monkeypatch)
    assert sorted(first_cut) == sorted(first) and len(first) == 3
    again_cut, again = _cut_every_leaf(settings, monkeypatch)
    assert again_cut == []  # read from <db>.shapes/, nothing cut
    assert _same(first, again)
    folder = settings.db_path.with_name(settings.db_path.name + ".shapes")
    assert folder.stat().st_mode & 0o077 == 0  # private to the server's user


def test_new_boundaries_are_cut_again_and_the_old_shapes_removed(settings, monkeypatch):
    _cut_every_leaf(settings, monkeypatch)
    folder = settings.db_path.with_name(settings.db_path.name + ".shapes")
    before = {p.name for p in folder.iterdir()}
    store = Store(settings.db_path)
    with store.writing() as con:  # a boundary set loaded: a new version of the boundaries
        con.execute(
            "INSERT INTO boundary_sets VALUES ('district', 'test', '2024', false, 'n', 'f', "
            "'abc', now())"
        )
    cut, _ = _cut_every_leaf(settings, monkeypatch)
    assert len(cut) == 3
    after = {p.name for p in folder.iterdir()}
    assert len(after) == 1 and after.isdisjoint(before)


def test_drawing_a_map_from_loaded_boundaries_needs_neither_pandas_nor_geopandas(settings):
    """The boundary note every map prints came through geopandas' readers, and the boundary
    sets' zoned load times through pandas: most of a second of a new export process."""
    store = Store(settings.db_path)
    with store.writing() as con:
        con.execute(
            "INSERT INTO boundary_sets VALUES ('district', 'test', '2024', true, 'n', 'f', "
            "'abc', now())"
        )
    code = textwrap.dedent(
        f"""
        import sys
        from dashboard.views.context import AppContext
        from dashboard.views.labels import boundary_note
        from geo.settings import Settings
        from geo.store import Store
        settings = Settings(db_path={str(settings.db_path)!r})
        note = boundary_note(AppContext.create(Store(settings.db_path), settings))
        print(note, sorted(m for m in ("geopandas", "pandas", "pyogrio") if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "Boundaries approximate. n []"
