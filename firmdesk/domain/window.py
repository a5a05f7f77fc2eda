"""The application window (申请期限) and extensions (延期): who may still start, submit or send a batch.

The rule (issue 13): after the institute's deadline (a China calendar day, inclusive) no CPA starts an
application or submits it to the firm (face verification), and no firm submits a new batch, unless the
institute granted an extension (延期) until a later date to that firm or that CPA.

What counts as "submitting" (decided here, once):
- refused after the deadline: a CPA starting this year's application; a CPA starting face verification
  (passing it submits the application to the firm); a firm submitting a new batch that carries an
  application never sent to the institute before;
- still allowed (corrections of what was sent in time): a CPA resubmitting an application the firm or
  the institute returned; a firm resubmitting a batch the institute returned (再次申请-修改附件); a new
  batch made only of applications the institute already received once (returned alone, or withdrawn);
  everything the institute does (decisions, 线下人工核验, 复检).

Whose extension counts: a firm's extension covers the firm and its CPAs; a CPA's extension covers that
CPA, and a late batch whose every new application belongs to a CPA with an extension.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from firmdesk.domain.errors import InvalidInput, TransitionRefused
from firmdesk.domain.text import clean_text
from firmdesk.domain.transitions import require_reason

#: How far past the deadline an extension may reach (a year: the next year's window starts by then).
MAX_EXTENSION_DAYS = 366


class WindowClosed(TransitionRefused):
    """The deadline has passed and no extension covers this (HTTP 409, code `window_closed`)."""

    code = "window_closed"


class LateStep(StrEnum):
    """The steps the deadline closes, with the words the refusal uses."""

    START = "start"  # a CPA starts this year's application
    SUBMIT_TO_FIRM = "submit_to_firm"  # a CPA starts face verification (passing it submits to the firm)
    SUBMIT_BATCH = "submit_batch"  # a firm submits a new batch to the institute

    @property
    def label(self) -> str:
        return LATE_STEP_LABELS[self]


LATE_STEP_LABELS = {
    LateStep.START: "新建年检申请",
    LateStep.SUBMIT_TO_FIRM: "提交年检申请",
    LateStep.SUBMIT_BATCH: "提交省注协",
}


@dataclass(frozen=True)
class Window:
    """An institute's window for its current year, and the extension (if any) of whoever acts."""

    year: int
    deadline: date
    #: The latest day an active extension of the acting firm or CPA reaches (None: no extension).
    extended_until: date | None = None

    def is_open(self, today: date) -> bool:
        return today <= self.deadline or (self.extended_until is not None and today <= self.extended_until)

    def extension_applies(self, today: date) -> bool:
        """The deadline has passed and only the extension lets the step through."""
        return today > self.deadline and self.is_open(today)


def closed_message(window: Window, step: LateStep) -> str:
    return (
        f"{window.year} 年度年检申请已于 {window.deadline.isoformat()} 截止，不能{step.label}；如需延期，请联系地方注协"
    )


def window_refusal(window: Window, today: date, step: LateStep) -> str | None:
    """Why `step` is refused today (None: it is allowed). The client disables its buttons with this."""
    return None if window.is_open(today) else closed_message(window, step)


def check_window(window: Window, today: date, step: LateStep) -> None:
    """Refuse `step` with `WindowClosed` (409) when the window is closed for whoever acts."""
    why = window_refusal(window, today, step)
    if why is not None:
        raise WindowClosed(
            why,
            deadline=window.deadline.isoformat(),
            extended_until=window.extended_until.isoformat() if window.extended_until else None,
            step=step.value,
        )


def new_batch_refusal(window: Window, today: date, all_covered: bool) -> str | None:
    """Why a new batch is refused: the window is closed for the firm and not every application in it is a
    correction or a CPA's with an extension (`all_covered`). The desktop client's 申请 button asks this."""
    return None if window.is_open(today) or all_covered else closed_message(window, LateStep.SUBMIT_BATCH)


def extension_note(until: date) -> str:
    """What the trail says of a step let through by an extension."""
    return f"已过截止日期，按地方注协批准的延期办理（延期至 {until.isoformat()}）"


def days_left(window: Window, today: date) -> int:
    return (window.deadline - today).days


def header_text(window: Window, today: date) -> tuple[str, str]:
    """The desktop client's header line under the deadline, and its urgency (normal, urgent, over, extended)."""
    days = days_left(window, today)
    if days < 0 and window.extension_applies(today):
        assert window.extended_until is not None
        return f"已截止 {-days} 天，已延期至 {window.extended_until.isoformat()}", "extended"
    if days < 0:
        return f"已截止 {-days} 天，不能再提交省注协", "over"
    if days == 0:
        return "今天截止", "urgent"
    return f"剩余 {days} 天", "urgent" if days <= 7 else "normal"


# --- granting an extension ---


@dataclass(frozen=True)
class ExtensionRequest:
    """What the institute grants: an extension until a day, with a reason."""

    until: date
    reason: str


def check_extension(deadline: date, today: date, until: date, reason: str | None) -> ExtensionRequest:
    """An extension must end after the deadline and not in the past, within a year of the deadline."""
    text = require_reason(reason, "延期原因")
    if until <= deadline:
        raise InvalidInput(
            f"延期截止日期（{until.isoformat()}）必须晚于申请截止日期（{deadline.isoformat()}）",
            until=until.isoformat(),
            deadline=deadline.isoformat(),
        )
    if until < today:
        raise InvalidInput(f"延期截止日期（{until.isoformat()}）不能早于今天（{today.isoformat()}）")
    if (until - deadline).days > MAX_EXTENSION_DAYS:
        raise InvalidInput(f"延期不能超过申请截止日期后 {MAX_EXTENSION_DAYS} 天")
    return ExtensionRequest(until, clean_text(text, keep_line_breaks=True))
