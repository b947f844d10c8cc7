"""Primary and secondary suppression on the count tree.

What the attacker knows: every shown value, that every node equals the sum of its children,
and the algorithm's labels: a primary value is in [1, k-1], a secondary one in [k, inf), a zero
is 0, and nothing at all about the parts of a primary node (they are "merged": the primary
count's parts are never published, so the number of non-zero parts cannot pin it).

The bounds any attacker can derive are computed exactly: the sum constraints of a tree form a
Berge-acyclic system, on which one pass up (each node's interval from its subtree) and one
pass down (from the rest of the tree through its parent) give the projection of the feasible
set on every node. Suppressions are added until no suppressed node's interval is a single
value. Everything suppressed is never pinned (for k >= 3), so the loop always ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.disclosure._tree import CountTree

SHOWN, ZERO, PRIMARY, SECONDARY, MERGED = range(5)
STATUS_NAMES = ("shown", "zero", "primary", "secondary", "merged")
_INF = np.inf


@dataclass(frozen=True)
class Bounds:
    """Per-node intervals: the label's own domain, the subtree's, the parent side's and the
    final (their intersection). Merged nodes are not part of the published system."""

    dom_lo: np.ndarray
    dom_hi: np.ndarray
    sub_lo: np.ndarray
    sub_hi: np.ndarray
    has_kids: np.ndarray
    out_lo: np.ndarray
    out_hi: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def initial_status(tree: CountTree, k: int, root_status: int | None = None) -> np.ndarray:
    """Zeros, primaries (1..k-1), shown; every part of a primary node merged into it."""
    value = tree.value
    status = np.where(value == 0, ZERO, np.where(value < k, PRIMARY, SHOWN)).astype(np.int8)
    if root_status is not None:
        status[0] = root_status
    for idx in tree.by_depth()[1:]:
        inside = np.isin(status[tree.parent[idx]], (PRIMARY, MERGED))
        status[idx[inside]] = MERGED
    return status


def protect(tree: CountTree, k: int, *, root_status: int | None = None) -> np.ndarray:
    """Statuses such that no suppressed value can be worked out from the shown ones.

    ``root_status`` fixes the root (a total published elsewhere with that status); when the
    root cannot be suppressed and its parts cannot otherwise be protected, every part is
    merged into it (the breakdown is withheld).
    """
    if k < 3:
        raise ValueError("k must be at least 3")
    levels = tree.by_depth()
    status = initial_status(tree, k, root_status)
    for _ in range(len(tree) + 1):
        b = bounds(tree, status, k, levels)
        pinned = np.flatnonzero(np.isin(status, (PRIMARY, SECONDARY)) & (b.lo == b.hi))
        if pinned.size == 0:
            return status
        added = _remedies(tree, status, b, pinned)
        if root_status is not None and (0 in added or -1 in added):
            status[1:] = MERGED  # the fixed total cannot hide: withhold its parts instead
            return status
        if -1 in added:
            raise AssertionError("a suppressed value is pinned with nothing left to suppress")
        status[added] = SECONDARY
    raise AssertionError("suppression did not converge")  # unreachable: see module docstring


def bounds(tree: CountTree, status: np.ndarray, k: int, levels=None) -> Bounds:
    """The exact interval of every node given what ``status`` publishes."""
    levels = tree.by_depth() if levels is None else levels
    v = tree.value.astype(np.float64)
    dom_lo = np.select([status == PRIMARY, status == SECONDARY], [1.0, float(k)], v)
    dom_hi = np.select([status == PRIMARY, status == SECONDARY], [k - 1.0, _INF], v)
    active = status != MERGED
    up = _upward(tree, levels, active, dom_lo, dom_hi)
    out_lo, out_hi, lo, hi = _downward(tree, levels, active, up)
    sub_hi = np.where(up.n_inf > 0, _INF, up.fin_hi)
    return Bounds(dom_lo, dom_hi, up.sub_lo, sub_hi, up.has_kids, out_lo, out_hi, lo, hi)


@dataclass
class _Up:
    lo: np.ndarray  # the node's interval from its own label and its subtree
    hi: np.ndarray
    sub_lo: np.ndarray  # sums over the node's published children
    fin_hi: np.ndarray  # finite part of the children's upper bounds
    n_inf: np.ndarray  # how many children have no upper bound
    has_kids: np.ndarray


def _upward(tree, levels, active, dom_lo, dom_hi) -> _Up:
    n = len(tree)
    up = _Up(dom_lo.copy(), dom_hi.copy(), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n, bool))
    for d in range(len(levels) - 1, 0, -1):
        idx = levels[d][active[levels[d]]]
        p = tree.parent[idx]
        infinite = np.isinf(up.hi[idx])
        up.sub_lo += np.bincount(p, weights=up.lo[idx], minlength=n)
        up.fin_hi += np.bincount(p, weights=np.where(infinite, 0.0, up.hi[idx]), minlength=n)
        up.n_inf += np.bincount(p, weights=infinite, minlength=n)
        up.has_kids[p] = True
        par = levels[d - 1][up.has_kids[levels[d - 1]]]
        sub_hi = np.where(up.n_inf[par] > 0, _INF, up.fin_hi[par])
        up.lo[par] = np.maximum(dom_lo[par], up.sub_lo[par])
        up.hi[par] = np.minimum(dom_hi[par], sub_hi)
    return up


def _downward(tree, levels, active, up: _Up):
    """Each node's final interval: its subtree's, cut by the parent's final interval less the
    siblings' subtree intervals (exact on a tree, because the two sides share only the node)."""
    n = len(tree)
    out_lo, out_hi = np.full(n, -_INF), np.full(n, _INF)
    lo, hi = up.lo.copy(), up.hi.copy()
    for d in range(1, len(levels)):
        idx = levels[d][active[levels[d]]]
        p = tree.parent[idx]
        own_inf = np.isinf(up.hi[idx])
        others_lo = up.sub_lo[p] - up.lo[idx]
        others_fin = up.fin_hi[p] - np.where(own_inf, 0.0, up.hi[idx])
        others_hi = np.where(up.n_inf[p] - own_inf > 0, _INF, others_fin)
        with np.errstate(invalid="ignore"):
            out_lo[idx] = lo[p] - others_hi
            out_hi[idx] = hi[p] - others_lo
        lo[idx] = np.maximum(up.lo[idx], out_lo[idx])
        hi[idx] = np.minimum(up.hi[idx], out_hi[idx])
    return out_lo, out_hi, lo, hi


