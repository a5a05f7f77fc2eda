"""Attachment bytes on disk, by content (sha256): identical files are stored once.

Files live under `data_dir/attachments/<2 hex>/<sha256>`, outside anything served statically;
the original name is kept in the database for display only. Uploads are read in chunks and
refused as soon as they pass the size limit, so an oversized file is never held whole.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from firmdesk.domain.files import SNIFF_BYTES, check_attachment, safe_file_name
from firmdesk.domain.limits import MAX_ATTACHMENT_BYTES, human_size
from firmdesk.server.services.errors import AttachmentTooLarge

CHUNK = 64 * 1024


class ReadableUpload(Protocol):
    """What an upload offers: a name and chunked reads (FastAPI's UploadFile.file fits)."""

    filename: str | None
    file: BinaryIO


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
                    out.write(chunk)
            file_type = check_attachment(display_name, size, head)
            sha = digest.hexdigest()
            target = self.path_of(sha)
            if target.exists():
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
