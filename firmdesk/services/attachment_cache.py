"""Downloaded attachments kept on disk by content hash, so that each file is fetched from the server once.

A file is stored as `<folder>/<sha256[:2]>/<sha256>/<safe original name>`: the hash makes it fetched once
whatever attachment (or firm) it belongs to, the name lets the system's default program (Excel) show a
sensible title. Writes are atomic (temporary file, fsync, rename) and the content's sha256 is checked
against the server's before the file becomes visible, and again before it is reused whenever the file's size or
modification time changed since it was last checked (a damaged file is dropped and fetched again).
`evict(keep, limit)` bounds the folder's size, dropping the oldest files first (see `offline_attachments.py`).
No Qt: `get` blocks, the UI runs it on its worker pool; it is safe to call from several threads.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import platformdirs

from firmdesk.domain.files import safe_file_name
from firmdesk.services.errors import ServiceError
from firmdesk.services.models import Attachment

#: `fetch(attachment_id) -> bytes`: e.g. `CmisClient.attachment_content`.
Fetch = Callable[[int], bytes]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class AttachmentCorrupt(ServiceError):
    """The bytes received do not match the attachment's sha256 (a broken download or a changed file)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"附件“{name}”下载后校验失败（内容与服务器记录不一致），请重试")
        self.name = name


class SaveFailed(ServiceError):
    """Writing to the user's folder failed (no permission, disk full, folder gone)."""


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            h.update(chunk)
    return h.hexdigest()


