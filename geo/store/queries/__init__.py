"""Every read the product runs outside a load: one small function a question.

Each function takes the :class:`~geo.store.Store` (a few also a load's open connection) and
typed arguments, checks the arguments, and returns plain results: Arrow tables, tuples or
small dataclasses, documented column by column. Values are always bound as parameters;
identifiers (a cell column, a grouping key) come only from fixed lists. Filters become SQL
through :meth:`geo.filters.Filters.where` alone.

By subject:

* :mod:`~geo.store.queries.counts`: incidents per hexagon, per piece of a hexagon in an
  area, per area; the breakdown by category, source and month.
* :mod:`~geo.store.queries.incidents`: records in a hexagon, the hexagons each area's
  incidents lie in, county-lines links, the places named in a hexagon.
* :mod:`~geo.store.queries.areas`: areas and their shapes (the one boundary query), the
  loaded boundary sets.
* :mod:`~geo.store.queries.coverage`: which months, sources and categories are loaded.
* :mod:`~geo.store.queries.batches`: the accounts of ``socmap summary`` and the quarantine.
* :mod:`~geo.store.queries.ports`: ports and port-of-entry events.
* :mod:`~geo.store.queries.context`: the open context data (basemap, places, postcodes,
  residents, deprivation).

The dashboard and the command line hold no SQL and never open the store themselves
(``tests/test_layers.py`` checks it); loads (``geo.ingest``, boundaries, context, ports,
``socmap store upgrade``) write in their own transaction and keep their SQL with them.
"""

import importlib

__all__ = ["areas", "batches", "context", "counts", "coverage", "incidents", "ports"]


def __getattr__(name: str) -> object:
    # ``geo.store.queries.counts`` and the rest load on first use, like the other packages'
    # names (geo._lazy), so that reading one subject does not import them all.
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
