"""File-level checks every text file passes before a row is read.

A file that fails here is refused whole, with one line naming the file and the problem; the
store is not touched. The checks read the file once, in blocks: its SHA-256 checksum (which
makes a repeated load a no-op), whether it is empty, and whether it starts with a UTF-8
byte-order mark (which Excel writes; it is ignored). A file that does not decode is named with
the row of its first bad byte.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from geo.errors import InputError

_BLOCK = 4 * 1024 * 1024
BOM = codecs.BOM_UTF8


@dataclass(frozen=True)
class FileInfo:
    path: Path
    size: int
    checksum: str
    encoding: str
    has_bom: bool
    header: tuple[str, ...]


def inspect_text_file(path: Path, encoding: str = "utf-8") -> FileInfo:
    """Check a CSV file is there, not empty and decodable; return its checksum, BOM and
    header. One pass: each block is hashed and decoded (the parser cannot be left to find a
    bad byte: one inside a malformed row breaks its error handling)."""
    size = _require_file(path)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    ascii_safe = codecs.lookup(encoding).name in _ASCII_SUPERSETS
    with path.open("rb") as fh:
        head = fh.read(len(BOM))
        has_bom = head == BOM
        digest.update(head)
        try:
            decoder.decode(head)
            while block := fh.read(_BLOCK):
                digest.update(block)
                _decode(decoder, block, ascii_safe)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise encoding_error(path, encoding) from None
    header = _read_header(path, encoding, has_bom)
    return FileInfo(path, size, digest.hexdigest(), encoding, has_bom, header)


# Encodings in which pure ASCII bytes always decode: a block that is all ASCII needs no
# decoding (bytes.isascii is ten times faster than decoding; police.uk files are ASCII).
_ASCII_SUPERSETS = frozenset(["utf-8", "cp1252", "iso8859-1", "iso8859-15"])


def _decode(decoder: codecs.IncrementalDecoder, block: bytes, ascii_safe: bool) -> None:
    # Only when nothing is pending from the last block: a character split across blocks
    # must still be decoded, and checked, whole.
    if ascii_safe and block.isascii() and not decoder.getstate()[0]:
        return
    decoder.decode(block)


def encoding_error(path: Path, encoding: str) -> InputError:
    """The error for a file that does not decode: names the row and the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines_before = 0
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return _encoding_error(path, encoding, block, exc, lines_before)
            lines_before += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return InputError(path, f"ends in the middle of a character ({exc.reason})")
    return InputError(path, f"could not be read as {encoding} text")


def file_checksum(path: Path) -> str:
    """SHA-256 of a file's bytes (for formats read by a library, such as Parquet)."""
    _require_file(path)
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _require_file(path: Path) -> int:
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file")
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except PermissionError:
        raise InputError(path, "permission denied; check the file's permissions") from None
    if size == 0:
        raise InputError(path, "file is empty (0 bytes)")
    return size


def _encoding_error(
    path: Path, encoding: str, block: bytes, exc: UnicodeDecodeError, lines_before: int
) -> InputError:
    row = lines_before + block.count(b"\n", 0, exc.start) + 1
    byte = block[exc.start : exc.start + 1].hex().upper()
    hint = (
        "re-save it as UTF-8, or pass --encoding cp1252 if it came from Excel on Windows"
        if encoding.lower().replace("-", "") in {"utf8", "utf8sig"}
        else f"check that the file really is {encoding}"
    )
    return InputError(path, f"not valid {encoding} (byte 0x{byte}); {hint}", row=row)


def _read_header(path: Path, encoding: str, has_bom: bool) -> tuple[str, ...]:
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    if has_bom:
        head = head[len(BOM) :]
    text = head.decode(encoding, errors="replace")
    line = text.splitlines()[0] if text.strip() else ""
    if not line.strip():
        raise InputError(path, "the first line is blank; expected a header row", row=1)
    row = next(csv.reader(io.StringIO(line)))
    return tuple(col.strip() for col in row)
