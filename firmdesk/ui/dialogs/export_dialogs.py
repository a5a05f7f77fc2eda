"""The questions and windows of the exports (Excel, 二维码, 标签): what to export, where, progress, done.

Like `prompts.py`, every question is a plain function that the main window takes from `UserPrompts`,
so tests answer them with stand-ins instead of driving modal dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QMessageBox,
    QProgressDialog,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from firmdesk.services.progress import TaskState
from firmdesk.ui.dialogs.prompts import (
    ChooseFolder,
    Confirm,
    OpenExternal,
    PickFiles,
    ask_confirmation,
    choose_folder,
    open_in_default_program,
    pick_attachment_files,
)


@dataclass(frozen=True)
class ExportChoice:
    chosen_only: bool  # the checked/selected rows, else every row the list shows
    target: int  # index into the targets offered (e.g. 0 文件夹, 1 .zip)


#: `save_file(parent, title, default_path, name_filter) -> path or None`
SaveFile = Callable[[QWidget, str, Path, str], Path | None]
#: `choose_export(parent, title, chosen_count, shown_count, targets) -> choice or None (cancelled)`
ChooseExport = Callable[[QWidget, str, int, int, list[str]], ExportChoice | None]
#: `show_done(parent, title, text, folder)`: says an export is done and offers 打开文件夹.
ShowDone = Callable[[QWidget, str, str, Path], None]


def default_folder() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())


def ask_save_path(parent: QWidget, title: str, default_path: Path, name_filter: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, str(default_path), name_filter)
    return Path(name) if name else None


class ExportChoiceDialog(QDialog):
    """Which rows (only when both apply) and which target (only when there are several)."""

    def __init__(self, title: str, chosen: int, shown: int, targets: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportChoiceDialog")
        self.setWindowTitle(title)
        # Wide enough for its title in the title bar (it was 217 px wide, the title cut off).
        self.setMinimumWidth(max(400, self.fontMetrics().horizontalAdvance(title) + 200))
        layout = QVBoxLayout(self)
        self.scope = QButtonGroup(self)
        if 0 < chosen < shown:
            box = QGroupBox("导出范围", self)
            box.setObjectName("exportScopeBox")
            box_layout = QVBoxLayout(box)
            for i, text in enumerate((f"所选的 {chosen} 人", f"当前列表的全部 {shown} 人")):
                button = QRadioButton(text, box)
                button.setObjectName(f"exportScope{i}")
                self.scope.addButton(button, i)
                box_layout.addWidget(button)
            self.scope.button(0).setChecked(True)
            layout.addWidget(box)
        self.target = QButtonGroup(self)
        if len(targets) > 1:
            box = QGroupBox("保存为", self)
            box.setObjectName("exportTargetBox")
            box_layout = QVBoxLayout(box)
            for i, text in enumerate(targets):
                button = QRadioButton(text, box)
                button.setObjectName(f"exportTarget{i}")
                self.target.addButton(button, i)
                box_layout.addWidget(button)
            self.target.button(0).setChecked(True)
            layout.addWidget(box)
        buttons = QDialogButtonBox(self)
        buttons.addButton("下一步", QDialogButtonBox.ButtonRole.AcceptRole).setObjectName("exportChoiceOk")
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._chosen, self._shown = chosen, shown

    def choice(self) -> ExportChoice:
        chosen_only = self._chosen > 0 and (self._chosen >= self._shown or self.scope.checkedId() == 0)
        return ExportChoice(chosen_only, max(self.target.checkedId(), 0))


def ask_export_choice(parent: QWidget, title: str, chosen: int, shown: int, targets: list[str]) -> ExportChoice | None:
    dialog = ExportChoiceDialog(title, chosen, shown, targets, parent)
    if not (0 < chosen < shown) and len(targets) <= 1:
        return dialog.choice()  # nothing to ask
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


def show_export_done(parent: QWidget, title: str, text: str, folder: Path) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("exportDoneBox")
    open_button = box.addButton("打开文件夹", QMessageBox.ButtonRole.ActionRole)
    box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def clicked(button: object) -> None:
        if button is open_button:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    box.buttonClicked.connect(clicked)
    box.open()


@dataclass(frozen=True)
class UserPrompts:
    """Every question the main window's actions ask through the OS; tests give stand-ins."""

    confirm: Confirm = ask_confirmation
    pick_files: PickFiles = pick_attachment_files
    choose_folder: ChooseFolder = choose_folder
    open_external: OpenExternal = open_in_default_program
    save_file: SaveFile = ask_save_path
    choose_export: ChooseExport = ask_export_choice
    show_done: ShowDone = show_export_done


class ExportProgress(QProgressDialog):
    """Progress of one export; 取消 asks the task to stop (it then leaves nothing half-written)."""

    progressed = Signal(int, int)  # emitted from the worker thread; delivered queued on the UI thread

    def __init__(self, title: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(label, "取消", 0, 0, parent)
        self.setObjectName("exportProgress")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(400)  # small exports finish before it would flash up
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumWidth(420)
        self.state = TaskState(on_progress=self.progressed.emit)
        self.progressed.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)
        self.canceled.connect(self._cancel)

    def _show_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.setMaximum(total)
            self.setValue(min(done, total))
            self.setLabelText(f"{self.labelText().split('（')[0]}（{done} / {total}）")

    def _cancel(self) -> None:
        self.state.cancel()
        self.setLabelText("正在取消…")
