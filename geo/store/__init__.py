"""The store: one DuckDB file holding every incident, batch, boundary and context table.

* :class:`Store` (``_file``): the file, read through a per-process read-only connection
  and written only by copy, one transaction and an atomic rename (README, "Serving while
  loading"); ``_schema`` defines the tables, ``_upgrade`` brings an older file up to date,
  ``_errors`` turns a damaged file or a failed write into one line; ``_files`` keeps a
  new version's mode, owner and group; ``_check`` verifies the whole file (every block and
  socmap's rules: ``socmap store check``); ``_batches`` removes a batch and keeps the
  store's log.
* :mod:`geo.store.queries`: every read the product runs outside a load, one small typed
  function a question, values always bound as parameters.
* What is stored, in words: :func:`summarize` (``socmap summary``: rows read, loaded,
  unmapped and quarantined by source, category, month and area) and the data coverage
  (``_coverage``: which sources have data for which months and can report which themes, so
  a gap reads as "no data", never as zero).
"""

from geo._lazy import exports

__all__ = [
    "POLICE_UK",
    "POLICE_UK_CRIME_TYPES",
    "SCHEMA_VERSION",
    "CheckReport",
    "ClickHouseStore",
    "Coverage",
    "PeriodCoverage",
    "Removed",
    "Store",
    "ThinMonth",
    "check_store_file",
    "describe",
    "month_days",
    "month_ranges",
    "month_words",
    "months_of",
    "open_store",
    "read_coverage",
    "remove_batch",
    "require_sound",
    "source_name",
    "summarize",
    "untested_reason",
    "upgrade_store",
]

__getattr__, __dir__ = exports(
    __name__,
    {
        "._file": ("Store",),
        "._open": ("open_store",),
        "._clickhouse": ("ClickHouseStore",),
        "._schema": ("SCHEMA_VERSION",),
        "._upgrade": ("upgrade_store",),
        "._check": ("CheckReport", "check_store_file", "require_sound"),
        "._batches": ("Removed", "remove_batch"),
        "._summary": ("summarize",),
        "._coverage": (
            "POLICE_UK",
            "POLICE_UK_CRIME_TYPES",
            "Coverage",
            "PeriodCoverage",
            "describe",
            "month_days",
            "month_ranges",
            "month_words",
            "months_of",
            "read_coverage",
            "source_name",
            "untested_reason",
            "ThinMonth",
        ),
    },
)
