"""Small, real sample attachments (PDF and PNG) made in code, for demo data and the command line."""

from __future__ import annotations

import struct
import zlib

#: The file type used for each material in the demo; anything else is a PDF.
_PNG_MATERIALS = frozenset({"离退休证明"})
#: English titles printed in the sample PDFs (the built-in PDF font has no Chinese glyphs).
_PDF_TITLES = {
    "社保证明材料": "Social security certificate",
    "继续教育证明": "Continuing education certificate",
    "执业情况说明": "Statement of practice",
    "离退休证明": "Retirement certificate",
}


def sample_pdf(title: str, lines: list[str] | tuple[str, ...] = ()) -> bytes:
    """A one-page PDF showing `title` and `lines` (ASCII text; other characters become '?')."""
    text_ops = ["BT /F1 18 Tf 72 760 Td", f"({_pdf_text(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        text_ops += ["0 -20 Td", f"({_pdf_text(line)}) Tj"]
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)


def _pdf_text(text: str) -> str:
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def sample_png(width: int = 240, height: int = 160, rgb: tuple[int, int, int] = (46, 125, 50), seed: int = 0) -> bytes:
    """A striped RGB PNG; `seed` shifts the stripes so different owners get different bytes."""
    light = bytes(min(255, c + 90) for c in rgb)
    dark = bytes(rgb)
    # Stripes repeat every 24 rows: build those once.
    patterns = [
        b"\x00" + b"".join(light if (x + shift) // 12 % 2 else dark for x in range(width)) for shift in range(24)
    ]
    rows = b"".join(patterns[(y + seed) % 24] for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(rows, 9))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def sample_material(material: str, owner: str) -> tuple[str, bytes]:
    """A file name and content standing for `material` of `owner` (a certificate or firm number)."""
    if material in _PNG_MATERIALS:
        return f"{material}-{owner}.png", sample_png(seed=sum(owner.encode()))
    lines = [f"Owner: {owner}", "FirmDesk demo data - sample document, not a real certificate."]
    return f"{material}-{owner}.pdf", sample_pdf(_PDF_TITLES.get(material, "Supporting material"), lines)
