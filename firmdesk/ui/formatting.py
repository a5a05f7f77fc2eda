"""How dates, times, hours and statuses are written in the UI."""

from __future__ import annotations

from datetime import date, datetime

from firmdesk.domain.states import ApplicationState, BatchState

#: Text colours of the statuses (a clean palette that reads on white).
STATUS_COLOURS: dict[str, str] = {
    "none": "#8a94a6",
    ApplicationState.DRAFT: "#8a94a6",
    ApplicationState.PENDING_FIRM: "#1f6feb",
    ApplicationState.FIRM_RETURNED: "#d9480f",
    ApplicationState.SUBMITTED: "#7048e8",
    ApplicationState.INSTITUTE_RETURNED: "#d9480f",
    ApplicationState.APPROVED: "#2b8a3e",
    ApplicationState.DEFERRED: "#e8590c",
    ApplicationState.FAILED: "#c92a2a",
}

BATCH_COLOURS: dict[str, str] = {
    BatchState.SUBMITTED: "#1f6feb",
    BatchState.REVIEWING: "#7048e8",
    BatchState.REVIEWED: "#2b8a3e",
    BatchState.RETURNED: "#d9480f",
    BatchState.WITHDRAWN: "#8a94a6",
}


def date_text(value: date | None) -> str:
    return value.isoformat() if value else ""


def datetime_text(value: datetime | None) -> str:
    """Local time, minutes only: what a firm administrator reads on a list."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone()
    return f"{value:%Y-%m-%d %H:%M}"


def iso_sort(value: date | datetime | None) -> str:
    return value.isoformat() if value else ""


def hours_text(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def retired_text(retired: bool | None) -> str:
    return "离退休" if retired else "在职"