def _remedies(tree: CountTree, status: np.ndarray, b: Bounds, pinned: np.ndarray) -> np.ndarray:
    """New suppressions for the pinned nodes, in tiers, only the first non-empty one applied.

    1. If the parent's side pins a node: its smallest shown sibling; if its own parts pin
       it: its smallest shown child. 2. Else its parent. 3. Else the nearest shown ancestor,
       then the smallest shown node anywhere. A node pinned through a neighbour (a sibling
       that is itself pinned by a chain of single parts) is often freed by the neighbour's
       own remedy, so the costlier tiers wait until the cheaper ones are used up.
    """
    best = _smallest_eligible_child(tree, status)
    by_out = _binds(b, pinned, b.out_lo[pinned], b.out_hi[pinned]) & (tree.parent[pinned] >= 0)
    by_sub = b.has_kids[pinned] & _binds(b, pinned, b.sub_lo[pinned], b.sub_hi[pinned])
    p = np.maximum(tree.parent[pinned], 0)
    sibling = np.where(by_out, best[p], -1)
    child = np.where(by_sub, best[pinned], -1)
    parent = np.where(by_out & (status[p] == SHOWN), p, -1)
    for tier in (np.concatenate([sibling, child]), parent):
        if (tier >= 0).any():
            return np.unique(tier[tier >= 0])
    return np.unique([_fallback(tree, status, int(i)) for i in pinned])


def _binds(b: Bounds, idx: np.ndarray, side_lo: np.ndarray, side_hi: np.ndarray) -> np.ndarray:
    """Whether a side's interval is what pins the final one (beyond the label's own domain)."""
    lo, hi = b.lo[idx], b.hi[idx]
    return ((side_lo == lo) & (lo > b.dom_lo[idx])) | ((side_hi == hi) & (hi < b.dom_hi[idx]))


def _smallest_eligible_child(tree: CountTree, status: np.ndarray) -> np.ndarray:
    """For each node, its smallest shown non-zero child (ties: lowest id), or -1."""
    best = np.full(len(tree), -1, dtype=np.int64)
    ids = np.flatnonzero((status == SHOWN) & (tree.parent >= 0))
    if ids.size:
        order = ids[np.lexsort((ids, tree.value[ids], tree.parent[ids]))]
        first = np.ones(order.size, dtype=bool)
        first[1:] = tree.parent[order[1:]] != tree.parent[order[:-1]]
        best[tree.parent[order[first]]] = order[first]
    return best


def _fallback(tree: CountTree, status: np.ndarray, node: int) -> int:
    up = int(tree.parent[node])
    while up >= 0:
        if status[up] == SHOWN:
            return up
        up = int(tree.parent[up])
    shown = np.flatnonzero(status == SHOWN)
    return int(shown[np.argmin(tree.value[shown])]) if shown.size else -1
