"""Features: each owns its layout pieces and registers its own thin callbacks."""

from dashboard.features import filters, map as map_feature, panel

FEATURES = [filters, map_feature, panel]
