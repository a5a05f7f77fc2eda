"""Attachment bytes on disk, by content (sha256): identical files are stored once.

Files live under `data_dir/attachments/<2 hex>/<sha256>`, outside anything served statically;
the original name is kept in the database for display only. Uploads are read in chunks and
refused as soon as they pass the size limit, so an oversized file is never held whole. A full disk
is `StorageFull` (507), told to the uploader; nothing else on the server needs this disk.

Files nobody references (a refused or replayed upload stores its bytes before the use case decides)
are removed by `collect_garbage` once they are older than a day (`firmdesk-server gc`, and `serve`
every few hours).
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from firmdesk.domain.files import SNIFF_BYTES, check_attachment, safe_file_name
from firmdesk.domain.limits import MAX_ATTACHMENT_BYTES, human_size
from firmdesk.server.services.errors import AttachmentTooLarge, StorageFull

CHUNK = 64 * 1024
#: Unreferenced files younger than this are kept: an upload may be stored and not yet committed.
GARBAGE_MIN_AGE_S = 24 * 3600
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def write_chunk(out: BinaryIO, chunk: bytes) -> None:
    """The one place attachment bytes reach the disk (tests make it fail as a full disk would)."""
    out.write(chunk)


def _touch(path: Path) -> bool:
    """Set `path`'s modification time to now; False when there is no such file (or it was just collected)."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


class ReadableUpload(Protocol):
    """What an upload offers: a name and chunked reads (FastAPI's UploadFile.file fits)."""

    filename: str | None
    file: BinaryIO


@dataclass(frozen=True)
class GarbageReport:
    removed: int
    freed_bytes: int
    kept_young: int


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    file_type: str
    original_name: str


class AttachmentStore:
    def __init__(self, root: Path, max_bytes: int = MAX_ATTACHMENT_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._incoming = root / "incoming"
        self._incoming.mkdir(parents=True, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256

    def save(self, name: str | None, stream: BinaryIO) -> StoredFile:
        """Read `stream` in chunks into the store; `AttachmentTooLarge` at max_bytes + 1,
        `LimitExceeded` if the content is not an allowed type. Returns what was stored."""
        display_name = safe_file_name(name or "")
        try:
            return self._save(display_name, stream)
        except OSError as error:
            if error.errno in _NO_SPACE:
                raise StorageFull(
                    f"服务器存储空间已满，文件“{display_name}”暂时无法保存；请稍后重试或联系管理员", file=display_name
                ) from error
            raise

    def _save(self, display_name: str, stream: BinaryIO) -> StoredFile:
        digest = hashlib.sha256()
        head = b""
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._incoming, suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise AttachmentTooLarge(
                            f"文件“{display_name}”超过 {human_size(self.max_bytes)}，单个附件不能超过 "
                            f"{human_size(self.max_bytes)}",
                            file=display_name,
                            max_bytes=self.max_bytes,
                        )
                    if len(head) < SNIFF_BYTES:
                        head += chunk[: SNIFF_BYTES - len(head)]
                    digest.update(chunk)
                    write_chunk(out, chunk)
            file_type = check_attachment(display_name, size, head)
            sha = digest.hexdigest()
            target = self.path_of(sha)
            if _touch(target):  # stored already; young again, so the garbage collector leaves it to the commit
                tmp.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
            return StoredFile(sha256=sha, size=size, file_type=file_type, original_name=display_name)
        finally:
            if tmp.exists():
                tmp.unlink()

    def open(self, sha256: str) -> BinaryIO:
        return self.path_of(sha256).open("rb")

    def collect_garbage(self, referenced: Collection[str], min_age_s: float = GARBAGE_MIN_AGE_S) -> GarbageReport:
        """Remove stored files whose sha256 is not in `referenced` and left-over partial uploads, when
        older than `min_age_s`. Returns what it did."""
        removed = freed = young = 0
        cutoff = time.time() - min_age_s
        for path in [*self.root.glob("[0-9a-f][0-9a-f]/*"), *self._incoming.glob("*.part")]:
            if path.parent != self._incoming and path.name in referenced:
                continue
            try:
                stat = path.stat()
                if stat.st_mtime > cutoff:
                    young += 1
                    continue
                path.unlink()
            except FileNotFoundError:
                continue
            removed += 1
            freed += stat.st_size
        return GarbageReport(removed=removed, freed_bytes=freed, kept_young=young)
