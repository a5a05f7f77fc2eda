"""Uploads of a request: counted before reading, each streamed into the store (size and type checked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from firmdesk.domain.errors import InvalidInput, LimitExceeded
from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.server.storage import AttachmentStore, ReadableUpload, StoredFile

MATERIAL_MAX_CHARS = 100


@dataclass(frozen=True)
class Upload:
    material: str
    stored: StoredFile


def material_name(value: str) -> str:
    name = (value or "").strip()
    if not name:
        raise InvalidInput("请为每个附件选择材料名称")
    if len(name) > MATERIAL_MAX_CHARS:
        raise InvalidInput(f"材料名称不能超过 {MATERIAL_MAX_CHARS} 个字")
    return name


def check_count(count: int, limit: int, what: str = "附件") -> None:
    if count > limit:
        raise LimitExceeded(f"{what}最多 {limit} 个（当前 {count} 个）", limit=limit, count=count)


def store_uploads(
    storage: AttachmentStore, files: Sequence[ReadableUpload], materials: Sequence[str], *, already: int, limit: int
) -> list[Upload]:
    """Store `files` (aligned with `materials`); at most `limit` files counting the `already` kept ones."""
    if len(files) != len(materials):
        raise InvalidInput(f"附件与材料名称的数量不一致（附件 {len(files)} 个，材料名称 {len(materials)} 个）")
    names = [material_name(m) for m in materials]
    check_count(already + len(files), limit)
    return [Upload(material, storage.save(f.filename, f.file)) for f, material in zip(files, names, strict=True)]


def require_social_security(materials: Sequence[str]) -> None:
    if SOCIAL_SECURITY_MATERIAL not in materials:
        raise InvalidInput(f"请上传{SOCIAL_SECURITY_MATERIAL}", material=SOCIAL_SECURITY_MATERIAL)


def parse_ids(values: Sequence[str | int], what: str) -> list[int]:
    """Ids from repeated fields and/or comma-separated lists, in order, without repeats."""
    ids: list[int] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise InvalidInput(f"{what}无效：{part}")
            if int(part) not in ids:
                ids.append(int(part))
    return ids
