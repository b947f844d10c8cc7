"""Errors the core raises on purpose.

Every error a user can cause carries a one-line message that names the file, the row (where
there is one) and the problem, so the command line can print it without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class SocmapError(Exception):
    """Base class: an expected failure with a message fit to show a user."""


class InputError(SocmapError):
    """A file that cannot be loaded at all (missing, empty, wrong header, wrong encoding)."""

    def __init__(self, file: str | Path, problem: str, row: int | None = None) -> None:
        self.file = str(file)
        self.row = row
        self.problem = problem
        where = f"{self.file}: row {row}" if row is not None else self.file
        super().__init__(f"{where}: {problem}")


class StoreError(SocmapError):
    """The store file is missing, locked, corrupt or could not be written."""


class ValidationError(SocmapError):
    """A boundary set or setting that breaks a rule (overlaps, duplicate codes, bad values)."""


class NoDataError(SocmapError):
    """A statistic or export asked for months, themes or sources with no data loaded: its
    answer would be a map or table of zeros that are not zeros. The message names the months
    that are loaded."""


class CheckTooLong(Exception):  # noqa: N818 - reads as what happened, as TimeoutError does
    """A disclosure check ran past the time its caller can wait (a page): nothing may be
    published from it. Not a :class:`SocmapError`: the caller says why the figures are not
    shown, and an export runs the same check to the end."""
