"""年检信息查询: every CPA of the firm for the year, filterable by status."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from firmdesk.domain.states import NOT_APPLIED, NOT_APPLIED_LABEL, ApplicationState, FirmTab
from firmdesk.services.models import CpaRow
from firmdesk.ui.models.cpa_columns import QUERY_COLUMNS, cpa_model
from firmdesk.ui.tabs.record_tab import ALL_STATUSES, RecordTab
from firmdesk.ui.year_data import YearData


class QueryTab(RecordTab[CpaRow]):
    tab = FirmTab.QUERY
    status_choices = (
        (None, ALL_STATUSES),
        (NOT_APPLIED, NOT_APPLIED_LABEL),
        *((state.value, state.label) for state in ApplicationState),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(cpa_model(QUERY_COLUMNS), parent)

    def rows(self, data: YearData) -> list[CpaRow]:
        return data.cpas_in(self.tab)
