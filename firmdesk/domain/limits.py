"""Limits of the service: enforced by the server, checked earlier by the client for a better message."""

from __future__ import annotations

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_BATCH_FILES = 10
MAX_APPLICATION_FILES = 10
FACE_SESSIONS_PER_DAY = 20
REASON_MAX_CHARS = 500
DEFAULT_MIN_TRAINING_HOURS = 40

LOGIN_MAX_FAILURES = 5
LOGIN_FAILURE_WINDOW_MINUTES = 15
LOGIN_LOCK_MINUTES = 15

#: Ids, versions and cursors are 64-bit signed integers in the database: a larger number is refused (422).
MAX_RECORD_ID = 2**63 - 1
#: Highest page number a list answers (far beyond any real list; keeps the row offset a small number).
MAX_PAGE = 1_000_000

SOCIAL_SECURITY_MATERIAL = "社保证明材料"
RETIREMENT_PROOF_MATERIAL = "离退休证明"


def human_size(size: int) -> str:
    """A byte count as the client shows it: 512 B, 3.2 KB, 5.0 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
