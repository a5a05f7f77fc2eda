"""Time as the server stores it (naive UTC in the database) and the Chinese calendar day (UTC+8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def utcnow() -> datetime:
    """Now, as naive UTC (what the database columns hold)."""
    return datetime.now(UTC).replace(tzinfo=None)


def china_today(now: datetime | None = None) -> date:
    moment = (now or utcnow()).replace(tzinfo=UTC)
    return moment.astimezone(CHINA).date()


def start_of_china_day(now: datetime | None = None) -> datetime:
    """The start of today (UTC+8 calendar day) as naive UTC."""
    day = china_today(now)
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA)
    return start.astimezone(UTC).replace(tzinfo=None)


def start_of_next_china_day(now: datetime | None = None) -> datetime:
    """The start of tomorrow (UTC+8 calendar day) as naive UTC: when today's daily quotas reset."""
    return start_of_china_day(now) + timedelta(days=1)


def iso_utc(moment: datetime | None) -> str | None:
    """A stored naive-UTC time as ISO 8601 with `Z`."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"
