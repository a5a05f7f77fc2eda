"""Files for the upload and attachment tests: content that is (or pretends to be) pdf, png, xlsx, exe."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from firmdesk.server.samples import sample_pdf, sample_png


def write_pdf(path: Path, size: int = 2048) -> Path:
    head = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"\n%%EOF\n"
    path.write_bytes(head + b"0" * max(0, size - len(head) - len(tail)) + tail)
    return path


def write_png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )
    return path


def write_exe(path: Path) -> Path:
    """A Windows program's head (MZ ... PE), whatever the file is called."""
    header = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    header += b"\x00" * (0x3C - len(header)) + struct.pack("<I", 0x80)
    header += b"\x00" * (0x80 - len(header)) + b"PE\x00\x00" + b"\x00" * 400
    path.write_bytes(bytes(header))
    return path


def real_pdf(title: str = "Social security certificate") -> bytes:
    """A PDF that renders (a page with text), for the previews."""
    return sample_pdf(title, ["FirmDesk test", "2025"])


def real_png() -> bytes:
    return sample_png(320, 200)


def minimal_xlsx() -> bytes:
    """An xlsx as far as the type check goes: a zip with the OOXML parts it looks for (fixed times: the same
    bytes at every call, whatever the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in (("[Content_Types].xml", "<Types/>"), ("_rels/.rels", "<Relationships/>")):
            z.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), text)
        z.writestr(zipfile.ZipInfo("xl/workbook.xml", date_time=(2025, 1, 1, 0, 0, 0)), "<workbook/>")
    return out.getvalue()
