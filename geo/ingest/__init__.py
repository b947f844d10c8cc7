"""Loading files into the store: police.uk CSVs and partners' own incident files."""

from geo.ingest._load import BatchReport
from geo.ingest._options import LoadOptions, ReplacePolicy
from geo.ingest.partner import ingest_incidents
from geo.ingest.police_uk import ingest_police_uk

__all__ = [
    "BatchReport",
    "LoadOptions",
    "ReplacePolicy",
    "ingest_incidents",
    "ingest_police_uk",
]
