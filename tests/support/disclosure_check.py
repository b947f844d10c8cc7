"""Independent checks of disclosure control: what an attacker can derive from a public tree.

The attacker knows every shown value, the sum constraint at every published node, and the
labels' ranges (primary 1..k-1, secondary k..inf). These helpers ask scipy's LP solver (and,
on tiny trees, brute-force enumeration of integers) for the least and greatest value every
withheld node can take. They share no code with geo.disclosure's propagation.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog

from geo.disclosure._suppress import MERGED, PRIMARY, SECONDARY


def published_system(tree, status, k):
    """Variables (published nodes), their bounds, and the equality rows parent - children."""
    active = [i for i in range(len(tree)) if status[i] != MERGED]
    pos = {i: j for j, i in enumerate(active)}
    rows = []
    for i in active:
        kids = [c for c in active if tree.parent[c] == i]
        if kids:
            row = np.zeros(len(active))
            row[pos[i]] = 1
            for c in kids:
                row[pos[c]] = -1
            rows.append(row)
    bounds = []
    for i in active:
        if status[i] == PRIMARY:
            bounds.append((1, k - 1))
        elif status[i] == SECONDARY:
            bounds.append((k, None))
        else:
            bounds.append((int(tree.value[i]), int(tree.value[i])))
    return active, pos, (np.array(rows) if rows else None), bounds


def lp_ranges(tree, status, k) -> dict[int, tuple[float, float]]:
    """Least and greatest value of every withheld node, by linear programming."""
    active, pos, a_eq, bounds = published_system(tree, status, k)
    b_eq = None if a_eq is None else np.zeros(a_eq.shape[0])
    out = {}
    for i in active:
        if status[i] not in (PRIMARY, SECONDARY):
            continue
        c = np.zeros(len(active))
        c[pos[i]] = 1
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0, low.message
        assert high.status in (0, 3), high.message
        out[i] = (low.fun, np.inf if high.status == 3 else -high.fun)
    return out


def integer_values(tree, status, k, cap: int) -> dict[int, set[int]]:
    """Every integer value each withheld node takes over all feasible assignments, by brute
    force (secondary values capped at ``cap``, enough to see two values)."""
    active, pos, a_eq, bounds = published_system(tree, status, k)
    hidden = [i for i in active if status[i] in (PRIMARY, SECONDARY)]
    if not hidden:
        return {}
    ranges = [range(bounds[pos[i]][0], (bounds[pos[i]][1] or cap) + 1) for i in hidden]
    fixed = np.array([b[0] if b[0] == b[1] else 0 for b in bounds], dtype=float)
    combos = np.array(list(itertools.product(*ranges)), dtype=float).reshape(-1, len(hidden))
    values = np.tile(fixed, (combos.shape[0], 1))
    values[:, [pos[i] for i in hidden]] = combos
    ok = np.ones(combos.shape[0], dtype=bool) if a_eq is None else (values @ a_eq.T == 0).all(1)
    return {i: set(combos[ok, j].astype(int).tolist()) for j, i in enumerate(hidden)}


def lp_ranges_with_breakdowns(tree, status, k, breakdowns) -> list[tuple[float, float]]:
    """Like :func:`lp_ranges`, with side tables added: each ``(node, parts)`` adds one variable
    per part (bounds from its published status) and the constraint node = sum of parts.
    Returns the ranges of every withheld tree node and withheld part."""
    active, pos, a_eq, bounds = published_system(tree, status, k)
    rows = [] if a_eq is None else list(a_eq)
    n_tree = len(active)
    part_bounds = []
    for node, parts in breakdowns:
        if node not in pos:
            continue
        shown = [p for p in parts if p.status != "merged"]
        if not shown:
            continue
        row = np.zeros(n_tree + len(part_bounds) + len(shown))
        row[pos[node]] = 1
        row[n_tree + len(part_bounds) :] = -1
        part_bounds.extend(_part_bound(p, k) for p in shown)
        rows.append(row)
    width = n_tree + len(part_bounds)
    a = np.array([np.pad(r, (0, width - len(r))) for r in rows]) if rows else None
    all_bounds = bounds + part_bounds
    hidden = [i for i in range(width) if all_bounds[i][0] != all_bounds[i][1]]
    out = []
    for i in hidden:
        c = np.zeros(width)
        c[i] = 1
        b = None if a is None else np.zeros(a.shape[0])
        low = linprog(c, A_eq=a, b_eq=b, bounds=all_bounds, method="highs")
        high = linprog(-c, A_eq=a, b_eq=b, bounds=all_bounds, method="highs")
        assert low.status == 0 and high.status in (0, 3)
        out.append((low.fun, np.inf if high.status == 3 else -high.fun))
    return out


def _part_bound(part, k):
    if part.status == "primary":
        return (1, k - 1)
    if part.status == "secondary":
        return (k, None)
    return (part.value, part.value)
