"""The store's files on disk: a new version keeps the old one's mode, owner and group.

A load writes a copy of the store (``<db>.writing``) and renames it over the live file, so the
live file is replaced by a new one. A new file would get the writer's umask and user, and a
store kept at ``0600`` with its own group would become readable by everyone. So the copy is
created private (``0600``) and given the store's owner, group and mode before its first byte
is written; DuckDB's own files beside it (its WAL, its spill folder) are created while the
process umask is ``077``; and ``.prev`` is a hard link to the old file, so it keeps that
file's mode. Nothing beside the store is more readable than the store.

When the writer cannot give the copy the store's owner or group (it is neither root nor the
store's owner, or not in its group), the load is refused before anything is written: the
alternative is a store that silently changes hands.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from geo.errors import StoreError

_COPY_BLOCK = 8 * 1024 * 1024


@contextlib.contextmanager
def private_new_files() -> Iterator[None]:
    """New files and folders are created readable by their owner only (umask 077) inside.

    The umask is the process's, so this is for the writer's own process (a command, a test),
    never for a server thread."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def copy_like(source: Path, target: Path, like: os.stat_result, store: Path) -> None:
    """Copy ``source`` to the new file ``target``, which has ``like``'s mode, owner and group
    before any byte is written. ``store`` names the store in messages."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        give_like(fd, like, store)
        with os.fdopen(fd, "wb", closefd=False) as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, _COPY_BLOCK)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        raise
    os.close(fd)


def give_like(fd: int, like: os.stat_result, store: Path) -> None:
    """Give the open file ``fd`` the owner, group and mode in ``like``."""
    st = os.fstat(fd)
    if (st.st_uid, st.st_gid) != (like.st_uid, like.st_gid):
        uid = like.st_uid if st.st_uid != like.st_uid else -1
        try:
            os.fchown(fd, uid, like.st_gid)
        except PermissionError:
            raise StoreError(
                f"{store}: the store belongs to {_owner(like)}; a load by "
                f"{_user(os.geteuid())} cannot give the new version that owner and group, so "
                "nothing was changed: run the load as the store's owner (or root)"
            ) from None
    os.fchmod(fd, stat.S_IMODE(like.st_mode))


def _owner(st: os.stat_result) -> str:
    return f"{_user(st.st_uid)}:{_group(st.st_gid)} (mode {stat.S_IMODE(st.st_mode):04o})"


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
