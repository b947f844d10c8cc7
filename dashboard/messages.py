"""What a user is told when the store cannot answer: one plain sentence, never the details.

The details (the file, DuckDB's own words) go to the server log; the page and the callbacks
show one of these sentences instead.
"""

from __future__ import annotations

from geo.errors import SocmapError


def plain_sentence(exc: SocmapError) -> str:
    text = str(exc)
    if "no store here yet" in text:
        return "There is no data loaded yet. Ask an analyst to load data into socmap."
    if "not a readable socmap store" in text or "store schema version" in text:
        return (
            "The data store cannot be read. Please tell the socmap administrator "
            "(the details are in the server log)."
        )
    return "The data could not be read just now. Please try again in a moment."
