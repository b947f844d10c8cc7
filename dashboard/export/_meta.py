"""What an export showed, for the audit log and for the file's own metadata.

Every export gets an :class:`ExportInfo`: its reference (printed on the page), the view
(filters, area, measure as the dashboard's URL query), the period, the audience and marking,
the store's data version, who asked and when, and the disclosure rules applied. It goes into
the append-only audit log beside the store (the store itself is replaced on every load and is
read-only to the dashboard) and into the file: PDF document information, PNG text chunks,
a GeoPackage table, GeoJSON members, CSV note rows.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dashboard.state import ViewState
from dashboard.views.context import AppContext
from dashboard.views.public import period_label
from geo.accounts import Accounts
from geo.disclosure import Audience, DisclosurePolicy, rules_applied
from geo.filters import month_str

UK = ZoneInfo("Europe/London")
PRODUCER = "socmap"
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class ExportInfo:
    reference: str
    kind: str  # map | briefing | table | layers
    format: str  # png | pdf | csv | gpkg | geojson
    title: str
    audience: str
    marking: str
    period: str
    month_from: str | None
    month_to: str | None
    view: str  # the dashboard URL query of the view exported
    data_version: str
    produced_at: str  # ISO 8601, UTC
    user: str
    client: str
    rules: list[dict[str, Any]] = field(default_factory=list)
    # What to read with care (the map's warnings: thin or partial months, proxies, approximate
    # boundaries), carried by a data file, which has no page to print them on.
    caveats: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True, default=str)

    @property
    def produced_text(self) -> str:
        """When, in UK time, as a reader expects it ("28 November 2026, 09:05 GMT")."""
        local = datetime.fromisoformat(self.produced_at).astimezone(UK)
        return f"{local:%-d %B %Y, %H:%M} {local.tzname()}"

    def line(self) -> str:
        """The production line printed on every page."""
        return (
            f"Produced {self.produced_text} with socmap from data version "
            f"{self.data_version[:12]}; export reference {self.reference} "
            "(recorded in the socmap audit log)."
        )


def new_info(
    ctx: AppContext,
    state: ViewState,
    audience: Audience,
    *,
    kind: str,
    fmt: str,
    title: str,
    user: str,
    client: str,
    rules=None,
) -> ExportInfo:
    """The record of one export of ``state`` (already resolved) for ``audience``."""
    policy = DisclosurePolicy.from_settings(ctx.settings)
    applied = rules if rules is not None else rules_applied(policy, audience, ctx.themes)
    return ExportInfo(
        reference=f"EXP-{secrets.token_hex(4).upper()}",
        kind=kind,
        format=fmt,
        title=title,
        audience=str(audience),
        marking=policy.marking(audience),
        period=period_label(ctx, state, audience),
        month_from=month_str(state.month_from) if state.month_from else None,
        month_to=month_str(state.month_to) if state.month_to else None,
        view=state.to_query(),
        data_version=ctx.store.data_version(),
        produced_at=datetime.now(UTC).isoformat(timespec="seconds"),
        user=user,
        client=client,
        rules=[r.as_dict() for r in applied],
    )


def record(ctx: AppContext, info: ExportInfo, data: bytes) -> int:
    """Append the export to the audit log, with the file's size and SHA-256 so a copy met
    later can be matched to its entry."""
    detail = {**info.as_dict(), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return Accounts.from_settings(ctx.settings).record(
        "export", user=info.user, client=info.client, detail=detail
    )


def slug(*parts: str) -> str:
    text = "-".join(p for p in parts if p)
    return _SLUG.sub("-", text.lower()).strip("-")


def filename(info: ExportInfo, area: str, ext: str) -> str:
    period = "-to-".join(p for p in (info.month_from, info.month_to) if p)
    return f"{slug('socmap', info.kind, area, period, info.marking)}.{ext}"


def pdf_with_metadata(pdf: bytes, info: ExportInfo) -> bytes:
    """The PDF with its document information set: title, subject (the marking), keywords,
    and the whole export record as JSON under /SocmapExport."""
    from pypdf import PdfWriter  # noqa: PLC0415 - exports only

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.add_metadata(
        {
            "/Title": info.title,
            "/Subject": f"{info.marking}. {info.period}. Export {info.reference}.",
            "/Keywords": f"{info.marking}, socmap, {info.audience}",
            "/Author": "socmap",
            "/Creator": PRODUCER,
            "/SocmapExport": info.as_json(),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_with_metadata(png: bytes, info: ExportInfo, dpi: int) -> bytes:
    """The PNG with its print resolution (so a word processor places it at paper size) and
    text chunks naming what it shows."""
    from PIL import Image, PngImagePlugin  # noqa: PLC0415 - exports only

    meta = PngImagePlugin.PngInfo()
    meta.add_text("Title", info.title)
    meta.add_text("Description", f"{info.marking}. {info.period}. Export {info.reference}.")
    meta.add_text("Software", PRODUCER)
    meta.add_itxt("socmap:export", info.as_json())
    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        # Level 3 is a fraction of the default's time for a page-sized image, a little larger.
        image.save(out, format="PNG", pnginfo=meta, dpi=(dpi, dpi), compress_level=3)
    return out.getvalue()
