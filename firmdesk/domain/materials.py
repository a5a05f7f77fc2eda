"""Materials: each file is attached as a named material; a batch holds at most 10 files, one of them the
社保证明材料. One rule and one wording, for the client's early checks and the server's alike."""

from __future__ import annotations

from collections.abc import Iterable

from firmdesk.domain.errors import InvalidInput, LimitExceeded
from firmdesk.domain.limits import MAX_BATCH_FILES, SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.text import clean_text

#: The longest material name (the institute's lists and each attachment's).
MATERIAL_NAME_MAX_CHARS = 100

MISSING_SOCIAL_SECURITY = f"缺少必需的批次材料：{SOCIAL_SECURITY_MATERIAL}，请上传后再提交"


def material_name(value: str | None, file_name: str | None = None) -> str:
    """The material name of a file (outer blanks trimmed); refused when empty or too long."""
    name = clean_text(value or "").strip()
    if not name:
        raise InvalidInput(f"请为文件“{file_name}”选择材料名称" if file_name else "请为每个附件选择材料名称")
    check_material_name_length(name)
    return name


def check_material_name_length(name: str) -> None:
    if len(name) > MATERIAL_NAME_MAX_CHARS:
        raise InvalidInput(f"材料名称不能超过 {MATERIAL_NAME_MAX_CHARS} 个字", material=name[:20])


def check_file_count(count: int, limit: int) -> None:
    """At most `limit` attachments (the ones kept included)."""
    if count > limit:
        raise LimitExceeded(f"附件最多 {limit} 个（当前 {count} 个）", limit=limit, count=count)


def check_batch_file_count(count: int) -> None:
    """A batch's materials: at most 10 files, the kept ones of a returned batch included."""
    if count > MAX_BATCH_FILES:
        raise LimitExceeded(
            f"批次材料最多 {MAX_BATCH_FILES} 个文件，当前共 {count} 个，请删减后再提交",
            limit=MAX_BATCH_FILES,
            count=count,
        )


def check_batch_file_room(count: int, *, replacing: bool = False) -> None:
    """Room for one more file in a batch's materials that hold `count` (kept ones included); a file that
    `replacing` another takes its place."""
    if count - (1 if replacing else 0) >= MAX_BATCH_FILES:
        raise LimitExceeded(
            f"批次材料最多 {MAX_BATCH_FILES} 个文件（已有 {count} 个），请先移除不需要的文件",
            limit=MAX_BATCH_FILES,
            count=count,
        )


def require_batch_materials(materials: Iterable[str]) -> None:
    """A batch's materials (kept and new) must include the 社保证明材料."""
    if SOCIAL_SECURITY_MATERIAL not in {m.strip() for m in materials}:
        raise InvalidInput(MISSING_SOCIAL_SECURITY, material=SOCIAL_SECURITY_MATERIAL)


#: 年检代提请: the CPA's signed power of attorney, required besides the materials of the CPA's status.
AUTHORIZATION_MATERIAL = "授权委托书"


def on_behalf_materials(required: Iterable[str]) -> list[str]:
    """The materials a 代提请 needs: the institute's list for the status chosen, then the 授权委托书."""
    names = [m for m in required if m != AUTHORIZATION_MATERIAL]
    return [*names, AUTHORIZATION_MATERIAL]


def missing_on_behalf_materials(required: Iterable[str], uploaded: Iterable[str]) -> list[str]:
    have = {m.strip() for m in uploaded}
    return [m for m in on_behalf_materials(required) if m not in have]


def require_on_behalf_materials(required: Iterable[str], uploaded: Iterable[str]) -> None:
    """Every material of `on_behalf_materials(required)` among `uploaded`, else `InvalidInput` naming them."""
    missing = missing_on_behalf_materials(required, uploaded)
    if missing:
        raise InvalidInput(f"代提请缺少必需材料：{'、'.join(missing)}", missing=missing)
