"""已提交省注协 and 已退回: the firm's batches of the year, newest first."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from firmdesk.domain.states import FirmTab
from firmdesk.services.models import BatchRow
from firmdesk.ui.models.batch_columns import RETURNED_COLUMNS, SUBMITTED_COLUMNS, batch_model
from firmdesk.ui.tabs.record_tab import RecordTab
from firmdesk.ui.year_data import YearData


def _newest_first(batches: list[BatchRow]) -> list[BatchRow]:
    return sorted(batches, key=lambda b: (b.submitted_at is not None, b.submitted_at, b.id), reverse=True)


class SubmittedTab(RecordTab[BatchRow]):
    tab = FirmTab.SUBMITTED
    search_placeholder = "搜索年检批次编号"
    part = "batches"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(batch_model(SUBMITTED_COLUMNS), parent)

    def rows(self, data: YearData) -> list[BatchRow]:
        return _newest_first(data.batches_in(self.tab))


class ReturnedTab(RecordTab[BatchRow]):
    tab = FirmTab.RETURNED
    search_placeholder = "搜索年检批次编号"
    part = "batches"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(batch_model(RETURNED_COLUMNS), parent)

    def rows(self, data: YearData) -> list[BatchRow]:
        return _newest_first(data.batches_in(self.tab))
