"""The firm's batch materials being put together: the required 社保证明材料 slot and further files.

Files come from the picker or by drag and drop; each is checked (type by content, 5 MB) on the worker
pool before it joins the list, the count (10, kept files included) at once, and every refusal names the
file. Files already on the server (a returned batch's) are listed as kept and can be removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.errors import DomainError, LimitExceeded
from firmdesk.domain.files import ALLOWED_TYPES_TEXT
from firmdesk.domain.limits import MAX_ATTACHMENT_BYTES, MAX_BATCH_FILES, SOCIAL_SECURITY_MATERIAL, human_size
from firmdesk.domain.materials import (
    check_batch_file_count,
    check_batch_file_room,
    material_name,
    require_batch_materials,
)
from firmdesk.services.models import Attachment
from firmdesk.services.uploads import PlannedFile, check_file
from firmdesk.ui.dialogs.prompts import PickFiles, pick_attachment_files
from firmdesk.ui.error_text import error_text
from firmdesk.ui.formatting import datetime_text
from firmdesk.ui.ops import OpStarter
from firmdesk.ui.palette import MATERIAL_KEPT, MATERIAL_NEW, REQUIRED_MARK
from firmdesk.ui.widgets.badge import link_button
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone

OTHER_MATERIAL = "其他材料"
RULES_TEXT = (
    f"支持类型：{ALLOWED_TYPES_TEXT}；最多可上传 {MAX_BATCH_FILES} 个附件；"
    f"单个附件大小不能超过 {human_size(MAX_ATTACHMENT_BYTES).replace(' ', '').replace('.0', '')}"
)

COL_MATERIAL, COL_FILE, COL_TYPE, COL_SIZE, COL_STATE, COL_REMOVE = range(6)


@dataclass(frozen=True)
class KeptMaterial:
    """A file already in the batch on the server."""

    attachment: Attachment


@dataclass(frozen=True)
class NewMaterial:
    """A local file that passed the checks, to be uploaded."""

    planned: PlannedFile
    order: int = field(default=0, compare=False)  # when it was picked: the list keeps the pick order


def _local_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class _DropSlot(QFrame):
    """The required 社保证明材料 slot: shows its file, takes a click (picker) or a dropped file."""

    files_dropped = Signal(list)
    pick_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("socialSecuritySlot")
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        title = QLabel(f"<span style='color:{REQUIRED_MARK}'>*</span> <b>{SOCIAL_SECURITY_MATERIAL}</b>", self)
        layout.addWidget(title)
        self.file_label = QLabel(self)
        self.file_label.setObjectName("socialSecurityFileLabel")
        layout.addWidget(self.file_label, 1)
        self.pick_button = QPushButton("点击上传", self)
        self.pick_button.setObjectName("socialSecurityPickButton")
        self.pick_button.clicked.connect(self.pick_requested)
        layout.addWidget(self.pick_button)
        self.set_file(None)

    def set_file(self, name: str | None) -> None:
        self.filled = name is not None
        if name is None:
            self.file_label.setText("必需，拖放文件到此处或点击上传")
            self.pick_button.setText("点击上传")
        else:
            self.file_label.setText(f"✓ {name}")
            self.pick_button.setText("替换")
        for widget in (self, self.file_label):  # red while empty, green once filled: resources/firmdesk.qss
            widget.setProperty("filled", self.filled)
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)


class MaterialsEditor(QWidget):
    """`new_files()` → [(material, path)], `kept_ids()`; `changed` after every change; `checking` while busy."""

    changed = Signal()
    checking_changed = Signal(bool)

    def __init__(
        self,
        ops: OpStarter,
        *,
        kept: Sequence[Attachment] = (),
        pick_files: PickFiles = pick_attachment_files,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("materialsEditor")
        self.setAcceptDrops(True)
        self._ops = ops  # the dialog it lives in: the checks end when it closes
        self._pick_files = pick_files
        self._entries: list[KeptMaterial | NewMaterial] = [KeptMaterial(a) for a in kept]
        self._picked = 0  # files asked for so far (their pick order)
        self._pending: list[tuple[str, Path]] = []  # being checked on the worker
        self._submitted = False  # the server has every file now: shown as 已上传, nothing to remove

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        rules = QLabel(RULES_TEXT, self)
        rules.setObjectName("materialsRulesLabel")
        rules.setWordWrap(True)
        layout.addWidget(rules)

        self.slot = _DropSlot(self)
        self.slot.pick_requested.connect(lambda: self.pick(SOCIAL_SECURITY_MATERIAL))
        self.slot.files_dropped.connect(lambda paths: self.add_files(paths[:1], SOCIAL_SECURITY_MATERIAL))
        layout.addWidget(self.slot)

        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("materialsTable")
        self.table.setHorizontalHeaderLabels(["材料名称", "文件", "类型", "大小", "状态", ""])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.setAcceptDrops(False)  # the editor takes drops for the whole area
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_MATERIAL, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_FILE, QHeaderView.ResizeMode.Stretch)
        for col in (COL_TYPE, COL_SIZE, COL_STATE):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_REMOVE, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(COL_REMOVE, 72)
        self.table.setColumnWidth(COL_MATERIAL, 150)
        self.table.itemChanged.connect(self._on_item_changed)
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.add_button = QPushButton("添加其他材料…", self)
        self.add_button.setObjectName("addMaterialButton")
        self.add_button.clicked.connect(lambda: self.pick(OTHER_MATERIAL))
        bottom.addWidget(self.add_button)
        hint = QLabel("也可以把文件拖放到这里；双击“材料名称”可修改", self)
        hint.setObjectName("materialsHint")
        bottom.addWidget(hint, 1)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("materialsCountLabel")
        bottom.addWidget(self.count_label)
        layout.addLayout(bottom)

        self.banner = MessageBanner("materialsMessage", self)
        layout.addWidget(self.banner)
        self._refresh()

    # -- reading ----------------------------------------------------------------------------------

    @property
    def entries(self) -> list[KeptMaterial | NewMaterial]:
        return list(self._entries)

    @property
    def checking(self) -> bool:
        return bool(self._pending)

    def count(self) -> int:
        return len(self._entries)

    def new_files(self) -> list[tuple[str, Path]]:
        return [(e.planned.material, e.planned.path) for e in self._entries if isinstance(e, NewMaterial)]

    def kept_ids(self) -> list[int]:
        return [e.attachment.id for e in self._entries if isinstance(e, KeptMaterial)]

    def materials(self) -> list[str]:
        return [e.attachment.material if isinstance(e, KeptMaterial) else e.planned.material for e in self._entries]

    def has_social_security(self) -> bool:
        return SOCIAL_SECURITY_MATERIAL in self.materials()

    def problem(self) -> str | None:
        """Why the materials cannot be submitted yet, or None."""
        if self._pending:
            return "正在检查文件，请稍候"
        materials = self.materials()
        try:  # the batch rules in the domain's words, as the upload and the server give them
            require_batch_materials(materials)
            for material in materials:
                material_name(material)
            check_batch_file_count(len(materials))
        except DomainError as e:
            return e.message
        return None

    # -- changing ---------------------------------------------------------------------------------

    def set_editable(self, editable: bool) -> None:
        """Off while uploading: nothing may change under the upload."""
        self.setAcceptDrops(editable)
        self.slot.setAcceptDrops(editable)
        self.slot.pick_button.setEnabled(editable)
        self.add_button.setEnabled(editable)
        self.table.setEnabled(editable)

    def mark_submitted(self) -> None:
        """The batch went to the server with these files: each row says 已上传 and 移除 goes away."""
        self._submitted = True
        self.set_editable(False)
        self._refresh()

    def pick(self, material: str) -> None:
        title = f"选择{material}" if material == SOCIAL_SECURITY_MATERIAL else "选择批次材料"
        paths = self._pick_files(self, title)
        if paths:
            self.add_files(paths[:1] if material == SOCIAL_SECURITY_MATERIAL else paths, material)

    def add_files(self, paths: Iterable[Path], material: str = OTHER_MATERIAL) -> None:
        """Checks the files on the worker pool; those that pass join the list, the others are named."""
        problems: list[str] = []
        replacing = material == SOCIAL_SECURITY_MATERIAL and self._slot_index() is not None
        for path in paths:
            path = Path(path)
            if any(isinstance(e, NewMaterial) and e.planned.path == path for e in self._entries) or any(
                p == path for _, p in self._pending
            ):
                problems.append(f"文件“{path.name}”已在列表中")
                continue
            try:
                check_batch_file_room(len(self._entries) + len(self._pending), replacing=replacing)
            except LimitExceeded as e:
                problems.append(f"无法添加“{path.name}”：{e.message}")
                continue
            self._start_check(material, path)
        if problems:
            self.banner.show_message("\n".join(problems), Tone.ERROR)
        else:
            self.banner.clear_message()
        self._refresh()

    def _start_check(self, material: str, path: Path) -> None:
        item = (material, path)
        self._picked += 1
        order = self._picked
        self._pending.append(item)
        if len(self._pending) == 1:
            self.checking_changed.emit(True)

        def done() -> None:
            if item in self._pending:
                self._pending.remove(item)
            if not self._pending:
                self.checking_changed.emit(False)

        def ok(planned: PlannedFile) -> None:
            done()
            if material == SOCIAL_SECURITY_MATERIAL:
                # 替换: the file in the required slot (a new one, or the one already uploaded) gives way.
                index = self._slot_index()
                if index is not None:
                    self._entries[index] = NewMaterial(planned, order)
                else:
                    self._entries.insert(0, NewMaterial(planned, order))
            else:
                # The checks finish in any order; the list shows the files in the order they were picked.
                later = (
                    i
                    for i, e in enumerate(self._entries)
                    if isinstance(e, NewMaterial) and e.planned.material != SOCIAL_SECURITY_MATERIAL and e.order > order
                )
                self._entries.insert(next(later, len(self._entries)), NewMaterial(planned, order))
            self._refresh()
            self.changed.emit()

        def failed(exc: BaseException) -> None:
            done()
            shown = self.banner.text() if self.banner.isVisible() and self.banner.tone == Tone.ERROR else ""
            self.banner.show_message("\n".join(filter(None, [shown, error_text(exc)])), Tone.ERROR)
            self._refresh()
            self.changed.emit()

        self._ops.op(self, lambda: check_file(material, path)).success(ok).failure(failed).run()

    def remove_at(self, index: int) -> None:
        del self._entries[index]
        self.banner.clear_message()
        self._refresh()
        self.changed.emit()

    def _slot_index(self) -> int | None:
        """The file shown in the required slot: the first new 社保证明材料, else the first kept one."""
        for want_new in (True, False):
            for i, e in enumerate(self._entries):
                if isinstance(e, NewMaterial) == want_new and (
                    (e.planned.material if isinstance(e, NewMaterial) else e.attachment.material)
                    == SOCIAL_SECURITY_MATERIAL
                ):
                    return i
        return None

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != COL_MATERIAL:
            return
        row = item.row()
        if not 0 <= row < len(self._entries):
            return
        entry = self._entries[row]
        if not isinstance(entry, NewMaterial):
            return
        material = item.text().strip()
        if material == entry.planned.material:
            return
        p = entry.planned
        self._entries[row] = NewMaterial(
            PlannedFile(material=material, path=p.path, size=p.size, file_type=p.file_type)
        )
        self._refresh()
        self.changed.emit()

    def _refresh(self) -> None:
        table = self.table
        table.blockSignals(True)
        table.setRowCount(len(self._entries))
        for row, entry in enumerate(self._entries):
            if isinstance(entry, KeptMaterial):
                a = entry.attachment
                cells = [a.material, a.original_name, a.file_type, human_size(a.size), "已上传"]
                tip = f"上传时间：{datetime_text(a.uploaded_at)}"
            else:
                p = entry.planned
                cells = [
                    p.material,
                    p.path.name,
                    p.file_type,
                    human_size(p.size),
                    "已上传" if self._submitted else "待上传",
                ]
                tip = str(p.path)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                if col == COL_MATERIAL and isinstance(entry, NewMaterial):
                    flags |= Qt.ItemFlag.ItemIsEditable
                if col == COL_STATE:
                    kept = isinstance(entry, KeptMaterial) or self._submitted
                    item.setForeground(QColor(MATERIAL_KEPT if kept else MATERIAL_NEW))
                item.setFlags(flags)
                table.setItem(row, col, item)
            if self._submitted:
                table.removeCellWidget(row, COL_REMOVE)
            else:
                remove = link_button("移除", f"removeMaterialButton{row}", table)
                remove.clicked.connect(lambda _checked=False, r=row: self.remove_at(r))
                table.setCellWidget(row, COL_REMOVE, remove)
        table.blockSignals(False)
        index = self._slot_index()
        if index is None:
            self.slot.set_file(None)
        else:
            e = self._entries[index]
            if isinstance(e, NewMaterial):
                name = f"{e.planned.path.name}（已上传）" if self._submitted else e.planned.path.name
            else:
                name = f"{e.attachment.original_name}（已上传）"
            self.slot.set_file(name)
        checking = f"，正在检查 {len(self._pending)} 个" if self._pending else ""
        self.count_label.setText(f"共 {len(self._entries)} / {MAX_BATCH_FILES} 个文件{checking}")

    # -- drag and drop ----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _local_paths(event)
        if not paths:
            return
        event.acceptProposedAction()
        # Into an empty required slot first, so that a single dropped scan is not left as 其他材料.
        if not self.has_social_security() and not any(m == SOCIAL_SECURITY_MATERIAL for m, _ in self._pending):
            self.add_files(paths[:1], SOCIAL_SECURITY_MATERIAL)
            paths = paths[1:]
        if paths:
            self.add_files(paths, OTHER_MATERIAL)
