"""注师待申请: the firm's CPAs with no application under review: not started, draft, or returned."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from firmdesk.domain.states import NOT_APPLIED, NOT_APPLIED_LABEL, ApplicationState, FirmTab
from firmdesk.services.models import CpaRow
from firmdesk.ui.models.cpa_columns import NOT_APPLIED_COLUMNS, cpa_model
from firmdesk.ui.tabs.record_tab import ALL_STATUSES, RecordTab
from firmdesk.ui.year_data import YearData


class NotAppliedTab(RecordTab[CpaRow]):
    tab = FirmTab.NOT_APPLIED
    status_choices = (
        (None, ALL_STATUSES),
        (NOT_APPLIED, NOT_APPLIED_LABEL),
        (ApplicationState.DRAFT.value, ApplicationState.DRAFT.label),
        (ApplicationState.FIRM_RETURNED.value, ApplicationState.FIRM_RETURNED.label),
        (ApplicationState.INSTITUTE_RETURNED.value, ApplicationState.INSTITUTE_RETURNED.label),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(cpa_model(NOT_APPLIED_COLUMNS), parent)

    def rows(self, data: YearData) -> list[CpaRow]:
        return data.cpas_in(self.tab)
