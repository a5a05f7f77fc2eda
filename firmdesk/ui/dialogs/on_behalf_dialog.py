"""代提请: the firm files the application of a CPA who has not applied (年检代提请).

The CPA's information is shown read-only to be confirmed; the administrator chooses 在职 or 离退休 and gives
one file for each material that status requires plus the signed 授权委托书 (each file checked by content
and size before it is accepted, the set checked again before uploading, in the domain's words). The upload
shows its progress and can be cancelled; a refusal is shown in the dialog and nothing chosen is lost.
Offline the dialog refuses to submit (代提请 needs the server, like 申请): it says why.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.files import ALLOWED_TYPES_TEXT
from firmdesk.domain.limits import MAX_ATTACHMENT_BYTES, human_size
from firmdesk.domain.materials import missing_on_behalf_materials, on_behalf_materials
from firmdesk.domain.on_behalf import ON_BEHALF_LABEL
from firmdesk.services.api_client import CmisClient, RepeatKey
from firmdesk.services.errors import UploadCancelled
from firmdesk.services.intentions import files_fingerprint
from firmdesk.services.models import CpaRow, FirmInfo
from firmdesk.services.uploads import PlannedFile, check_file
from firmdesk.ui.dialogs.base import ServiceDialog, dialog_footer
from firmdesk.ui.dialogs.prompts import PickFiles, pick_attachment_files
from firmdesk.ui.error_text import error_text
from firmdesk.ui.formatting import date_text, hours_text
from firmdesk.ui.palette import REQUIRED_MARK
from firmdesk.ui.sync_controller import SyncController, offline_reason
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone
from firmdesk.ui.widgets.screen_fit import fit_to_screen
from firmdesk.ui.widgets.upload_progress import CANCELLING_TEXT, UploadProgress

RULES_TEXT = (
    f"每项材料上传一个文件；支持类型：{ALLOWED_TYPES_TEXT}；"
    f"单个文件不超过 {human_size(MAX_ATTACHMENT_BYTES).replace(' ', '').replace('.0', '')}"
)
NOTE_TEXT = (
    f"代提请无需人脸认证，申请将直接进入“注师待审核”，并标记为“{ON_BEHALF_LABEL}”；"
    "地方注协可能要求该注册会计师进行线下人工核验。请确认已取得本人签署的授权委托书。"
)
NO_MATERIAL_LIST = "未能获取省注协的材料清单，请刷新后重试"


def _slug(material: str) -> str:
    """An objectName part for a material (tests find the slot of 授权委托书 as `onBehalfPick_授权委托书`)."""
    return material.replace(" ", "_")


class OnBehalfDialog(ServiceDialog):
    """`filed(CpaRow)` once the server accepted it; the dialog then says so and offers 完成."""

    filed = Signal(object)
    refused = Signal(str)

    def __init__(
        self,
        client: CmisClient,
        runner: TaskRunner,
        firm: FirmInfo,
        row: CpaRow,
        year: int,
        *,
        pick_files: PickFiles = pick_attachment_files,
        sync: SyncController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.setObjectName("onBehalfDialog")
        self.setWindowTitle(f"代提请 - {year}年度年检申请（{row.name}）")
        fit_to_screen(self, 760, 600)
        self._client, self._firm, self._row, self._year = client, firm, row, year
        self._pick_files = pick_files
        self._sync = sync
        self._repeat = RepeatKey(sync.pending if sync is not None else None, "on_behalf")
        #: The accepted file of each material (kept across 在职/离退休 switches: nothing chosen is lost).
        self._files: dict[str, PlannedFile] = {}
        self._checking: set[str] = set()
        self.result_row: CpaRow | None = None

        info = QGroupBox("注册会计师信息（请核对）", self)
        form = QFormLayout(info)
        for label, value, name in (
            ("姓名", row.name, "onBehalfName"),
            ("证书编号", row.cert_no, "onBehalfCertNo"),
            ("性别", row.gender, "onBehalfGender"),
            ("出生日期", date_text(row.birth_date), "onBehalfBirthDate"),
            (f"{year}年度培训学时", hours_text(row.training_hours), "onBehalfHours"),
        ):
            value_label = QLabel(value or "—", info)
            value_label.setObjectName(name)
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value_label)

        status = QGroupBox("人员状态", self)
        status_layout = QHBoxLayout(status)
        self.working_radio = QRadioButton("在职", status)
        self.working_radio.setObjectName("onBehalfWorking")
        self.retired_radio = QRadioButton("离退休", status)
        self.retired_radio.setObjectName("onBehalfRetired")
        self._status_group = QButtonGroup(self)
        for button in (self.working_radio, self.retired_radio):
            self._status_group.addButton(button)
            status_layout.addWidget(button)
        status_layout.addStretch(1)
        (self.retired_radio if row.retired else self.working_radio).setChecked(True)
        self._status_group.buttonToggled.connect(self._status_toggled)

        self.materials_box = QGroupBox("上传材料", self)
        materials_layout = QVBoxLayout(self.materials_box)
        self.slots = QGridLayout()
        self.slots.setColumnStretch(1, 1)
        materials_layout.addLayout(self.slots)
        rules = QLabel(RULES_TEXT, self.materials_box)
        rules.setObjectName("onBehalfRules")
        rules.setWordWrap(True)
        materials_layout.addWidget(rules)
        self._slot_widgets: list[QWidget] = []
        self.pick_buttons: dict[str, QPushButton] = {}
        self.file_labels: dict[str, QLabel] = {}

        note = QLabel(NOTE_TEXT, self)
        note.setObjectName("onBehalfNote")
        note.setWordWrap(True)

        self.upload = UploadProgress("onBehalfProgress", "onBehalfCancelUpload", self)
        self.upload.cancel_button.clicked.connect(self.cancel_upload)
        self.banner = MessageBanner("onBehalfMessage", self)
        footer = dialog_footer(self, "提交代提请", "onBehalfHint", "onBehalfSubmit", "onBehalfClose")
        self.hint_label, self.buttons = footer.hint_label, footer.buttons
        self.submit_button, self.close_button = footer.submit_button, footer.close_button

        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(status)
        layout.addWidget(self.materials_box)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(self.upload)
        layout.addWidget(self.banner)
        layout.addLayout(footer.layout())

        if sync is not None:
            sync.state_changed.connect(lambda _online: self._update())
        self._rebuild_slots()

    # -- materials --------------------------------------------------------------------------------

    @property
    def retired(self) -> bool:
        return self.retired_radio.isChecked()

    def required(self) -> list[str]:
        """The institute's list for the status chosen (without the 授权委托书)."""
        return list(self._firm.materials_for(self.retired))

    def materials(self) -> list[str]:
        return on_behalf_materials(self.required())

    def _status_toggled(self, _button: object, checked: bool) -> None:
        if checked:
            self._rebuild_slots()

    def _rebuild_slots(self) -> None:
        for widget in self._slot_widgets:
            self.slots.removeWidget(widget)
            widget.deleteLater()
        self._slot_widgets, self.pick_buttons, self.file_labels = [], {}, {}
        for index, material in enumerate(self.materials()):
            title = QLabel(f"<span style='color:{REQUIRED_MARK}'>*</span> <b>{material}</b>", self.materials_box)
            file_label = QLabel(self.materials_box)
            file_label.setObjectName(f"onBehalfFile_{_slug(material)}")
            pick = QPushButton("选择文件", self.materials_box)
            pick.setObjectName(f"onBehalfPick_{_slug(material)}")
            pick.clicked.connect(lambda _c=False, m=material: self.pick(m))
            for column, widget in enumerate((title, file_label, pick)):
                self.slots.addWidget(widget, index, column)
                self._slot_widgets.append(widget)
            self.pick_buttons[material] = pick
            self.file_labels[material] = file_label
        self._show_files()

    def _show_files(self) -> None:
        for material, label in self.file_labels.items():
            planned = self._files.get(material)
            if material in self._checking:
                label.setText("正在检查文件…")
            elif planned is None:
                label.setText("必需，尚未选择文件")
            else:
                label.setText(f"✓ {planned.path.name}（{human_size(planned.size)}）")
            self.pick_buttons[material].setText("替换" if planned else "选择文件")
        self._update()

    def pick(self, material: str) -> None:
        paths = self._pick_files(self, f"选择“{material}”的文件")
        if paths:
            self.add_file(material, paths[0])

    def add_file(self, material: str, path: Path) -> None:
        """Check `path` on the worker pool; it becomes `material`'s file when it passes, else the banner
        names it (the file chosen before stays)."""
        self._checking.add(material)
        self._show_files()

        def ok(planned: PlannedFile) -> None:
            self._checking.discard(material)
            self._files[material] = planned
            self.banner.clear_message()
            self._show_files()

        def failed(exc: BaseException) -> None:
            self._checking.discard(material)
            self.banner.show_message(error_text(exc), Tone.ERROR)
            self._show_files()

        self.op(self, lambda: check_file(material, path), key=("check", material)).success(ok).failure(failed).run()

    def chosen_files(self) -> list[tuple[str, Path]]:
        return [(m, self._files[m].path) for m in self.materials() if m in self._files]

    # -- state ------------------------------------------------------------------------------------

    def problem(self) -> str | None:
        """Why 提交代提请 cannot run now (offline first), or None."""
        offline = offline_reason(self._sync)
        if offline is not None:
            return "离线状态下不能代提请，请联网后再试"
        if not self._firm.materials_working and not self._firm.materials_retired:
            return NO_MATERIAL_LIST
        if self._checking:
            return "正在检查文件…"
        missing = missing_on_behalf_materials(self.required(), [m for m, _ in self.chosen_files()])
        if missing:
            return f"请上传：{'、'.join(missing)}"
        return None

    def _update(self) -> None:
        done = self.result_row is not None
        problem = None if done or self.upload.active else self.problem()
        self.submit_button.setVisible(not done)
        self.submit_button.setEnabled(not done and not self.upload.active and problem is None)
        self.submit_button.setToolTip(problem or "")
        self.hint_label.setText(problem or "")
        for button in self.pick_buttons.values():
            button.setEnabled(not done and not self.upload.active)
        for radio in (self.working_radio, self.retired_radio):
            radio.setEnabled(not done and not self.upload.active)
        self.close_button.setText("完成" if done else "关闭")

    # -- submitting -------------------------------------------------------------------------------

    def submit(self) -> None:
        if self.upload.active or self.result_row is not None:
            return
        problem = self.problem()
        if problem is not None:
            self.banner.show_message(problem, Tone.ERROR)
            return
        files, required, retired = self.chosen_files(), self.required(), self.retired
        cpa_id, year, client = self._row.cpa_id, self._year, self._client
        key = self._repeat.for_request((cpa_id, retired, files_fingerprint(files)), f"cpa:{cpa_id}")
        self.upload.set_active(True)
        self._update()
        state = self.upload.state
        self.banner.show_message("正在上传材料并提交代提请…", Tone.INFO)

        def work() -> CpaRow:
            return client.file_on_behalf(cpa_id, year, retired, files, required, key, state)

        self.op(self, work).success(self._done).failure(self._failed).run()

    def cancel_upload(self) -> None:
        if self.upload.cancel():
            self.banner.show_message(CANCELLING_TEXT, Tone.WARNING)

    def _done(self, row: CpaRow) -> None:
        self._repeat.outcome(None)
        self.upload.set_active(False)
        self.result_row = row
        self.banner.show_message(
            f"已为 {row.name} 代提请{self._year}年度年检申请，已进入“注师待审核”（标记为“{ON_BEHALF_LABEL}”），"
            "并已通知本人。",
            Tone.SUCCESS,
        )
        self._update()
        self.close_button.setFocus()
        self.filed.emit(row)

    def _failed(self, exc: BaseException) -> None:
        self._repeat.outcome(exc)
        self.upload.set_active(False)
        if isinstance(exc, UploadCancelled):
            self.banner.show_message(exc.message, Tone.WARNING)
        else:
            message = error_text(exc)
            self.banner.show_message(message, Tone.ERROR)
            self.refused.emit(message)
        self._update()

    def reject(self) -> None:
        if self.upload.active:  # Esc or 关闭 during the upload cancels it first; a second press closes
            self.cancel_upload()
            return
        if self.result_row is not None:
            self.accept()
            return
        super().reject()
