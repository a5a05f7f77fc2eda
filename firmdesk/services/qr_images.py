"""Many labelled QR images at once: a cache of what was rendered before, and both cores for the rest.

Used by the bulk exports (`qr_export`). The work is split in chunks rendered by a process pool (the
"spawn" start method everywhere: forking a process that runs Qt threads is unsafe); the caller polls for
cancellation between chunks, so stopping takes at most one chunk's time (about 0.1 s).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import secrets
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from functools import lru_cache
from pathlib import Path

from firmdesk.services.progress import ProgressState, check_cancelled
from firmdesk.services.qr_codes import LabelRenderer, LabelStyle, QrLabel
from firmdesk.services.settings import data_dir

#: Below this many images to render, starting worker processes costs more than it saves.
POOL_THRESHOLD = 150
CHUNK_MAX = 100


def write_atomic(path: Path, data: bytes) -> None:
    """Writes `data` to `path` so that the path never holds a partial file (temp file + os.replace)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


class QrImageCache:
    """Rendered label PNGs in a folder, named by `LabelRenderer.cache_key` (a hash of all they depend on)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def default(cls) -> QrImageCache:
        return cls(data_dir() / "cache" / "qr")

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.png"

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path(key), data)


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # Windows, macOS
        return os.cpu_count() or 1


@lru_cache(maxsize=4)
def _worker_renderer(font_path: str, style: LabelStyle) -> LabelRenderer:
    return LabelRenderer(font_path, style)


def _render_chunk(
    font_path: str, style: LabelStyle, cache_folder: str | None, items: list[tuple[int, str, QrLabel]]
) -> list[tuple[int, bytes]]:
    """In a worker process: renders labels and stores them in the cache (each file written atomically)."""
    renderer = _worker_renderer(font_path, style)
    cache = QrImageCache(Path(cache_folder)) if cache_folder else None
    out = []
    for index, key, label in items:
        png = renderer.render_png(label)
        if cache is not None:
            cache.put(key, png)
        out.append((index, png))
    return out


def render_many(
    labels: Sequence[QrLabel],
    state: ProgressState,
    *,
    renderer: LabelRenderer | None = None,
    cache: QrImageCache | None = None,
    workers: int | None = None,
    stats: dict[str, int] | None = None,
) -> Iterator[tuple[int, bytes]]:
    """Yields `(index into labels, PNG)` as each becomes ready: cached ones first, then rendered ones.

    Raises `TaskCancelled` between chunks once the state is cancelled; the pool is shut down on the way
    out, whatever ends the iteration. `stats` (if given) gets the counts `reused` and `rendered`.
    """
    renderer = renderer or LabelRenderer()
    counts = stats if stats is not None else {}
    counts.update(reused=0, rendered=0)
    missing: list[tuple[int, str, QrLabel]] = []
    for index, label in enumerate(labels):
        if index % 256 == 0:
            check_cancelled(state)
        key = renderer.cache_key(label)
        png = cache.get(key) if cache is not None else None
        if png is None:
            missing.append((index, key, label))
        else:
            counts["reused"] += 1
            yield index, png
    if not missing:
        return
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(missing) < POOL_THRESHOLD:
        for n, (index, key, label) in enumerate(missing):
            if n % 16 == 0:
                check_cancelled(state)
            png = renderer.render_png(label)
            if cache is not None:
                cache.put(key, png)
            counts["rendered"] += 1
            yield index, png
        return
    yield from _render_in_pool(missing, state, renderer, cache, workers, counts)


def _render_in_pool(
    missing: list[tuple[int, str, QrLabel]],
    state: ProgressState,
    renderer: LabelRenderer,
    cache: QrImageCache | None,
    workers: int,
    counts: dict[str, int],
) -> Iterator[tuple[int, bytes]]:
    size = max(16, min(CHUNK_MAX, len(missing) // (workers * 4)))
    chunks = [missing[i : i + size] for i in range(0, len(missing), size)]
    if cache is not None:
        cache.folder.mkdir(parents=True, exist_ok=True)
    cache_folder = str(cache.folder) if cache is not None else None
    pool = ProcessPoolExecutor(min(workers, len(chunks)), mp_context=multiprocessing.get_context("spawn"))
    try:
        pending: set[Future[list[tuple[int, bytes]]]] = {
            pool.submit(_render_chunk, str(renderer.font_path), renderer.style, cache_folder, chunk) for chunk in chunks
        }
        while pending:
            check_cancelled(state)
            done, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
            for future in done:
                for index, png in future.result():
                    counts["rendered"] += 1
                    yield index, png
    finally:
        # Chunks already running finish (they only write whole cache files); queued ones are dropped.
        pool.shutdown(wait=True, cancel_futures=True)
