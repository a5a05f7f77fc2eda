"""The colours the style sheet (resources/firmdesk.qss) cannot reach: painted by table models
(`ForegroundRole`) and `QPainter`, chosen per record at run time, or inside rich text. Every other colour
of the UI is in the style sheet, set on object names and dynamic properties."""

from __future__ import annotations

from firmdesk.domain.states import ApplicationState, BatchState, Role

NEUTRAL = "#8a94a6"
BLUE = "#1f6feb"
VIOLET = "#7048e8"
GREEN = "#2b8a3e"
ORANGE = "#d9480f"
DEEP_ORANGE = "#e8590c"
RED = "#c92a2a"

#: Text colours of the application statuses (a clean palette that reads on white).
STATUS_COLOURS: dict[str, str] = {
    "none": NEUTRAL,
    ApplicationState.DRAFT: NEUTRAL,
    ApplicationState.PENDING_FIRM: BLUE,
    ApplicationState.FIRM_RETURNED: ORANGE,
    ApplicationState.SUBMITTED: VIOLET,
    ApplicationState.INSTITUTE_RETURNED: ORANGE,
    ApplicationState.APPROVED: GREEN,
    ApplicationState.DEFERRED: DEEP_ORANGE,
    ApplicationState.FAILED: RED,
}

#: Text colours of the batch states.
BATCH_COLOURS: dict[str, str] = {
    BatchState.SUBMITTED: BLUE,
    BatchState.REVIEWING: VIOLET,
    BatchState.REVIEWED: GREEN,
    BatchState.RETURNED: ORANGE,
    BatchState.WITHDRAWN: NEUTRAL,
}

#: The 状态 column of the 草稿 list: 发送中 (the others are GREEN: sent, RED: conflict).
SENDING = "#1553b6"

#: 审批流程: the colour of an event (its dot and its title) by who acted; returns and stops in `RETURN_COLOUR`.
ROLE_COLOURS: dict[str, str] = {Role.CPA: BLUE, Role.FIRM: VIOLET, Role.INSTITUTE: GREEN, Role.SYSTEM: NEUTRAL}
RETURN_COLOUR = ORANGE
TIMELINE_RAIL = "#ced4da"
TIMELINE_OPEN_DOT = "#ffffff"

#: The red asterisk of a required field, inside a rich-text label.
REQUIRED_MARK = "#d63a3a"
