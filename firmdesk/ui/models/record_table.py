"""A table model over a list of frozen records, described by a list of columns; optionally checkable."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cmp_to_key
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QCollator, QLocale, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from firmdesk.domain.text import search_key
from firmdesk.ui.models.roles import RAW_ROLE, RECORD_ROLE, SORT_ROLE, STATUS_ROLE

T = TypeVar("T")

#: Text columns sort as a Chinese reader expects: names by pinyin (丁 before 王), digits as numbers.
_COLLATOR = QCollator(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
_COLLATOR.setNumericMode(True)
Index = QModelIndex | QPersistentModelIndex

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: its header, how a record shows in it, and how it sorts."""

    key: str
    title: str
    text: Callable[[T], str] = field(default=lambda _record: "")
    sort: Callable[[T], Any] | None = None  # default: the text
    align: Qt.AlignmentFlag = LEFT
    width: int = 110
    row_number: bool = False  # 序号: the proxy shows the visible position instead
    colour: Callable[[T], str | None] | None = None  # a text colour (status columns)
    tooltip: Callable[[T], str | None] | None = None
    #: The typed value behind the text (a date, a number), for exports; default: the text.
    raw: Callable[[T], Any] | None = None
    #: Drawn as a link; the tab acts on a click of it (审批状态 → 审批流程).
    link: bool = False

    def raw_value(self, record: T) -> Any:
        return self.raw(record) if self.raw else self.text(record)


class RecordTableModel(QAbstractTableModel, Generic[T]):
    """Rows are records; a checkable model has a check box column first and keeps checks across reloads."""

    checked_changed = Signal(int)  # how many rows are checked

    def __init__(
        self,
        columns: Sequence[Column[T]],
        *,
        key: Callable[[T], Hashable],
        search_text: Callable[[T], str],
        status: Callable[[T], str] | None = None,
        checkable: bool = False,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._key = key
        self._search_text = search_text
        self._status = status
        self._checkable = checkable
        self._records: list[T] = []
        self._search: list[str] = []
        self._checked: set[Hashable] = set()
        self._ranks: dict[str, dict[str, int]] = {}  # per text column: each text's place in Chinese order
        self._bold = QFont()
        self._bold.setBold(True)
        self._link_font = QFont(self._bold)
        self._link_font.setUnderline(True)

    # structure
    @property
    def columns(self) -> list[Column[T]]:
        return list(self._columns)

    @property
    def checkable(self) -> bool:
        return self._checkable

    @property
    def column_offset(self) -> int:
        return 1 if self._checkable else 0

    def link_column(self) -> int | None:
        """The section of the column drawn as a link, if any."""
        for i, column in enumerate(self._columns):
            if column.link:
                return i + self.column_offset
        return None

    def column_at(self, section: int) -> Column[T] | None:
        i = section - self.column_offset
        return self._columns[i] if 0 <= i < len(self._columns) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns) + self.column_offset

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if self._checkable and section == 0:
                return ""
            column = self.column_at(section)
            return column.title if column else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            column = self.column_at(section)
            return int(column.align) if column else int(CENTER)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._checkable and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._records)):
            return None
        record = self._records[index.row()]
        if role == RECORD_ROLE:
            return record
        if role == STATUS_ROLE:
            return self._status(record) if self._status else None
        if self._checkable and index.column() == 0:
            if role == Qt.ItemDataRole.CheckStateRole:
                checked = self._key(record) in self._checked
                return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
            if role == SORT_ROLE:
                return 1 if self._key(record) in self._checked else 0
            return None
        column = self.column_at(index.column())
        if column is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(index.row() + 1) if column.row_number else column.text(record)
        if role == SORT_ROLE:
            if column.row_number:
                return index.row()
            return column.sort(record) if column.sort else self._text_rank(column, record)
        if role == RAW_ROLE:
            return index.row() + 1 if column.row_number else column.raw_value(record)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        if role == Qt.ItemDataRole.ForegroundRole and column.colour:
            colour = column.colour(record)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.FontRole and (column.colour or column.link):
            return self._link_font if column.link else self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.tooltip:
                return column.tooltip(record)
            text = column.text(record)
            return text if len(text) > 16 else None
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not (self._checkable and index.isValid() and index.column() == 0):
            return False
        if role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        self.set_checked([index.row()], checked)
        return True

    # records
    def records(self) -> list[T]:
        return list(self._records)

    def record(self, row: int) -> T:
        return self._records[row]

    def key_of(self, record: T) -> Hashable:
        return self._key(record)

    def rows_of(self, keys: Iterable[Hashable]) -> list[int]:
        """The rows (in the model) of the records with these keys that are still there."""
        wanted = set(keys)
        return [i for i, r in enumerate(self._records) if self._key(r) in wanted]

    def _text_rank(self, column: Column[T], record: T) -> int:
        ranks = self._ranks.get(column.key)
        if ranks is None:  # once per column and load: the proxy then compares plain numbers
            texts = sorted({column.text(r) for r in self._records}, key=cmp_to_key(_COLLATOR.compare))
            ranks = self._ranks[column.key] = {text: i for i, text in enumerate(texts)}
        return ranks.get(column.text(record), -1)

    def search_text(self, row: int) -> str:
        return self._search[row]

    def status(self, row: int) -> str | None:
        return self._status(self._records[row]) if self._status else None

    def set_records(self, records: Iterable[T]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._ranks = {}
        self._search = [search_key(self._search_text(r)) for r in self._records]
        keys = {self._key(r) for r in self._records}
        before = len(self._checked)
        self._checked &= keys
        self.endResetModel()
        if len(self._checked) != before:
            self.checked_changed.emit(len(self._checked))

    # checks
    def checked_records(self) -> list[T]:
        return [r for r in self._records if self._key(r) in self._checked]

    def checked_count(self) -> int:
        return len(self._checked)

    def set_checked(self, rows: Iterable[int], checked: bool) -> None:
        rows = [r for r in rows if 0 <= r < len(self._records)]
        if not rows:
            return
        for row in rows:
            key = self._key(self._records[row])
            if checked:
                self._checked.add(key)
            else:
                self._checked.discard(key)
        top, bottom = min(rows), max(rows)
        self.dataChanged.emit(self.index(top, 0), self.index(bottom, 0), [Qt.ItemDataRole.CheckStateRole, SORT_ROLE])
        self.checked_changed.emit(len(self._checked))

    def clear_checks(self) -> None:
        self.set_checked(range(len(self._records)), False)
