"""常用退回原因: the return reasons a firm administrator reuses, kept in a JSON file between runs (no Qt)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path

import platformdirs

from firmdesk.domain.limits import REASON_MAX_CHARS
from firmdesk.services.errors import ServiceError

log = logging.getLogger(__name__)

DEFAULT_REASONS: tuple[str, ...] = (
    "社保证明材料不清晰，请重新上传",
    "培训学时不足，请补充本年度继续教育学时后重新提交",
    "继续教育证明缺失，请上传继续教育学时证明",
    "离退休证明缺失，请上传离退休证明材料",
    "上传的材料与申报的在职/离退休状态不符，请核对后重新提交",
    "附件无法打开或内容不完整，请重新上传",
    "个人信息有误，请先在统一监管平台更正后再申请",
)

_FORMAT_VERSION = 1


class ReasonRejected(ServiceError):
    """A reason that may not be kept (empty, too long, or already in the list)."""


def clean_reason(text: str) -> str:
    """The reason as it is stored and sent: line breaks kept (as \\n), outer blanks trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class CommonReasons:
    """An ordered list of reasons stored in `path`; each change is written at once (atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._reasons = self._load()

    @classmethod
    def for_user(cls) -> CommonReasons:
        return cls(Path(platformdirs.user_data_dir("FirmDesk", appauthor=False)) / "common_reasons.json")

    def _load(self) -> list[str]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return list(DEFAULT_REASONS)
        except OSError as e:
            log.warning("cannot read %s: %s; using the default reasons", self.path, e)
            return list(DEFAULT_REASONS)
        try:
            data = json.loads(raw)
            reasons = data["reasons"] if isinstance(data, dict) else data
            if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
                raise ValueError("reasons is not a list of strings")
        except (ValueError, KeyError, TypeError) as e:
            # Keep the damaged file for a human to look at; start from the defaults.
            log.warning("damaged %s (%s); kept as .bad, using the default reasons", self.path, e)
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_suffix(".json.bad"))
            return list(DEFAULT_REASONS)
        seen: set[str] = set()
        result = []
        for r in reasons:
            r = clean_reason(r)[:REASON_MAX_CHARS]
            if r and r not in seen:
                seen.add(r)
                result.append(r)
        return result

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"version": _FORMAT_VERSION, "reasons": self._reasons}, ensure_ascii=False, indent=2)
        fd, tmp = tempfile.mkstemp(prefix=".reasons-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as e:
            Path(tmp).unlink(missing_ok=True)
            raise ServiceError(f"无法保存常用退回原因（{e.strerror or e}）") from None

    def all(self) -> list[str]:
        return list(self._reasons)

    def __len__(self) -> int:
        return len(self._reasons)

    def _checked(self, text: str, *, ignore_index: int | None = None) -> str:
        reason = clean_reason(text)
        if not reason:
            raise ReasonRejected("常用原因不能为空")
        if len(reason) > REASON_MAX_CHARS:
            raise ReasonRejected(f"常用原因不能超过 {REASON_MAX_CHARS} 字（当前 {len(reason)} 字）")
        for i, existing in enumerate(self._reasons):
            if existing == reason and i != ignore_index:
                raise ReasonRejected("该原因已在常用列表中")
        return reason

    def add(self, text: str) -> int:
        """Appends a reason; returns its index."""
        reason = self._checked(text)
        self._reasons.append(reason)
        self._save()
        return len(self._reasons) - 1

    def replace(self, index: int, text: str) -> None:
        reason = self._checked(text, ignore_index=index)
        self._reasons[index] = reason
        self._save()

    def remove(self, index: int) -> None:
        del self._reasons[index]
        self._save()

    def move(self, index: int, new_index: int) -> None:
        reason = self._reasons.pop(index)
        self._reasons.insert(max(0, min(new_index, len(self._reasons))), reason)
        self._save()

    def reset(self) -> None:
        """Back to the defaults."""
        self._reasons = list(DEFAULT_REASONS)
        self._save()
