"""The manifest of boundary sources, installed as ``geo.data.boundaries`` (see geo.resources)."""
