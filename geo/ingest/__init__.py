"""Loading files into the store: police.uk CSVs and partners' own incident files.

The names are imported on first use (geo._lazy): the areas' port list reads its file with
``geo.ingest._files``, and the partner loader reads ports from ``geo.areas``, so importing
both loaders here, eagerly, made ``from geo.demo import load_demo`` fail in a fresh process.
"""

from geo._lazy import exports

__all__ = ["BatchReport", "LoadOptions", "ReplacePolicy", "ingest_incidents", "ingest_police_uk"]

__getattr__, __dir__ = exports(
    __name__,
    {
        "._load": ("BatchReport",),
        "._options": ("LoadOptions", "ReplacePolicy"),
        ".partner": ("ingest_incidents",),
        ".police_uk": ("ingest_police_uk",),
    },
)
