"""Whose file is this? A police.uk file is recognised by its force.

police.uk publishes one file per force and month. Every row names the force whose area the
crime falls within ("Falls within") and the force that reported it ("Reported by"): Kent
Police's own rows say Kent Police twice; British Transport Police's rows for crimes at Kent
stations say "Reported by: British Transport Police, Falls within: Kent Police". So a row's
force is its "Falls within" (its "Reported by" where that is blank), and a file with rows of a
force whose area the store does not hold is another force's file: it is refused whole, before
anything is stored, with one line naming the force. Loading Essex's or Sussex's file into a
Kent store would otherwise put Southend, Thurrock and Hastings into Kent's statistics.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from geo.errors import InputError
from geo.ingest._options import LoadOptions, normalise_force
from geo.ingest._stage import text_values


def refuse_other_forces(path: Path, raw: pa.Table, options: LoadOptions) -> None:
    """Refuse the file (``InputError``) if any row falls within a force the store does not
    hold. ``raw`` has the file's ``falls_within`` and ``reported_by`` text columns."""
    counts = force_counts(raw["falls_within"], raw["reported_by"])
    others = {f: n for f, n in counts.items() if f and not options.holds_force(f)}
    if not others:
        return
    total = sum(counts.values())
    named = ", ".join(f"{f} ({n:,} of its {total:,} rows)" for f, n in others.items())
    first = next(iter(others))
    held = " and ".join(options.forces)
    raise InputError(
        path,
        f"a police.uk file of another force: its rows fall within {named}, and this store "
        f"holds {held}'s area (SOCMAP_FORCES); nothing was loaded. To load it into a store "
        f"meant for several areas, pass --force-area '{first}' (and load boundaries that "
        "cover its area)",
    )


def force_counts(falls_within: pa.ChunkedArray, reported_by: pa.ChunkedArray) -> dict[str, int]:
    """Rows per force (most first), counted on the columns' few distinct values."""
    falls = text_values(falls_within)
    reported = text_values(reported_by)
    blank = pc.is_null(falls)
    counts: dict[str, int] = {}
    for column in (pc.filter(falls, pc.invert(blank)), pc.filter(reported, blank)):
        for entry in pc.value_counts(column).to_pylist():
            name = " ".join((entry["values"] or "").split())
            counts[name] = counts.get(name, 0) + int(entry["counts"])
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], normalise_force(kv[0]))))
