"""How dates, times, hours and statuses are written in the UI."""

from __future__ import annotations

from datetime import date, datetime


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
