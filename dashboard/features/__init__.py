"""Features: each owns its layout pieces and registers its own thin callbacks."""

from dashboard.features import downloads, filters, panel
from dashboard.features import map as map_feature

FEATURES = [filters, map_feature, panel, downloads]
