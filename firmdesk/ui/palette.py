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


def status_colour(status: str) -> str:
    """The colour of an application status (`NEUTRAL` for one this client does not know)."""
    return STATUS_COLOURS.get(status, NEUTRAL)


#: Text colours of the batch states.
BATCH_COLOURS: dict[str, str] = {
    BatchState.SUBMITTED: BLUE,
    BatchState.REVIEWING: VIOLET,
    BatchState.REVIEWED: GREEN,
    BatchState.RETURNED: ORANGE,
    BatchState.WITHDRAWN: NEUTRAL,
}


def batch_colour(state: str) -> str:
    """The colour of a batch state (`NEUTRAL` for one this client does not know)."""
    return BATCH_COLOURS.get(state, NEUTRAL)


#: The 状态 column of the 草稿 list: 发送中 (the others are GREEN: sent, RED: conflict).
SENDING = "#1553b6"

#: 审批流程: the colour of an event (its dot and its title) by who acted; returns and stops in `RETURN_COLOUR`.
ROLE_COLOURS: dict[str, str] = {Role.CPA: BLUE, Role.FIRM: VIOLET, Role.INSTITUTE: GREEN, Role.SYSTEM: NEUTRAL}
RETURN_COLOUR = ORANGE
TIMELINE_RAIL = "#ced4da"
TIMELINE_OPEN_DOT = "#ffffff"

#: The red asterisk of a required field, inside a rich-text label.
REQUIRED_MARK = "#d63a3a"

#: Table cells (`ForegroundRole`/`BackgroundRole` of table and list items).
#: The 状态 of a CPA in a batch whose status has no colour of its own.
MUTED_TEXT = "#495057"
#: A CPA who must be removed before submitting (申请前检查 red), and a row that may not be returned (RED).
RED_ROW_TEXT = "#a61e1e"
RED_ROW_BACKGROUND = "#fff1f0"
#: The 状态 of a batch material: already on the server (已上传), or still to be uploaded (待上传).
MATERIAL_KEPT = "#008000"
MATERIAL_NEW = "#0000ff"

#: 申请前检查's summary line (rich text): the red count (RED) and the yellow count.
YELLOW_TEXT = "#8a5300"

#: Behind a previewed image (a `QGraphicsView` brush).
IMAGE_BACKDROP = "#c0c0c0"

#: The notice strip (`notice_banner.py`) per level: text, background, border. Each text/background pair has a
#: WCAG contrast of at least 4.5:1 (tests/ui/test_rough_edges.py computes it), and no two levels share a hue.
NOTICE_COLOURS: dict[str, tuple[str, str, str]] = {
    "info": ("#1c4f9c", "#eaf2ff", "#b6cdf5"),
    "success": ("#1e6b30", "#e9f7ec", "#a9dcb5"),
    "warning": ("#7a4a00", "#fff4e0", "#f0cf8f"),
    "error": ("#a11d1d", "#fdecec", "#f1b5b5"),
}
