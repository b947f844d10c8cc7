"""Downloads of the current view: map (PDF, PNG), table (CSV), GIS layers (GeoPackage,
GeoJSON) and the briefing pack. One thin callback: the button and the view state in, the file
out, through :func:`dashboard.export.export_view` with the app's own audience."""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html, no_update
from flask import g, has_request_context, request

from dashboard import ids
from dashboard.export import DOWNLOADS, export_view
from dashboard.views.context import AppContext


def layout() -> html.Section:
    return html.Section(
        className="downloads",
        **{"aria-label": "Downloads"},
        children=[
            html.H3("Download this view"),
            html.Div(
                [
                    html.Button(
                        label,
                        id={"type": ids.DOWNLOAD, "kind": kind},
                        className="button",
                        n_clicks=0,
                    )
                    for kind, label in DOWNLOADS.items()
                ],
                className="download-buttons",
            ),
            dcc.Loading(
                html.Div(id=ids.DOWNLOAD_STATUS, className="small", role="status"), type="dot"
            ),
            dcc.Download(id=ids.DOWNLOAD_FILE),
            html.P(
                "Files carry this view's marking and are recorded in the audit log. The "
                "briefing pack covers the whole county and takes a little while.",
                className="hint",
            ),
        ],
    )


def register(app: Dash, ctx: AppContext) -> None:
    @app.callback(
        Output(ids.DOWNLOAD_FILE, "data"),
        Output(ids.DOWNLOAD_STATUS, "children"),
        Input({"type": ids.DOWNLOAD, "kind": ALL}, "n_clicks"),
        State(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def download(clicks, query):
        trigger = callback_context.triggered_id
        if not trigger or not any(clicks or ()):
            return no_update, no_update
        user, client = _who()
        export = export_view(ctx, trigger["kind"], query, user=user, client=client)
        note = f"Downloaded {export.filename} ({export.info.marking}, {export.info.reference})."
        return dcc.send_bytes(export.data, export.filename), note


def _who() -> tuple[str, str]:
    identity = g.get("identity") if has_request_context() else None
    client = request.remote_addr if has_request_context() else None
    return (identity.name if identity else "anonymous"), (client or "unknown")
