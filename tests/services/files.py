"""Real files on disk for the upload tests: content that is (or pretends to be) pdf, png, exe."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


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