def display_name(attachment: Attachment) -> str:
    """The attachment's file name, safe for Windows, with the extension of its (content-judged) type."""
    name = safe_file_name(attachment.original_name or attachment.material or "附件")
    ext = attachment.file_type.lower()
    if ext and not name.lower().endswith(f".{ext}") and not (ext == "jpg" and name.lower().endswith(".jpeg")):
        name = f"{name}.{ext}"
    return name


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class AttachmentCache:
    """`get(attachment, fetch) -> Path`: the local copy of an attachment, fetched only if not cached."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._hash_locks: dict[str, threading.Lock] = {}
        # path -> (size, mtime_ns) when its content last matched its hash: re-hashed once either changes.
        self._verified: dict[Path, tuple[int, int]] = {}

    @classmethod
    def for_user(cls) -> AttachmentCache:
        return cls(Path(platformdirs.user_cache_dir("FirmDesk", appauthor=False)) / "attachments")

    def _lock_for(self, sha256: str) -> threading.Lock:
        with self._lock:
            return self._hash_locks.setdefault(sha256, threading.Lock())

    def _dir_for(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / sha256

    def cached_path(self, attachment: Attachment) -> Path | None:
        """The local copy if it is already there and intact, without fetching."""
        sha = attachment.sha256.lower()
        if not _HEX64.match(sha):
            return None
        with self._lock_for(sha):
            return self._existing(attachment, sha)

    def _existing(self, attachment: Attachment, sha: str) -> Path | None:
        folder = self._dir_for(sha)
        target = folder / display_name(attachment)
        candidates = [target] if target.is_file() else []
        if folder.is_dir():
            candidates += [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p != target]
        for path in candidates:
            if self._still_verified(path) or _sha256_of(path) == sha:
                self._mark_verified(path)
                if path != target:
                    # Same content known under another name: copy locally rather than fetch again.
                    try:
                        _atomic_write(target, path.read_bytes())
                    except OSError:
                        return path
                    self._mark_verified(target)
                return target
            path.unlink(missing_ok=True)  # damaged: drop it, it will be fetched again
            self._verified.pop(path, None)
        return None

    def _still_verified(self, path: Path) -> bool:
        try:
            return self._verified.get(path) == _stamp(path)
        except OSError:
            return False

    def _mark_verified(self, path: Path) -> None:
        with contextlib.suppress(OSError):
            self._verified[path] = _stamp(path)

    def has(self, attachment: Attachment) -> bool:
        """Whether a copy is on disk (size checked only, no hashing: the hash is checked when it is opened)."""
        sha = attachment.sha256.lower()
        if not _HEX64.match(sha):
            return False
        folder = self._dir_for(sha)
        try:
            return any(
                p.is_file() and not p.name.startswith(".") and p.stat().st_size == attachment.size
                for p in folder.iterdir()
            )
        except OSError:
            return False

    def files(self) -> list[Path]:
        """Every cached file (hash folders only; partial downloads and unverified scratch files are left out)."""
        if not self.folder.is_dir():
            return []
        return [
            p
            for p in self.folder.glob("??/*/*")
            if p.is_file() and not p.name.startswith(".") and _HEX64.match(p.parent.name)
        ]

    def evict(self, keep: Iterable[Path], limit_bytes: int) -> list[Path]:
        """Drop cached files, oldest first, until the folder holds at most `limit_bytes`; never one in `keep`.

        Returns the files dropped. Files in `keep` alone may exceed the limit: the caller chose them within it.
        """
        keep_set = {Path(p) for p in keep}
        stamped: list[tuple[float, int, Path]] = []
        for path in self.files():
            try:
                st = path.stat()
            except OSError:
                continue
            stamped.append((st.st_mtime, st.st_size, path))
        total = sum(size for _t, size, _p in stamped)
        dropped: list[Path] = []
        for _mtime, size, path in sorted(stamped):
            if total <= limit_bytes:
                break
            if path in keep_set:
                continue
            with self._lock:
                path.unlink(missing_ok=True)
                self._verified.pop(path, None)
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # empty now (another name of the same content keeps it)
            total -= size
            dropped.append(path)
        return dropped

    def get(self, attachment: Attachment, fetch: Fetch) -> Path:
        """The verified local file; fetches (once, even from several threads) when it is not cached.

        Raises `AttachmentCorrupt` when the fetched bytes do not match `attachment.sha256`, and whatever
        `fetch` raises (a `ServiceError` from the API client).
        """
        sha = attachment.sha256.lower()
        if not _HEX64.match(sha):
            # No hash to key or verify on: fetch into a per-id scratch file, never reused.
            data = fetch(attachment.id)
            target = self.folder / "unverified" / str(attachment.id) / display_name(attachment)
            _atomic_write(target, data)
            return target
        with self._lock_for(sha):
            found = self._existing(attachment, sha)
            if found is not None:
                return found
            data = fetch(attachment.id)
            if hashlib.sha256(data).hexdigest() != sha:
                raise AttachmentCorrupt(display_name(attachment))
            target = self._dir_for(sha) / display_name(attachment)
            try:
                _atomic_write(target, data)
            except OSError as e:
                raise ServiceError(f"无法写入附件缓存（{e.strerror or e}），请检查磁盘空间") from None
            self._mark_verified(target)
            return target

    def save_to(self, attachments: Iterable[Attachment], fetch: Fetch, folder: Path) -> list[Path]:
        """Copies each attachment into `folder` under its own name; never overwrites (adds “ (2)”)."""
        folder = Path(folder)
        saved: list[Path] = []
        taken: set[str] = set()
        for attachment in attachments:
            source = self.get(attachment, fetch)
            target = _free_name(folder, display_name(attachment), taken)
            taken.add(target.name.lower())
            try:
                folder.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.part")
                shutil.copyfile(source, tmp)
                os.replace(tmp, target)
            except OSError as e:
                raise SaveFailed(f"无法保存“{target.name}”到 {folder}（{e.strerror or e}）") from None
            saved.append(target)
        return saved

    def clear(self) -> None:
        """Deletes every cached file (they hold CPAs' personal documents)."""
        with self._lock:
            self._verified.clear()
            shutil.rmtree(self.folder, ignore_errors=True)


def _free_name(folder: Path, name: str, taken: set[str]) -> Path:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 1
    candidate = name
    while (folder / candidate).exists() or candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
    return folder / candidate
