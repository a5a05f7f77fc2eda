"""批量下载二维码: labelled QR PNGs into a folder or a .zip (the A4 sheet of labels is `qr_sheet`).

Each function is a plain `run(args, state)` task (no Qt): it reports `state.set_progress(done, total)`,
stops with `TaskCancelled` when `state.is_cancelled()`, and never leaves a half-written file: every PNG is
written to a temporary name and renamed, a .zip is built in a temporary file and renamed only when
complete. Images come from `qr_images.render_many` (cache, process pool); `cache=None` means the user's
cache folder (`QrImageCache.default()`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from firmdesk.services.progress import ProgressState, TaskCancelled, check_cancelled, write_failed
from firmdesk.services.qr_codes import LabelRenderer
from firmdesk.services.qr_images import QrImageCache, render_many
from firmdesk.services.qr_labels import QrLabel

#: Images between two progress reports.
PROGRESS_EVERY = 50


@dataclass(frozen=True)
class QrExportResult:
    path: Path  # the folder, .zip or .pdf written
    count: int  # labels in it
    rendered: int  # images made anew
    reused: int  # images taken from the cache
    unchanged: int = 0  # folder export: files already there with the same content, left untouched


def unique_file_names(labels: Sequence[QrLabel]) -> list[str]:
    """`{certificate number}_{name}.png` for each label; a repeated name gets ` (2)`, ` (3)`..."""
    seen: set[str] = set()
    names = []
    for label in labels:
        name = label.file_name
        stem, ext = os.path.splitext(name)
        n = 1
        while name.casefold() in seen:  # Windows file names ignore case
            n += 1
            name = f"{stem} ({n}){ext}"
        seen.add(name.casefold())
        names.append(name)
    return names


def export_qr_folder(
    labels: Sequence[QrLabel],
    folder: Path,
    state: ProgressState,
    *,
    renderer: LabelRenderer | None = None,
    cache: QrImageCache | None = None,
    workers: int | None = None,
) -> QrExportResult:
    """Writes one PNG a label into `folder`. A file already there with the same bytes is left as it is.

    On cancel the PNGs finished so far stay (each is whole) and `TaskCancelled` is raised.
    """
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
    targets = [folder / name for name in unique_file_names(labels)]
    total = len(labels)
    stats: dict[str, int] = {}
    state.set_progress(0, total)
    images = render_many(labels, state, renderer=renderer, cache=cache, workers=workers, save_to=targets, stats=stats)
    try:
        for done, _ in enumerate(images, start=1):  # each image is saved by the time it is yielded
            if done % PROGRESS_EVERY == 0 or done == total:
                state.set_progress(done, total)
    except OSError as error:
        raise write_failed(folder, error) from error
    return QrExportResult(folder, total, stats["rendered"], stats["reused"], stats["unchanged"])


def export_qr_zip(
    labels: Sequence[QrLabel],
    zip_path: Path,
    state: ProgressState,
    *,
    renderer: LabelRenderer | None = None,
    cache: QrImageCache | None = None,
    workers: int | None = None,
) -> QrExportResult:
    """Writes one .zip with a PNG a label, in the labels' order. On cancel no .zip (and no partial one) is left."""
    names = unique_file_names(labels)
    total = len(labels)
    images: list[bytes | None] = [None] * total
    stats: dict[str, int] = {}
    state.set_progress(0, total)
    for done, (index, png) in enumerate(
        render_many(labels, state, renderer=renderer, cache=cache, workers=workers, stats=stats), start=1
    ):
        images[index] = png
        if done % PROGRESS_EVERY == 0:
            state.set_progress(done, total)
    with writing(zip_path), temporary_beside(zip_path) as tmp:
        # PNGs are compressed already: deflating them again costs time and gains almost nothing.
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            for n, (name, image) in enumerate(zip(names, images, strict=True)):
                if n % 256 == 0:
                    check_cancelled(state)
                assert image is not None
                archive.writestr(name, image)
        os.replace(tmp, zip_path)
    state.set_progress(total, total)
    return QrExportResult(zip_path, total, stats["rendered"], stats["reused"])


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turns an `OSError` into the user's message naming `path`."""
    try:
        yield
    except OSError as error:
        raise write_failed(path, error) from error


@contextlib.contextmanager
def temporary_beside(target: Path) -> Iterator[Path]:
    """A temporary path in the target's folder (so `os.replace` is atomic); removed unless it was renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        yield tmp
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


__all__ = [
    "QrExportResult",
    "TaskCancelled",
    "export_qr_folder",
    "export_qr_zip",
    "unique_file_names",
]
