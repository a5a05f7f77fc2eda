"""审批流程 as a vertical timeline: a dot and a line on the left, then what happened, who did it, when, why."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from firmdesk.domain.states import Action
from firmdesk.services.models import TrailEvent
from firmdesk.ui import palette
from firmdesk.ui.formatting import datetime_text

#: Actions that send something back or stop it: drawn in the warning colour whoever did them.
_RETURN_ACTIONS = {
    Action.FIRM_RETURN,
    Action.INSTITUTE_RETURN,
    Action.RETURN_BATCH,
    Action.WITHDRAW_BATCH,
    Action.FACE_FAILED,
}
_DOT_X = 14
_DOT_R = 6
_RAIL = 34


def event_colour(event: TrailEvent) -> str:
    if event.action in _RETURN_ACTIONS:
        return palette.RETURN_COLOUR
    if event.action == Action.FAIL:
        return palette.STATUS_COLOURS["failed"]
    if event.action == Action.DEFER:
        return palette.STATUS_COLOURS["deferred"]
    return palette.ROLE_COLOURS.get(event.actor_role, palette.NEUTRAL)


def actor_text(event: TrailEvent) -> str:
    role = event.actor_role_label or event.actor_role
    name = event.actor_display if event.actor_name else event.actor_id or ""  # 机构名 — 姓名
    return f"{name}（{role}）" if name and role else name or role


class TimelineEntry(QWidget):
    """One event; paints its dot and the rail segments above (unless first) and below (unless last)."""

    def __init__(self, event: TrailEvent, *, first: bool, last: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"timelineEntry{event.id}")
        self.trail_event = event
        self._first = first
        self._last = last
        self._colour = QColor(event_colour(event))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(_RAIL, 0, 4, 14)
        layout.setSpacing(3)

        head = QHBoxLayout()
        head.setSpacing(8)
        action = QLabel(event.action_label or event.action, self)
        action.setObjectName("timelineAction")
        action.setStyleSheet(f"QLabel {{ color:{self._colour.name()}; }}")  # the event's own colour (the rest: qss)
        head.addWidget(action)
        if event.from_label or event.to_label:
            change = QLabel(f"{event.from_label or '—'} → {event.to_label or '—'}", self)
            change.setObjectName("timelineStateChange")
            head.addWidget(change)
        head.addStretch(1)
        when = QLabel(datetime_text(event.at), self)
        when.setObjectName("timelineTime")
        head.addWidget(when)
        layout.addLayout(head)

        who = QLabel(f"办理人：{actor_text(event)}", self)
        who.setObjectName("timelineActor")
        layout.addWidget(who)
        if event.batch_number:
            batch = QLabel(f"年检批次：{event.batch_number}", self)
            batch.setObjectName("timelineBatch")
            layout.addWidget(batch)
        if event.reason:
            reason = QLabel(f"原因：{event.reason}", self)
            reason.setObjectName("timelineReason")
            reason.setWordWrap(True)
            reason.setTextFormat(Qt.TextFormat.PlainText)
            reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(reason)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        dot_y = 11
        rail = QPen(QColor(palette.TIMELINE_RAIL), 2)
        painter.setPen(rail)
        if not self._first:
            painter.drawLine(QPointF(_DOT_X, 0), QPointF(_DOT_X, dot_y - _DOT_R))
        if not self._last:
            painter.drawLine(QPointF(_DOT_X, dot_y + _DOT_R), QPointF(_DOT_X, self.height()))
        painter.setPen(QPen(self._colour.darker(115), 2))
        painter.setBrush(self._colour if self._last else QColor(palette.TIMELINE_OPEN_DOT))
        painter.drawEllipse(QPointF(_DOT_X, dot_y), _DOT_R, _DOT_R)
        painter.end()
        super().paintEvent(event)


class TimelineView(QScrollArea):
    """The events oldest first, the latest drawn with a filled dot; empty shows “暂无审批记录”."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineView")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._body = QWidget(self)
        self._body.setObjectName("timelineBody")
        self._layout = QVBoxLayout(self._body)
        self._layout.setContentsMargins(8, 8, 8, 8)
        self._layout.setSpacing(0)
        self.setWidget(self._body)
        self.entries: list[TimelineEntry] = []
        self.set_events(())

    def set_events(self, events: Sequence[TrailEvent]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.entries = []
        if not events:
            empty = QLabel("暂无审批记录", self._body)
            empty.setObjectName("timelineEmpty")
            empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._layout.addWidget(empty)
        for i, event in enumerate(events):
            entry = TimelineEntry(event, first=i == 0, last=i == len(events) - 1, parent=self._body)
            self.entries.append(entry)
            self._layout.addWidget(entry)
        self._layout.addStretch(1)
