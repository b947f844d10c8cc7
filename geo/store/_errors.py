"""The store's one-line messages for a damaged file and for a write that could not finish.

DuckDB says a file is damaged in more than one way, none with its own exception class: a
block whose checksum does not match ("Corrupt database file: computed checksum ..." as a plain
``duckdb.Error``) or a header it cannot read (an IOException); and once a statement inside a
transaction has failed, DuckDB refuses the next one with a TransactionException that hides the
first error. :func:`damage_in` finds the damage anywhere in an exception's chain;
:func:`interrupt_in` finds Ctrl-C, which DuckDB turns into ``RuntimeError('Query
interrupted')`` when it lands inside a query.

A write can fail deep inside DuckDB (a full disk while it writes rows or checkpoints), in
Python (copying or renaming the file), or be masked by a second error raised while the first
unwinds (DuckDB refuses any statement on a transaction it has aborted). ``write_failure``
finds the first cause that is about the store's own files and says it plainly, naming the
store, so the command line can print it without a traceback.
"""

from __future__ import annotations

import errno
from pathlib import Path

import duckdb

from geo.errors import StoreError

# Errors that mean "no room": the advice is the same for each.
_NO_ROOM = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file grew past the size limit",
}
# How DuckDB spells the same errors in its messages (it gives no errno).
_NO_ROOM_TEXT = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "File too large": errno.EFBIG,
}


# How DuckDB words a damaged file (measured on duckdb 2.0.1 by flipping bytes of a real store
# at random: tests/test_store_damage.py).
_DAMAGE_TEXT = (
    "Corrupt database file",
    "computed checksum",
    "not a valid DuckDB database file",
    "Could not read enough bytes",
    "Failed to deserialize",
)


def damage_in(exc: BaseException) -> str | None:
    """The first line of DuckDB's error when ``exc`` (or an error it was raised while
    handling) says the store file is damaged; None otherwise."""
    for cause in _chain(exc):
        if not isinstance(cause, duckdb.Error):
            continue
        text = str(cause).strip()
        if any(t in text for t in _DAMAGE_TEXT):
            return text.splitlines()[0]
    return None


def interrupt_in(exc: BaseException) -> bool:
    """Whether ``exc`` is Ctrl-C, as Python or as DuckDB reports it, or was raised while
    handling it (DuckDB refuses the next statement on the interrupted transaction).

    DuckDB reports Ctrl-C three ways: InterruptException; ``RuntimeError('Query
    interrupted')`` when it lands inside a query; and, when it lands in Python code DuckDB
    is calling back (reading a registered Arrow table, as an insert from ``staged_rows``
    does), an InvalidInputException whose text names the KeyboardInterrupt ("exporting a
    stream from the object registered as 'staged_rows' failed: KeyboardInterrupt")."""
    for cause in _chain(exc):
        if isinstance(cause, KeyboardInterrupt | duckdb.InterruptException):
            return True
        if isinstance(cause, RuntimeError) and str(cause).strip() == "Query interrupted":
            return True
        if isinstance(cause, duckdb.Error) and "KeyboardInterrupt" in str(cause):
            return True
    return False


def corrupt_message(path: Path, detail: str) -> str:
    first_line = detail.strip().splitlines()[0] if detail.strip() else "unreadable"
    return (
        f"{path}: not a readable socmap store ({first_line[:160]}). Restore the previous "
        "version with `socmap store restore`, or move the file aside and rebuild it with "
        "`socmap demo` / `socmap ingest`"
    )


def write_failure(store: Path, work: Path, exc: BaseException) -> StoreError | None:
    """The error to raise for a write of ``store`` (working on ``work``) that failed with
    ``exc``, or None when the failure is not about the store's files (bad input, a bug)."""
    causes = list(_chain(exc))
    for cause in causes:  # no room first: DuckDB invalidates a database that could not write
        detail = _store_file_problem(cause, work)
        if detail is not None and detail[1] in _NO_ROOM:
            return StoreError(_write_message(store, detail))
    damage = damage_in(exc)
    if damage is not None:
        return StoreError(corrupt_message(store, damage) + "; nothing was changed")
    for cause in causes:
        if isinstance(cause, StoreError):
            return None  # already says what happened
        detail = _store_file_problem(cause, work)
        if detail is not None:
            return StoreError(_write_message(store, detail))
    return None


def _chain(exc: BaseException):
    """The exception and those it was raised while handling, newest first."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _store_file_problem(exc: BaseException, work: Path) -> tuple[str, int | None] | None:
    if isinstance(exc, OSError) and (exc.errno in _NO_ROOM or _names(exc, work)):
        return exc.strerror or str(exc), exc.errno
    if isinstance(exc, duckdb.Error):
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        text = text.replace(f"{work.parent}/", "")  # the message names the folder already
        code = next((c for t, c in _NO_ROOM_TEXT.items() if t in text), None)
        # A fatal error invalidates the database; an IO error naming the working copy (or
        # its WAL or spill directory) is about the store, not about an input file.
        if code is not None or isinstance(exc, duckdb.FatalException) or work.name in text:
            return text, code
    return None


def _names(exc: OSError, work: Path) -> bool:
    names = {str(n) for n in (exc.filename, exc.filename2) if n is not None}
    return any(Path(n).name.startswith(work.name.rsplit(".", 1)[0]) for n in names)


def _write_message(store: Path, detail: tuple[str, int | None]) -> str:
    text, code = detail
    if code in _NO_ROOM:
        return (
            f"{store}: could not write the store: {_NO_ROOM[code]} ({text[:200]}); nothing "
            "was changed. Free some space (a load needs room for a second copy of the store) "
            "and run it again"
        )
    return f"{store}: could not write the store ({text[:200]}); nothing was changed"
