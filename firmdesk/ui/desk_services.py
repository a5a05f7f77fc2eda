"""The client-side services the firm's window and its dialogs use, built once by `firmdesk.app` and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.common_reasons import CommonReasons
from firmdesk.ui.dialogs.export_dialogs import UserPrompts

if TYPE_CHECKING:
    from firmdesk.services.qr_images import QrImageCache  # numpy and Pillow: imported at the first QR export


@dataclass(frozen=True)
class DeskServices:
    attachments: AttachmentCache
    reasons: CommonReasons
    qr_images: QrImageCache | None = None  # None: the user's cache folder, opened at the first QR export
    prompts: UserPrompts = field(default_factory=UserPrompts)

    @classmethod
    def for_user(cls) -> DeskServices:
        return cls(AttachmentCache.for_user(), CommonReasons.for_user())
