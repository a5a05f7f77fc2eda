"""注师待审核: applications waiting for the firm; rows can be checked for the actions on many CPAs."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from firmdesk.domain.states import FirmTab
from firmdesk.services.models import CpaRow
from firmdesk.ui.models.cpa_columns import PENDING_REVIEW_COLUMNS, cpa_model
from firmdesk.ui.tabs.record_tab import RecordTab
from firmdesk.ui.year_data import YearData


class PendingReviewTab(RecordTab[CpaRow]):
    tab = FirmTab.PENDING_REVIEW

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(cpa_model(PENDING_REVIEW_COLUMNS, checkable=True), parent)
        self.model.checked_changed.connect(self._checked_changed)
        self._checked_changed(0)

    def add_toolbar_widgets(self, toolbar: QHBoxLayout) -> None:
        key = self.tab.value
        self.select_all_button = QPushButton("全选", self)
        self.select_all_button.setObjectName(f"{key}_select_all")
        self.select_all_button.setProperty("flat", True)
        self.select_all_button.clicked.connect(self.check_all_shown)
        self.select_none_button = QPushButton("全不选", self)
        self.select_none_button.setObjectName(f"{key}_select_none")
        self.select_none_button.setProperty("flat", True)
        self.select_none_button.clicked.connect(self.uncheck_all)
        self.checked_label = QLabel(self)
        self.checked_label.setObjectName(f"{key}_checked")
        self.checked_label.setProperty("role", "muted")
        toolbar.addWidget(self.select_all_button)
        toolbar.addWidget(self.select_none_button)
        toolbar.addWidget(self.checked_label)

    def rows(self, data: YearData) -> list[CpaRow]:
        return data.cpas_in(self.tab)

    def check_all_shown(self) -> None:
        """全选: the rows the search currently shows (a filtered list selects what the user sees)."""
        source_rows = [self.proxy.mapToSource(self.proxy.index(r, 0)).row() for r in range(self.proxy.rowCount())]
        self.model.set_checked(source_rows, True)

    def uncheck_all(self) -> None:
        self.model.clear_checks()

    def checked_records(self) -> list[CpaRow]:
        return self.model.checked_records()

    def checked_application_ids(self) -> list[int]:
        return [r.application_id for r in self.model.checked_records() if r.application_id is not None]

    def set_checked_applications(self, application_ids: list[int]) -> None:
        """Checks exactly these applications (the review queue's marks)."""
        wanted = set(application_ids)
        records = self.model.records()
        self.model.set_checked([i for i, r in enumerate(records) if r.application_id not in wanted], False)
        self.model.set_checked([i for i, r in enumerate(records) if r.application_id in wanted], True)

    def _checked_changed(self, count: int) -> None:
        self.checked_label.setText(f"已选 {count} 人")
