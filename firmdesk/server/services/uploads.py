"""Uploads of a request: counted before reading (`domain.materials`), each streamed into the store (size and type
checked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.files import safe_file_name
from firmdesk.domain.limits import MAX_RECORD_ID
from firmdesk.domain.materials import material_name
from firmdesk.server.db.models import Attachment
from firmdesk.server.storage import AttachmentStore, ReadableUpload, StoredFile


@dataclass(frozen=True)
class Upload:
    material: str
    stored: StoredFile

    def attachment(
        self, now: datetime, *, application_id: int | None = None, batch_id: int | None = None
    ) -> Attachment:
        """The attachment row of this upload, for an application or a batch."""
        return Attachment(
            sha256=self.stored.sha256,
            size=self.stored.size,
            file_type=self.stored.file_type,
            original_name=self.stored.original_name,
            material=self.material,
            uploaded_at=now,
            application_id=application_id,
            batch_id=batch_id,
        )


def store_uploads(storage: AttachmentStore, files: Sequence[ReadableUpload], materials: Sequence[str]) -> list[Upload]:
    """Store `files` (aligned with `materials`, each named); the caller checked how many there may be."""
    if len(files) != len(materials):
        raise InvalidInput(f"附件与材料名称的数量不一致（附件 {len(files)} 个，材料名称 {len(materials)} 个）")
    names = [material_name(m, safe_file_name(f.filename or "")) for f, m in zip(files, materials, strict=True)]
    return [Upload(material, storage.save(f.filename, f.file)) for f, material in zip(files, names, strict=True)]


def store_before_writing(
    session: Session, storage: AttachmentStore, files: Sequence[ReadableUpload], materials: Sequence[str]
) -> list[Upload]:
    """`store_uploads` with no transaction open: copying and hashing files must not hold the database's write
    lock (SQLite has one for everybody). Call it before the use case's `Change`: the transaction the sign-in
    check began (it only read) ends here. A use case that then refuses leaves the stored bytes unreferenced;
    `AttachmentStore.collect_garbage` removes them a day later."""
    session.commit()
    return store_uploads(storage, files, materials)


def parse_ids(values: Sequence[str | int], what: str) -> list[int]:
    """Ids from repeated fields and/or comma-separated lists, in order, without repeats."""
    ids: list[int] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= MAX_RECORD_ID:
                raise InvalidInput(f"{what}无效：{part[:30]}")
            if int(part) not in ids:
                ids.append(int(part))
    return ids
