"""Many labelled QR images at once: a cache of what was rendered before, and every core for the rest.

Used by the bulk exports (`qr_export`). Missing images are rendered in chunks by a process pool (the
"spawn" start method everywhere: forking a process that runs Qt threads is unsafe); the caller's state
is polled between chunks, so stopping takes at most one chunk's time (about 0.05 s).

The cache is one SQLite file in a cache folder, keyed by `LabelRenderer.cache_key` (a hash of the URL,
name, certificate number, font and render version). One file rather than a PNG per key: writing 5,000
small files costs 0.3-1 s here, a transaction of 5,000 rows 0.05 s; and a transaction is
never left half-written.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from firmdesk.services.progress import ProgressState, check_cancelled
from firmdesk.services.qr_codes import LabelRenderer, LabelStyle
from firmdesk.services.qr_labels import QrLabel
from firmdesk.services.settings import data_dir

#: Below this many images to render, starting worker processes costs more than it saves.
POOL_THRESHOLD = 150
CHUNK_MAX = 64


def write_atomic(path: Path, data: bytes) -> None:
    """Writes `data` to `path` so that the path never holds a partial file (temp file + os.replace)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(error, OSError):  # name the file the user asked for, not the temporary one
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise


class QrImageCache:
    """Rendered label PNGs by cache key, in `folder/qr-images.sqlite3`; keeps the newest `max_images`."""

    FILE_NAME = "qr-images.sqlite3"

    def __init__(self, folder: Path, max_images: int = 100_000) -> None:
        self.folder = folder
        self.max_images = max_images

    @classmethod
    def default(cls) -> QrImageCache:
        return cls(data_dir() / "cache")

    @contextlib.contextmanager
    def open(self) -> Iterator[QrCacheSession]:
        """One connection for a whole export (connecting and closing cost a few ms each)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.folder / self.FILE_NAME, timeout=10)
        try:
            # A cache: a commit need not survive a power cut (WAL stays consistent), so no fsync per
            # commit (14 ms each here: 1 s for one export).
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS images (key TEXT PRIMARY KEY, png BLOB NOT NULL)")
            yield QrCacheSession(connection, self.max_images)
        finally:
            connection.close()

    def __len__(self) -> int:
        with self.open() as session:
            return session.count()


class QrCacheSession:
    """The cache while it is open; each `put_many` is one transaction."""

    def __init__(self, connection: sqlite3.Connection, max_images: int) -> None:
        self._db = connection
        self._max_images = max_images

    def get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), 500):  # SQLite's limit on parameters is 999 in old builds
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            found.update(self._db.execute(f"SELECT key, png FROM images WHERE key IN ({marks})", batch).fetchall())
        return found

    def put_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO images (key, png) VALUES (?, ?)", items)
            self._db.execute(
                "DELETE FROM images WHERE rowid <= (SELECT max(rowid) FROM images) - ?", (self._max_images,)
            )

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM images").fetchone()[0])


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # Windows, macOS
        return os.cpu_count() or 1


def save_png(path: Path, png: bytes) -> bool:
    """Writes the file atomically unless it already holds these bytes; True if it was written."""
    try:
        if path.stat().st_size == len(png) and path.read_bytes() == png:
            return False
    except OSError:
        pass
    write_atomic(path, png)
    return True


@lru_cache(maxsize=4)
def _worker_renderer(font_path: str, style: LabelStyle) -> LabelRenderer:
    return LabelRenderer(font_path, style)


def _render_chunk(
    font_path: str, style: LabelStyle, labels: list[QrLabel], targets: list[Path] | None
) -> tuple[list[bytes], int]:
    """In a worker process: the PNGs of `labels` in order (each saved to its target, if given) and how
    many targets already held the same image."""
    renderer = _worker_renderer(font_path, style)
    pngs = [renderer.render_png(label) for label in labels]
    unchanged = 0
    for target, png in zip(targets or (), pngs, strict=False):
        unchanged += not save_png(target, png)
    return pngs, unchanged


def render_many(
    labels: Sequence[QrLabel],
    state: ProgressState,
    *,
    renderer: LabelRenderer | None = None,
    cache: QrImageCache | None = None,
    workers: int | None = None,
    save_to: Sequence[Path] | None = None,
    stats: dict[str, int] | None = None,
) -> Iterator[tuple[int, bytes]]:
    """Yields `(index into labels, PNG)` as each becomes ready: cached ones first, then rendered ones.

    With `save_to` (a path per label), each image is also saved there before it is yielded (atomically,
    and not at all if the file already holds it), by the worker that rendered it. New images go into the
    cache (the user's cache folder if none is given). Raises `TaskCancelled` between chunks once the
    state is cancelled; the pool is shut down on the way out, whatever ends the iteration. `stats` (if
    given) gets the counts `reused`, `rendered` and `unchanged` (files already right).
    """
    renderer = renderer or LabelRenderer()
    cache = cache if cache is not None else QrImageCache.default()
    counts = stats if stats is not None else {}
    counts.update(reused=0, rendered=0, unchanged=0)
    check_cancelled(state)
    keys = [renderer.cache_key(label) for label in labels]
    with cache.open() as stored:
        cached = stored.get_many(keys)
        missing: list[int] = []
        for n, (index, key) in enumerate(enumerate(keys)):
            png = cached.get(key)
            if png is None:
                missing.append(index)
                continue
            if n % 256 == 0:
                check_cancelled(state)
            if save_to is not None and not save_png(save_to[index], png):
                counts["unchanged"] += 1
            counts["reused"] += 1
            yield index, png
        del cached
        if not missing:
            return
        workers = default_workers() if workers is None else workers
        job = _Job(renderer, labels, save_to, state)
        chunks: Iterator[tuple[list[tuple[int, bytes]], int]]
        if workers <= 1 or len(missing) < POOL_THRESHOLD:
            chunks = (job.render_here(missing[i : i + 16]) for i in range(0, len(missing), 16))
        else:
            chunks = job.render_in_pool(missing, workers)
        for chunk, unchanged in chunks:
            stored.put_many((keys[index], png) for index, png in chunk)
            counts["rendered"] += len(chunk)
            counts["unchanged"] += unchanged
            yield from chunk


@dataclass
class _Job:
    renderer: LabelRenderer
    labels: Sequence[QrLabel]
    save_to: Sequence[Path] | None
    state: ProgressState

    def _args(self, indexes: list[int]) -> tuple[str, LabelStyle, list[QrLabel], list[Path] | None]:
        targets = [self.save_to[i] for i in indexes] if self.save_to is not None else None
        return str(self.renderer.font_path), self.renderer.style, [self.labels[i] for i in indexes], targets

    def render_here(self, indexes: list[int]) -> tuple[list[tuple[int, bytes]], int]:
        check_cancelled(self.state)
        pngs, unchanged = _render_chunk(*self._args(indexes))
        return list(zip(indexes, pngs, strict=True)), unchanged

    def render_in_pool(self, missing: list[int], workers: int) -> Iterator[tuple[list[tuple[int, bytes]], int]]:
        size = max(16, min(CHUNK_MAX, len(missing) // (workers * 4)))
        chunks = [missing[i : i + size] for i in range(0, len(missing), size)]
        pool = ProcessPoolExecutor(min(workers, len(chunks)), mp_context=multiprocessing.get_context("spawn"))
        try:
            pending = {pool.submit(_render_chunk, *self._args(chunk)): chunk for chunk in chunks}
            while pending:
                check_cancelled(self.state)
                done, _ = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
                for future in done:
                    pngs, unchanged = future.result()
                    yield list(zip(pending.pop(future), pngs, strict=True)), unchanged
        finally:
            # Chunks already running finish (each file they save is whole); queued ones are dropped.
            pool.shutdown(wait=True, cancel_futures=True)
