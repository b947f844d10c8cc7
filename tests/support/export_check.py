"""Reading exports back the way a user's tools do: poppler for PDFs, Pillow for PNGs, the
csv module for CSV, an HTML parser for the briefing's tables."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import h3

NUMBER = re.compile(r"^-?[\d,]+$")
# A decimal number as a spreadsheet reads one (not "-inf", "-nan" or "-1_0").
DECIMAL = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def pdf_text(data: bytes, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    done = subprocess.run([*args, "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def pdf_info(data: bytes) -> dict[str, str]:
    done = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True)
    out = {}
    for line in done.stdout.decode("utf-8").splitlines():
        key, _, value = line.partition(":")
        out[key.strip()] = value.strip()
    return out


def rendered_pages(data: bytes) -> list[Path]:
    """Every page drawn to PNG by pdftoppm (a failure raises)."""
    tmp = Path(tempfile.mkdtemp(prefix="socmap-pages-"))
    pdf = tmp / "doc.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp / "page")],
        check=True,
        capture_output=True,
    )
    return sorted(tmp.glob("page-*.png"))


def pdf_export_record(data: bytes) -> dict:
    from pypdf import PdfReader

    return json.loads(PdfReader(io.BytesIO(data)).metadata["/SocmapExport"])


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run as a formula (a plain number, even negative, is fine)."""
    return [
        cell
        for row in rows
        for cell in row
        if cell[:1] in ("=", "+", "@", "\t", "\r", "\n")
        or (cell[:1] == "-" and not DECIMAL.match(cell))
    ]


def small_numbers(texts, k: int) -> list[str]:
    """Whole numbers from 1 to k-1 among count cells."""
    stripped = (t.strip() for t in texts)
    return [t for t in stripped if NUMBER.match(t) and 1 <= int(t.replace(",", "")) < k]


def is_public_centre(lat: float, lon: float, max_res: int) -> bool:
    """Whether (lat, lon) is the centre of an H3 cell no finer than ``max_res`` (to 5 dp)."""
    for res in range(max_res + 1):
        c_lat, c_lon = h3.cell_to_latlng(h3.latlng_to_cell(lat, lon, res))
        if abs(c_lat - lat) < 2e-5 and abs(c_lon - lon) < 2e-5:
            return True
    return False


class TableCells(HTMLParser):
    """Rows of the briefing's tables: ``rows[(level, code)]`` and ``themes[label]`` list every
    table row of that area or theme (a dict from ``data-col`` to the cell's text);
    ``numbers`` is the text of every ``td.num`` holding a count of incidents."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str | None], list[dict[str, str]]] = {}
        self.themes: dict[str, list[dict[str, str]]] = {}
        self.restricted: dict[str, str] = {}
        self.numbers: list[str] = []
        self._row: dict | None = None
        self._key = None
        self._col: str | None = None
        self._num = False
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr":
            self._row = {}
            if "data-level" in a:
                self._key = ("area", (a["data-level"], a["data-code"] or None))
            elif "data-theme" in a:
                self._key = ("theme", a["data-theme"])
            elif "data-district" in a:
                self._key = ("restricted", a["data-district"])
            else:
                self._key = None
        elif tag == "td":
            self._col = a.get("data-col")
            self._num = "num" in (a.get("class") or "")
            self._text = ""

    def handle_data(self, data):
        self._text += data

    def handle_endtag(self, tag):
        if tag == "td":
            # Numbers of hexagons in a class and Gi* z-scores are not counts of incidents.
            if self._num and self._col not in {"hexagons", "z"}:
                self.numbers.append(self._text.strip())
            if self._col and self._row is not None:
                self._row[self._col] = self._text.strip()
            self._col = None
        elif tag == "tr" and self._key is not None and self._row is not None:
            kind, key = self._key
            if kind == "area":
                self.rows.setdefault(key, []).append(self._row)
            elif kind == "theme":
                self.themes.setdefault(key, []).append(self._row)
            else:
                self.restricted[key] = self._row.get("count", "")
            self._key = None


def table_cells(html: str) -> TableCells:
    parser = TableCells()
    parser.feed(html)
    return parser
