"""One published figure and the words it is printed with."""

from __future__ import annotations

from dataclasses import dataclass

from geo.disclosure._tree import Node


@dataclass(frozen=True)
class Count:
    """One published figure. ``value`` is None unless the status is ``shown`` or ``zero``,
    so serialising a Count can never leak a withheld number.

    Statuses: ``shown``; ``zero``; ``primary`` (1 to k-1, "fewer than k"); ``secondary``
    (withheld to protect another count, "suppressed"); ``merged`` (a part of a withheld count,
    not shown separately: draw the count it is merged into instead).
    """

    key: Node | object  # a tree Node, or the caller's key for a breakdown's part
    status: str
    value: int | None
    text: str

    @property
    def withheld(self) -> bool:
        return self.value is None


def display_text(status: str, value: int | None, k: int) -> str:
    """The words a map, table or export prints for a count."""
    if status == "shown":
        return f"{value:,}"
    if status == "zero":
        return "0"
    if status == "primary":
        return f"fewer than {k}"
    if status == "secondary":
        return "suppressed"
    if status == "merged":
        return "not shown separately"
    raise ValueError(f"unknown status {status!r}")
