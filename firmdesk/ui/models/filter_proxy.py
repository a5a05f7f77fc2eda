"""Sorts a RecordTableModel and filters it by a search text and a status, as the user types."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from firmdesk.domain.text import search_key
from firmdesk.ui.models.record_table import RecordTableModel
from firmdesk.ui.models.roles import RAW_ROLE, SORT_ROLE


class RecordFilterProxy(QSortFilterProxyModel):
    """Search: a substring of the record's search text, both as `search_key` folds them (case, full-width
    forms, spaces and dashes do not matter). Status: one code, or all."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._search = ""
        self._status: str | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def source(self) -> RecordTableModel[Any]:
        model = self.sourceModel()
        assert isinstance(model, RecordTableModel)
        return model

    @property
    def search(self) -> str:
        return self._search

    @property
    def status_filter(self) -> str | None:
        return self._status

    def set_search(self, text: str) -> None:
        text = search_key(text)
        if text != self._search:
            self.beginFilterChange()
            self._search = text
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status(self, status: str | None) -> None:
        if status != self._status:
            self.beginFilterChange()
            self._status = status
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.source()
        if self._search and self._search not in model.search_text(source_row):
            return False
        return not (self._status is not None and model.status(source_row) != self._status)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # 序号 counts the rows as they are shown, whatever the sort and the filter.
        if role in (Qt.ItemDataRole.DisplayRole, RAW_ROLE) and index.isValid():
            column = self.source().column_at(index.column())
            if column is not None and column.row_number:
                return str(index.row() + 1) if role == Qt.ItemDataRole.DisplayRole else index.row() + 1
        return super().data(index, role)
