"""Batch materials on their way to the server: checked before uploading, then streamed from disk as multipart.

The checks are the domain's rules (type by content, 5 MB; `domain.materials`: 10 files, the required 社保证明材料)
so that the user hears about a bad file before anything is sent; the server checks again, in the same words.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from firmdesk.domain.errors import DomainError, LimitExceeded
from firmdesk.domain.files import ALLOWED_TYPES, SNIFF_BYTES, check_attachment
from firmdesk.domain.limits import MAX_APPLICATION_FILES, MAX_ATTACHMENT_BYTES
from firmdesk.domain.materials import (
    check_batch_file_count,
    check_file_count,
    material_name,
    require_batch_materials,
    require_on_behalf_materials,
)
from firmdesk.services.errors import AttachmentRejected, ServiceError, UploadCancelled
from firmdesk.services.progress import NO_STATE, ProgressState

CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class PlannedFile:
    """A file that passed the checks: what it is for, where it is, and what it holds."""

    material: str
    path: Path
    size: int
    file_type: str  # pdf, jpg, png, xls, xlsx (judged from the content)

    @property
    def content_type(self) -> str:
        return ALLOWED_TYPES[self.file_type]


def check_file(material: str, path: Path) -> PlannedFile:
    """The file if it may be attached as `material`, else `AttachmentRejected` naming the file."""
    name = path.name
    with _rejected():
        material = material_name(material, name)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise AttachmentRejected(f"“{name}”不是文件", code="invalid_input")
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        raise AttachmentRejected(f"文件“{name}”不存在或无法读取", code="invalid_input") from None
    try:
        file_type = check_attachment(name, size, head)
    except LimitExceeded as e:
        raise AttachmentRejected(e.message, status=413 if size > MAX_ATTACHMENT_BYTES else 422) from None
    return PlannedFile(material=material, path=path, size=size, file_type=file_type)


def check_batch_files(
    files: Sequence[tuple[str, Path]],
    *,
    kept_materials: Sequence[str] = (),
) -> list[PlannedFile]:
    """Every file checked, plus the batch rules: at most 10 files (kept ones included), 社保证明材料 present."""
    with _rejected():
        check_batch_file_count(len(files) + len(kept_materials))
    planned = [check_file(material, Path(path)) for material, path in files]
    with _rejected():
        require_batch_materials([p.material for p in planned] + list(kept_materials))
    return planned


def check_on_behalf_files(files: Sequence[tuple[str, Path]], required: Sequence[str]) -> list[PlannedFile]:
    """年检代提请's files: each checked, at most 10, and every material of `required` plus the 授权委托书."""
    with _rejected():
        check_file_count(len(files), MAX_APPLICATION_FILES)
    planned = [check_file(material, Path(path)) for material, path in files]
    with _rejected():
        require_on_behalf_materials(required, [p.material for p in planned])
    return planned


@contextmanager
def _rejected() -> Iterator[None]:
    """The domain's refusal of a material as `AttachmentRejected`, with its message and code."""
    try:
        yield
    except DomainError as e:
        raise AttachmentRejected(e.message, code=e.code) from None


def _quote(value: str) -> str:
    # As browsers (and httpx) do in multipart headers: escape what would end the quoted string.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    """A multipart/form-data body of text fields and files, streamed from disk chunk by chunk.

    The length is known before sending (Content-Length, no chunked encoding). Each call of
    `chunks()` starts over and reopens the files, so a retried request sends the same body.
    """

    def __init__(self, fields: Iterable[tuple[str, str]], files: Iterable[tuple[str, PlannedFile]]) -> None:
        self.boundary = uuid.uuid4().hex
        self._fields = [(name, str(value)) for name, value in fields]
        self._files = list(files)
        self.length = (
            sum(len(self._field_part(n, v)) for n, v in self._fields)
            + sum(len(self._file_head(n, f)) + f.size + 2 for n, f in self._files)
            + len(self._tail())
        )

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _field_part(self, name: str, value: str) -> bytes:
        return (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n{value}\r\n'
        ).encode()

    def _file_head(self, name: str, planned: PlannedFile) -> bytes:
        return (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{_quote(name)}"; filename="{_quote(planned.path.name)}"\r\n'
            f"Content-Type: {planned.content_type}\r\n\r\n"
        ).encode()

    def _tail(self) -> bytes:
        return f"--{self.boundary}--\r\n".encode()

    def chunks(self, state: ProgressState = NO_STATE) -> Iterator[bytes]:
        """The body; `state` hears the bytes sent (`set_progress(sent, total)`), and a cancel stops the upload
        between two chunks with `UploadCancelled`."""
        sent = 0

        def step(chunk: bytes) -> bytes:
            nonlocal sent
            if state.is_cancelled():
                raise UploadCancelled()
            sent += len(chunk)
            state.set_progress(sent, self.length)
            return chunk

        state.set_progress(0, self.length)
        for name, value in self._fields:
            yield step(self._field_part(name, value))
        for name, planned in self._files:
            yield step(self._file_head(name, planned))
            yield from (step(c) for c in _read_exactly(planned))
            yield step(b"\r\n")
        yield step(self._tail())


def _read_exactly(planned: PlannedFile) -> Iterator[bytes]:
    """The file's bytes as checked; a file changed since the check stops the upload (the length is fixed)."""
    left = planned.size
    changed = ServiceError(f"文件“{planned.path.name}”在上传过程中被修改，请重新选择后再提交")
    try:
        with planned.path.open("rb") as f:
            if os.fstat(f.fileno()).st_size != planned.size:
                raise changed
            while left > 0:
                chunk = f.read(min(CHUNK_BYTES, left))
                if not chunk:
                    raise changed
                left -= len(chunk)
                yield chunk
    except OSError:
        raise ServiceError(f"读取文件“{planned.path.name}”失败，请检查文件是否仍然存在") from None
