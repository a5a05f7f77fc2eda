"""Attachment rules: the type is judged from the content, names are sanitised for display and Windows."""

from __future__ import annotations

import re

import filetype  # type: ignore[import-untyped]  # filetype ships neither type hints nor stubs

from firmdesk.domain.errors import LimitExceeded
from firmdesk.domain.limits import MAX_ATTACHMENT_BYTES, human_size
from firmdesk.domain.text import clean_text

ALLOWED_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED_TYPES_TEXT = "pdf、jpg、png、xls、xlsx"
#: Bytes of a file's head enough to judge its type.
SNIFF_BYTES = 8192


def sniff_type(head: bytes) -> str | None:
    """The allowed type (`pdf`, `jpg`, `png`, `xls`, `xlsx`) of a file from its first bytes, else None."""
    kind = filetype.guess(head)
    if kind is None:
        return None
    ext = "jpg" if kind.extension in {"jpg", "jpeg"} else kind.extension
    return ext if ext in ALLOWED_TYPES else None


def _oversize_text(size: int, limit: int = MAX_ATTACHMENT_BYTES) -> str:
    """The size of a file over `limit`, worded so that it never reads as the limit or less.

    Usually the rounded size (6.0 MB); a file just over the limit rounds to the limit's own text
    (5 MB + 1 byte is "5.0 MB" too), so it is given exactly: "5,242,881 字节（超出 1 字节）".
    """
    text = human_size(size)
    if size > limit and text == human_size(limit):
        return f"{size:,} 字节（超出 {size - limit:,} 字节）"
    return text


def check_attachment(name: str, size: int, head: bytes) -> str:
    """The file's type if it may be attached, else `LimitExceeded` with a message naming the file."""
    if size > MAX_ATTACHMENT_BYTES:
        raise LimitExceeded(
            f"文件“{name}”大小为 {_oversize_text(size)}，单个附件不能超过 {human_size(MAX_ATTACHMENT_BYTES)}"
        )
    if size == 0:
        raise LimitExceeded(f"文件“{name}”是空文件")
    kind = sniff_type(head)
    if kind is None:
        raise LimitExceeded(f"文件“{name}”的内容不是支持的类型（支持：{ALLOWED_TYPES_TEXT}）")
    return kind


_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def safe_file_name(name: str, fallback: str = "附件", max_len: int = 120) -> str:
    """A file name safe to show and to save on Windows: no folders, forbidden or reserved names."""
    name = clean_text(name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _FORBIDDEN.sub("_", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.upper() in _WINDOWS_RESERVED or name.upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    name = f"{stem}.{ext}" if ext else stem
    if not stem.strip(" ._"):
        name = f"{fallback}.{ext}" if ext else fallback
    if len(name) > max_len:
        keep = max_len - len(ext) - 1 if ext else max_len
        name = f"{name[:keep]}.{ext}" if ext else name[:max_len]
    return name
