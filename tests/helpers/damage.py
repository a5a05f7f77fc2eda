"""Damaging real SQLite files the way disks do, by page arithmetic: garbage on a named b-tree's page, a file cut
in the middle of a page. The file must be closed (or checkpointed) first: what is in a -wal is not touched."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def checkpoint(path: Path) -> None:
    """Move everything from the -wal into the file itself (the damage must hit the data, not a side copy)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for suffix in SIDE_SUFFIXES:
        side = Path(f"{path}{suffix}")
        if side.exists() and side.stat().st_size == 0:
            side.unlink()


def page_size(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


def pages_of(path: Path, name: str, kind: str | None = None) -> list[int]:
    """The page numbers of table or index `name` (`kind`: "leaf", "internal"; None: all), from `dbstat`."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT pageno, pagetype FROM dbstat WHERE name = ? ORDER BY pageno", (name,)).fetchall()
    finally:
        conn.close()
    return [int(n) for n, t in rows if kind is None or t == kind]


def root_page(path: Path, name: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0])
    finally:
        conn.close()


def garble_page(path: Path, page: int, seed: int = 11) -> bytes:
    """Overwrite page `page` (1-based) with random bytes; returns the file's bytes afterwards."""
    size = page_size(path)
    with open(path, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(random.Random(seed).randbytes(size))
    return path.read_bytes()


def truncate_mid_page(path: Path, pages_left: int) -> bytes:
    """Cut the file to `pages_left` pages and a half; returns the file's bytes afterwards."""
    size = page_size(path)
    os.truncate(path, pages_left * size + size // 2)
    return path.read_bytes()
