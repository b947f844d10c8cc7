"""Side tables: a total with one breakdown (by theme, by month...).

The same guarantee as the tree, within the group: no withheld part (and no withheld total)
can be worked out from the shown parts and the fact that they add up to the total.

When the total is a node of the count tree (:meth:`SuppressedTree.breakdown`), the table must
also tell an attacker nothing new about the total: the range the parts allow for it must
contain the range the map already allows. Then the map and any number of breakdowns of its
nodes only meet at those totals, whose ranges none of them narrows, so they cannot be
combined to pin anything. A total the map shows is never hidden here; if its parts cannot be
protected, the whole breakdown is withheld ("not shown separately").
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from geo.disclosure._count import Count, display_text

_INF = float("inf")


@dataclass(frozen=True)
class Breakdown:
    """A suppressed total and its parts, in the order they were given."""

    total: Count
    parts: dict[Hashable, Count]
    k: int


def suppress_breakdown(
    parts: Mapping[Hashable, int],
    k: int,
    *,
    total: Count | None = None,
    total_range: tuple[float, float] | None = None,
) -> Breakdown:
    """Suppress ``parts`` (which add up to the total) for threshold ``k``.

    Without ``total`` the group owns its total and may withhold it. With it (the total's
    published :class:`Count`, and ``total_range``: what the map lets anyone derive about it)
    its status is kept; prefer :meth:`SuppressedTree.breakdown`, which passes both.
    """
    keys = list(parts)
    values = [int(parts[key]) for key in keys]
    if k < 3 or any(v < 0 for v in values):
        raise ValueError("k must be at least 3 and counts must not be negative")
    if total is not None and total.value is not None and total.value != sum(values):
        raise ValueError(f"the parts add up to {sum(values)}, not to the total {total.value}")
    group = _Group(values, k, total, total_range)
    status = group.protect()
    shown_total = total or _count("total", group.total_status, sum(values), k)
    out = {key: _count(key, s, v, k) for key, s, v in zip(keys, status, values, strict=True)}
    return Breakdown(shown_total, out, k)


class _Group:
    def __init__(self, values, k, total: Count | None, total_range) -> None:
        self.values, self.k = values, k
        self.total = sum(values)
        self.fixed = total is not None
        self.total_status = total.status if total else _label(self.total, k)
        if total_range is None:
            total_range = _domain(self.total_status, self.total, k)
        self.t_lo, self.t_hi = total_range

    def protect(self) -> list[str]:
        if self.total_status in ("primary", "merged"):
            return ["merged"] * len(self.values)
        status = [_label(v, self.k) for v in self.values]
        while self._exposed(status):
            shown = [i for i, s in enumerate(status) if s == "shown"]
            if shown:
                status[min(shown, key=lambda i: (self.values[i], i))] = "secondary"
            elif not self.fixed and self.total_status == "shown":
                self.total_status = "secondary"
                self.t_lo, self.t_hi = _domain("secondary", self.total, self.k)
            else:
                return ["merged"] * len(self.values)
        return status

    def _exposed(self, status: list[str]) -> bool:
        """Whether the parts pin a withheld part or total, or narrow a total the map withholds."""
        dom = [_domain(s, v, self.k) for s, v in zip(status, self.values, strict=True)]
        s_lo, s_hi = sum(d[0] for d in dom), sum(d[1] for d in dom)
        t_lo, t_hi = max(self.t_lo, s_lo), min(self.t_hi, s_hi)
        if self.total_status == "secondary":
            narrowed = s_lo > self.t_lo or s_hi < self.t_hi
            if t_lo == t_hi or (self.fixed and narrowed):
                return True
        for (lo, hi), s in zip(dom, status, strict=True):
            if s in ("primary", "secondary"):
                low = max(lo, t_lo - (s_hi - hi))
                high = min(hi, t_hi - (s_lo - lo))
                if low == high:
                    return True
        return False


def _label(value: int, k: int) -> str:
    return "zero" if value == 0 else "primary" if value < k else "shown"


def _domain(status: str, value: int, k: int) -> tuple[float, float]:
    if status == "primary":
        return 1.0, k - 1.0
    if status == "secondary":
        return float(k), _INF
    return float(value), float(value)


def _count(key: Hashable, status: str, value: int, k: int) -> Count:
    published = value if status in ("shown", "zero") else None
    return Count(key, status, published, display_text(status, published, k))
