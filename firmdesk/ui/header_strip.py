"""The strip above the tabs: year selector, deadline with days left, and the firm's progress for the year."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from firmdesk.domain.window import LateStep, header_text, window_refusal
from firmdesk.services.models import FirmSummary


class HeaderStrip(QFrame):
    year_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header_strip")

        self.year_combo = QComboBox(self)
        self.year_combo.setObjectName("year_combo")
        self.year_combo.setMinimumWidth(110)
        self.year_combo.currentIndexChanged.connect(self._year_changed)
        year_caption = QLabel("年检年度", self)
        year_caption.setProperty("role", "caption")

        self.deadline_label = QLabel("截止日期 —", self)
        self.deadline_label.setObjectName("deadline_label")
        self.deadline_label.setProperty("role", "deadline")
        self.days_left_label = QLabel("", self)
        self.days_left_label.setObjectName("days_left_label")
        self.days_left_label.setProperty("role", "days")

        self.counts_label = QLabel("", self)
        self.counts_label.setObjectName("progress_counts")
        self.counts_label.setProperty("role", "muted")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("progress_bar")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("年检通过 %p%")
        self.progress_bar.setMinimumWidth(200)

        year_box = QVBoxLayout()
        year_box.setSpacing(2)
        year_box.addWidget(year_caption)
        year_box.addWidget(self.year_combo)

        deadline_box = QVBoxLayout()
        deadline_box.setSpacing(2)
        deadline_box.addWidget(self.deadline_label)
        deadline_box.addWidget(self.days_left_label)

        progress_box = QVBoxLayout()
        progress_box.setSpacing(4)
        progress_box.addWidget(self.counts_label)
        progress_box.addWidget(self.progress_bar)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.setSpacing(24)
        layout.addLayout(year_box)
        layout.addLayout(deadline_box)
        layout.addStretch(1)
        layout.addLayout(progress_box, 2)
        self._blocking = False

    def set_years(self, years: list[int], current: int) -> None:
        self._blocking = True
        try:
            self.year_combo.clear()
            for year in sorted(set(years) | {current}, reverse=True):
                self.year_combo.addItem(f"{year} 年度", year)
            self.year_combo.setCurrentIndex(self.year_combo.findData(current))
        finally:
            self._blocking = False

    def year(self) -> int | None:
        value = self.year_combo.currentData()
        return int(value) if value is not None else None

    def select_year(self, year: int) -> None:
        index = self.year_combo.findData(year)
        if index >= 0:
            self.year_combo.setCurrentIndex(index)

    def show_summary(self, summary: FirmSummary) -> None:
        newest = max((int(self.year_combo.itemData(i)) for i in range(self.year_combo.count())), default=summary.year)
        if summary.deadline is None:
            # An earlier year keeps no deadline in the institute's configuration: its inspection is over.
            self.deadline_label.setText("该年度年检已结束" if summary.year < newest else "截止日期 未设置")
            self.days_left_label.setText("")
        else:
            self.deadline_label.setText(f"截止日期 {summary.deadline.isoformat()}")
            window, today = summary.window, summary.server_today
            # The domain's window rule words it: closed, or closed but extended for this firm (延期).
            text, urgency = header_text(window, today) if window and today else ("", "normal")
            self.days_left_label.setText(text)
            self.days_left_label.setToolTip(
                window_refusal(window, today, LateStep.SUBMIT_BATCH) or "" if window and today else ""
            )
            self.days_left_label.setProperty("urgency", urgency)
            self.days_left_label.style().unpolish(self.days_left_label)
            self.days_left_label.style().polish(self.days_left_label)
        # The parts add up to the total: the institute's other outcomes show when there are any. 待审核 and
        # 待申请 are the tabs 注师待审核 and 注师待申请 (the latter is more than the status 未申请).
        shown = [
            ("年检通过", "年检通过", summary.approved),
            ("已提交", "已提交省注协", summary.submitted),
            ("待审核", "注师待审核（待事务所审核）", summary.pending),
            ("待申请", "注师待申请（未申请、未提交、事务所退回、地方注协退回）", summary.not_applied),
        ]
        others = (("暂缓年检", summary.deferred), ("年检不予通过", summary.failed))
        shown += [(label, label, n) for label, n in others if n]
        self.counts_label.setText("　·　".join(f"{short} {n}" for short, _, n in shown) + f"　/　共 {summary.total} 人")
        self.progress_bar.setRange(0, max(summary.total, 1))
        self.progress_bar.setValue(summary.approved)
        self.progress_bar.setToolTip("，".join(f"{long} {n} 人" for _, long, n in shown))

    def _year_changed(self, index: int) -> None:
        if not self._blocking and index >= 0:
            self.year_chosen.emit(int(self.year_combo.itemData(index)))
