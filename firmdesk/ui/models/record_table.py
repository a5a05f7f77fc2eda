"""A table model over a list of frozen records, described by a list of columns; optionally checkable."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCollator,
    QCollatorSortKey,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from firmdesk.domain.text import search_key
from firmdesk.ui.models.roles import RAW_ROLE, RECORD_ROLE, SORT_ROLE, STATUS_ROLE

T = TypeVar("T")

#: Text columns sort as a Chinese reader expects: names by pinyin (丁 before 王), digits as numbers.
_COLLATOR = QCollator(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
_COLLATOR.setNumericMode(True)
Index = QModelIndex | QPersistentModelIndex
#: QCollator's sort key of each text seen (names, numbers): a reload after a sync sorts without ICU.
_COLLATION_KEYS: dict[str, QCollatorSortKey] = {}
_COLLATION_KEYS_KEPT = 200_000

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def chinese_order(texts: Iterable[str]) -> list[str]:
    """Distinct texts in the order a Chinese reader expects (the collator's), computed fast: texts of digits
    only (certificate numbers) by their value, as the collator's numeric mode orders them; others by
    QCollator sort keys, each made once per text and kept (comparing two keys is then plain C++)."""
    texts = list(texts)
    if all(t.isascii() and t.isdigit() for t in texts if t):
        return sorted(texts, key=lambda t: (len(t.lstrip("0")), t.lstrip("0"), t) if t else (-1, "", ""))
    cache = _COLLATION_KEYS
    if len(cache) > _COLLATION_KEYS_KEPT:
        cache.clear()
    make = _COLLATOR.sortKey
    keys = [cache.get(t) or cache.setdefault(t, make(t)) for t in texts]
    return [t for _key, t in sorted(zip(keys, texts, strict=True), key=lambda pair: pair[0])]


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
        self._statuses: list[str | None] = []
        self._texts: list[tuple[str, ...] | None] = []  # per row, made when first shown
        self._sort_keys: dict[int, list[Any]] = {}  # per section, made at the first sort by it
        self._checked: set[Hashable] = set()
        self._aligns = [int(c.align) for c in self._columns]
        self._brushes: dict[str, QBrush] = {}
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
        return self.cell(index.row(), index.column(), role)

    def cell(self, row: int, section: int, role: int) -> Any:
        """`data()` of a valid row; the proxy calls it directly. What a paint asks for (text, alignment,
        colour, font) comes from per-row and per-column values made once, so painting allocates nothing."""
        if role == Qt.ItemDataRole.DisplayRole:
            i = section - self.column_offset
            if i < 0:
                return None
            texts = self._texts[row] or self._make_texts(row)
            return texts[i] if i < len(texts) else None
        record = self._records[row]
        if role == RECORD_ROLE:
            return record
        if role == STATUS_ROLE:
            return self._statuses[row]
        if self._checkable and section == 0:
            if role == Qt.ItemDataRole.CheckStateRole:
                checked = self._key(record) in self._checked
                return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
            if role == SORT_ROLE:
                return 1 if self._key(record) in self._checked else 0
            return None
        column = self.column_at(section)
        if column is None:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._aligns[section - self.column_offset]
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._brush(column.colour(record)) if column.colour else None
        if role == Qt.ItemDataRole.FontRole:
            return self._link_font if column.link else self._bold if column.colour else None
        if role == SORT_ROLE:
            return self.sort_keys(section)[row]
        if role == RAW_ROLE:
            return row + 1 if column.row_number else column.raw_value(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.tooltip:
                return column.tooltip(record)
            text = self.cell(row, section, Qt.ItemDataRole.DisplayRole)
            return text if len(text) > 16 else None
        return None

    def _make_texts(self, row: int) -> tuple[str, ...]:
        record = self._records[row]
        texts = tuple(str(row + 1) if c.row_number else c.text(record) for c in self._columns)
        self._texts[row] = texts
        return texts

    def _brush(self, colour: str | None) -> QBrush | None:
        if colour is None:
            return None
        brush = self._brushes.get(colour)
        if brush is None:
            brush = self._brushes[colour] = QBrush(QColor(colour))
        return brush

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

    def sort_keys(self, section: int) -> list[Any]:
        """One sort key per row (in model order) for a column: numbers, ISO dates, or for text columns each
        text's place in Chinese order (names by pinyin, digits as numbers). Made once per column and load;
        the check box column's keys are read anew (checks change without a reload)."""
        if self._checkable and section == 0:
            return [1 if self._key(r) in self._checked else 0 for r in self._records]
        keys = self._sort_keys.get(section)
        if keys is not None:
            return keys
        column = self.column_at(section)
        if column is None or column.row_number:
            keys = list(range(len(self._records)))
        elif column.sort is not None:
            keys = [column.sort(r) for r in self._records]
        else:
            i = section - self.column_offset
            text = column.text
            texts = [t[i] if t else text(r) for t, r in zip(self._texts, self._records, strict=True)]
            rank = {text: n for n, text in enumerate(chinese_order(set(texts)))}
            keys = [rank[t] for t in texts]
        self._sort_keys[section] = keys
        return keys

    def search_keys(self) -> list[str]:
        """Each row's search text as `search_key` folds it (made once per load)."""
        return self._search

    def statuses(self) -> list[str | None]:
        """Each row's status code (made once per load)."""
        return self._statuses

    def search_text(self, row: int) -> str:
        return self._search[row]

    def status(self, row: int) -> str | None:
        return self._statuses[row]

    def set_records(self, records: Iterable[T]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._texts = [None] * len(self._records)
        self._sort_keys = {}
        self._search = [search_key(self._search_text(r)) for r in self._records]
        status = self._status
        self._statuses = [status(r) for r in self._records] if status else [None] * len(self._records)
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
