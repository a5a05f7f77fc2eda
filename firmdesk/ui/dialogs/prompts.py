"""The few questions a dialog asks the user through the OS (confirm, pick files, choose a folder, open a file).

Each dialog takes these as constructor arguments with these defaults, so tests pass stand-ins instead of
driving modal native dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

#: `confirm(parent, title, text, ok_text) -> bool`
Confirm = Callable[[QWidget, str, str, str], bool]
#: `pick_files(parent, title) -> paths` (empty when cancelled)
PickFiles = Callable[[QWidget, str], list[Path]]
#: `choose_folder(parent, title) -> folder or None`
ChooseFolder = Callable[[QWidget, str], Path | None]
#: `open_external(path) -> bool`: opens the file in the system's default program.
OpenExternal = Callable[[Path], bool]

ATTACHMENT_FILTER = "附件 (*.pdf *.jpg *.jpeg *.png *.xls *.xlsx);;所有文件 (*)"


def ask_confirmation(parent: QWidget, title: str, text: str, ok_text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("confirmBox")
    ok = box.addButton(ok_text, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)  # an action that cannot be undone is never the default
    box.exec()
    return box.clickedButton() is ok


def pick_attachment_files(parent: QWidget, title: str) -> list[Path]:
    names, _ = QFileDialog.getOpenFileNames(parent, title, "", ATTACHMENT_FILTER)
    return [Path(n) for n in names]


def choose_folder(parent: QWidget, title: str) -> Path | None:
    folder = QFileDialog.getExistingDirectory(parent, title)
    return Path(folder) if folder else None


def open_in_default_program(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
