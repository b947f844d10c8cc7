"""Progress for a load, one bar per file, for every format.

The bar counts what is read (bytes of a CSV, features of a GeoJSON, rows of a Parquet file)
and its label says the stage of the load (reading, validating, placing, storing) and, once
known, how many rows the file has, so a large file shows what it is doing and how big it is.
It writes to standard error only (standard output stays clean for a pipe), and draws only
on a terminal: ``enabled=None`` lets tqdm decide (no bar when standard error is not a TTY),
``enabled=False`` never draws.
"""

from __future__ import annotations

import sys

from tqdm import tqdm


class LoadProgress:
    """One file's bar: ``advance`` as it is read, ``step`` as the load moves on."""

    def __init__(
        self, name: str, enabled: bool | None, total: int | None = None, unit: str = "B"
    ) -> None:
        self._bar = tqdm(
            total=total,
            desc=name,
            unit=unit,
            unit_scale=unit == "B",
            file=sys.stderr,
            disable=None if enabled is None else not enabled,
            leave=False,
            dynamic_ncols=True,
        )
        self._rows = 0

    @property
    def shown(self) -> bool:
        return not self._bar.disable

    def advance(self, amount: int) -> None:
        """``amount`` more units read."""
        self._bar.update(amount)

    def step(self, stage: str, rows: int = 0) -> None:
        """The load reached ``stage``, with ``rows`` rows read so far (0: not known yet)."""
        self._rows = max(self._rows, rows)
        label = f"{stage}, {self._rows:,} rows" if self._rows else stage
        self._bar.set_postfix_str(label, refresh=True)

    def finish_reading(self) -> None:
        """Everything is read (formats that read a file whole report it at the end)."""
        if self._bar.total is not None and self._bar.n < self._bar.total:
            self._bar.update(self._bar.total - self._bar.n)

    def __enter__(self) -> LoadProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.close()
