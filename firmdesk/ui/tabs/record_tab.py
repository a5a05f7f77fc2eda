"""A tab's common body: search, status filter, action bar, a sortable table, counts; rows come from YearData."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.states import FirmTab
from firmdesk.ui.models.filter_proxy import RecordFilterProxy
from firmdesk.ui.models.record_table import RecordTableModel
from firmdesk.ui.models.roles import RECORD_ROLE
from firmdesk.ui.tabs.action_bar import ActionBar
from firmdesk.ui.year_data import YearData

T = TypeVar("T")

ALL_STATUSES = "全部状态"


class RecordTab(QWidget, Generic[T]):
    """Subclasses give the tab, the model, the status choices and `rows(data)`."""

    count_changed = Signal(int)  # rows of the tab for the year (before the search and the filter)
    record_activated = Signal(object)  # double-click (or Enter, when the tab has no Enter action) on a row
    link_clicked = Signal(object)  # a click on the link column (审批状态): the record

    tab: FirmTab
    part = "cpas"  # which part of YearData the tab shows: "cpas" or "batches"
    search_placeholder = "搜索姓名或证书编号"
    #: (status code or None for all, label) pairs; empty: no status filter.
    status_choices: tuple[tuple[str | None, str], ...] = ()

    def __init__(self, model: RecordTableModel[T], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        key = self.tab.value
        self.setObjectName(f"tab_{key}")
        self.model = model
        self.model.setParent(self)
        self.proxy = RecordFilterProxy(self)
        self.proxy.setObjectName(f"{key}_proxy")
        self.proxy.setSourceModel(model)
        self._loaded = False

        self.search_box = QLineEdit(self)
        self.search_box.setObjectName(f"{key}_search")
        self.search_box.setPlaceholderText(self.search_placeholder)
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(220)
        self.search_box.textChanged.connect(self.proxy.set_search)

        self.status_combo: QComboBox | None = None
        if self.status_choices:
            self.status_combo = QComboBox(self)
            self.status_combo.setObjectName(f"{key}_status")
            for code, label in self.status_choices:
                self.status_combo.addItem(label, code)
            self.status_combo.currentIndexChanged.connect(self._status_chosen)

        self.shown_label = QLabel(self)
        self.shown_label.setObjectName(f"{key}_shown")
        self.shown_label.setProperty("role", "muted")

        self.toolbar = QHBoxLayout()
        self.toolbar.setSpacing(8)
        self.toolbar.addWidget(self.search_box, 2)
        if self.status_combo is not None:
            status_label = QLabel("审批状态", self)
            self.toolbar.addWidget(status_label)
            self.toolbar.addWidget(self.status_combo)
        self.add_toolbar_widgets(self.toolbar)
        self.toolbar.addStretch(3)
        self.toolbar.addWidget(self.shown_label)

        self.table = QTableView(self)
        self.table.setObjectName(f"{key}_table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons (arrows move between rows)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(34)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setSortIndicatorShown(True)
        self._apply_default_widths()
        self.table.doubleClicked.connect(self._activated)
        self.table.clicked.connect(self._clicked)
        self.table.setMouseTracking(True)
        self.table.entered.connect(self._hovered)
        self.table.installEventFilter(self)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self.show_context_menu)
        #: Triggered by Enter in the table (else Enter opens the details, as a double-click does).
        self.enter_action: QAction | None = None

        self.action_bar = ActionBar(f"{key}_actions", self)

        self.empty_label = QLabel("暂无数据", self.table.viewport())
        self.empty_label.setObjectName(f"{key}_empty")
        self.empty_label.setProperty("role", "empty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.action_bar)
        layout.addWidget(self.table, 1)

        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            signal.connect(self._update_counts)
            signal.connect(self.action_bar.refresh)
        self.table.selectionModel().selectionChanged.connect(self.action_bar.refresh)
        self.table.selectionModel().currentChanged.connect(self.action_bar.refresh)
        self.model.checked_changed.connect(self.action_bar.refresh)
        self._update_counts()

    # subclass hooks
    def rows(self, data: YearData) -> list[T]:
        raise NotImplementedError

    def add_toolbar_widgets(self, toolbar: QHBoxLayout) -> None:
        """Extra controls between the filters and the counts (select all / none)."""

    # data
    @property
    def loaded(self) -> bool:
        return self._loaded

    def show_data(self, data: YearData) -> None:
        # A refresh (after an action, F5) keeps the user's place: the same rows stay selected if still there.
        current = self.current_record()
        selected = [self.model.key_of(r) for r in self.selected_records()]
        self.model.set_records(self.rows(data))
        self._restore_selection(selected, None if current is None else self.model.key_of(current))
        self._loaded = True
        self._update_counts()
        self.count_changed.emit(self.model.rowCount())

    def clear(self) -> None:
        """No rows and no count, until the next data arrives (a year switch)."""
        self.model.set_records([])
        self._loaded = False
        self._update_counts()
        self.count_changed.emit(0)

    def total_count(self) -> int:
        return self.model.rowCount()

    def shown_count(self) -> int:
        return self.proxy.rowCount()

    def shown_records(self) -> list[T]:
        return [self.proxy.index(r, 0).data(RECORD_ROLE) for r in range(self.proxy.rowCount())]

    def current_record(self) -> T | None:
        """The record of the current row, if it is selected (the row the user is on)."""
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return index.data(RECORD_ROLE)

    def selected_records(self) -> list[T]:
        """The selected rows, in the order shown."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.proxy.index(r, 0).data(RECORD_ROLE) for r in rows]

    def chosen_records(self) -> list[T]:
        """What an action on several rows acts on: the checked rows if any, else the selected ones."""
        if self.model.checkable and self.model.checked_count():
            checked = {id(r) for r in self.model.checked_records()}
            return [r for r in self.shown_records() if id(r) in checked] or self.model.checked_records()
        return self.selected_records()

    def _restore_selection(self, keys: list[Any], current: Any) -> None:
        rows = self.model.rows_of(keys)
        if not rows:
            return
        selection = self.table.selectionModel()
        column = self.model.column_offset
        current_rows = self.model.rows_of([current]) if current is not None else []
        focus = self.proxy.mapFromSource(self.model.index((current_rows or rows)[0], column))
        if focus.isValid():
            selection.setCurrentIndex(focus, QItemSelectionModel.SelectionFlag.NoUpdate)
        for row in rows:
            index = self.proxy.mapFromSource(self.model.index(row, column))
            if index.isValid():
                selection.select(
                    index, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
                )

    def select_record(self, predicate: Any) -> bool:
        """Makes the first shown row whose record matches the current, selected row."""
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, self.model.column_offset)
            if predicate(index.data(RECORD_ROLE)):
                # Not selectRow(): that one follows the keyboard modifiers held at the time (Ctrl toggles).
                flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                self.table.selectionModel().setCurrentIndex(index, flags)
                return True
        return False

    def context_menu_at(self, pos: QPoint) -> QMenu:
        """The right-click menu at `pos` (viewport coordinates): the row there becomes the selection (unless
        it is in it already), and the menu holds the tab's actions, enabled for that selection."""
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.table.setCurrentIndex(index)
            self.table.selectRow(index.row())
        menu = self.action_bar.context_menu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return menu

    def show_context_menu(self, pos: QPoint) -> None:
        self.context_menu_at(pos).popup(self.table.viewport().mapToGlobal(pos))

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    # header state (column widths and order)
    def header_state(self) -> QByteArray:
        return self.table.horizontalHeader().saveState()

    def restore_header_state(self, state: QByteArray | None) -> None:
        header = self.table.horizontalHeader()
        if state is None or not header.restoreState(state):
            self._apply_default_widths()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def _apply_default_widths(self) -> None:
        offset = self.model.column_offset
        if offset:
            self.table.setColumnWidth(0, 40)
        for i, column in enumerate(self.model.columns):
            self.table.setColumnWidth(i + offset, column.width)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

    # slots
    def _status_chosen(self, index: int) -> None:
        assert self.status_combo is not None
        self.proxy.set_status(self.status_combo.itemData(index))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.record_activated.emit(index.data(RECORD_ROLE))

    def _clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index.column() == self.model.link_column():
            self.link_clicked.emit(index.data(RECORD_ROLE))

    def _hovered(self, index: QModelIndex) -> None:
        viewport = self.table.viewport()
        if index.isValid() and index.column() == self.model.link_column():
            viewport.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            viewport.unsetCursor()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            ):
                self.enter_pressed()
                return True
            if event.key() == Qt.Key.Key_Space and self.model.checkable:
                self.toggle_selected_checks()
                return True
        return super().eventFilter(watched, event)

    def enter_pressed(self) -> None:
        if self.enter_action is not None:
            self.enter_action.trigger()
        else:
            self._activated(self.table.currentIndex())

    def toggle_selected_checks(self) -> None:
        """Space: check the selected rows, or uncheck them if all are checked already."""
        rows = sorted({self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()})
        if not rows:
            return
        checked = {id(r) for r in self.model.checked_records()}
        all_checked = all(id(self.model.record(r)) in checked for r in rows)
        self.model.set_checked(rows, not all_checked)

    def _update_counts(self, *_args: Any) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.shown_label.setText(f"共 {total} 条" if shown == total else f"显示 {shown} / {total} 条")
        self.empty_label.setText("暂无数据" if total == 0 else "没有符合条件的记录")
        self.empty_label.setVisible(self._loaded and shown == 0)
        self._place_empty_label()

    def _place_empty_label(self) -> None:
        viewport = self.table.viewport()
        self.empty_label.setGeometry(0, 0, viewport.width(), max(80, viewport.height() // 2))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._place_empty_label()
