"""Every component id in the app, in one place (tests and callbacks import them from here)."""

URL = "url"
STATE = "view-state"

# Filters
THEMES = "filter-themes"
CATEGORIES = "filter-categories"
SOURCES = "filter-sources"
PERIOD = "filter-period"
PERIOD_LABEL = "filter-period-label"
PERIOD_FROM = "filter-period-from"
PERIOD_TO = "filter-period-to"
PERIOD_PRESET = "filter-period-preset"
PLAY = "filter-play"
PLAY_TICK = "filter-play-tick"
MEASURE = "filter-measure"
RESOLUTION = "filter-resolution"
LAYERS = "filter-layers"

# Map and navigation
MAP = "map"
MAP_CAPTION = "map-caption"
MAP_LEGEND = "map-legend"
BREADCRUMB = "breadcrumb"
CRUMB = "crumb"  # pattern-matching: {"type": CRUMB, "level": ..., "code": ...}
AREA_LINK = "area-link"  # pattern-matching: {"type": AREA_LINK, "level": ..., "code": ...}
AREA_PICKER = "area-picker"

# Side panel
PANEL = "panel"
PANEL_TITLE = "panel-title"
TOTALS = "panel-totals"
TREND = "panel-trend"
TREND_LEGEND = "panel-trend-legend"
TOP_CELLS = "panel-top-cells"
TOP_AREAS = "panel-top-areas"
HOTSPOT_SUMMARY = "panel-hotspots"
DEPRIVATION = "panel-deprivation"
CELL_DETAIL = "panel-cell-detail"
CELL_TREND = "panel-cell-trend"

# Page furniture
BANNER_TOP = "banner-top"
BANNER_BOTTOM = "banner-bottom"
NOTICE = "notice"
USER_MENU = "user-menu"

# Downloads
DOWNLOAD = "download"  # pattern-matching: {"type": DOWNLOAD, "kind": ...}
DOWNLOAD_FILE = "download-file"
DOWNLOAD_STATUS = "download-status"
