"""Exports for reports: maps on paper (PDF, PNG), the briefing pack, tables and GIS layers.

Plain functions of the view state and the audience, with no Dash: the dashboard's download
buttons and ``socmap export`` call the same ones. Every export draws only what the audience
may see (public figures are the published, suppressed ones), is marked with its
classification, and is recorded in the audit log and in the file's own metadata. One headless
browser (:class:`Renderer`) is kept open across a batch.
"""

from dashboard.browser import Renderer, RenderError
from dashboard.export._data_export import export_data
from dashboard.export._downloads import DOWNLOADS, export_view, shared_renderer
from dashboard.export._layers import LAYER_FORMATS, spreadsheet_safe
from dashboard.export._map_export import MAP_FORMATS, Export, export_map
from dashboard.export._meta import ExportInfo
from dashboard.export._pack import briefing_html, export_briefing
from dashboard.export._sheet import PAPERS

__all__ = [
    "DOWNLOADS",
    "LAYER_FORMATS",
    "MAP_FORMATS",
    "PAPERS",
    "Export",
    "ExportInfo",
    "RenderError",
    "Renderer",
    "briefing_html",
    "export_briefing",
    "export_data",
    "export_map",
    "export_view",
    "shared_renderer",
    "spreadsheet_safe",
]
