"""提醒: remind CPAs of 注师待申请 who have not applied, by an inbox message and, when they registered one, e-mail.

The firm's template (with its placeholders) is edited here and kept on the server; the preview shows what the
first chosen CPA would receive (refreshed as the template changes, nothing sent); 发送提醒 saves the template,
then sends to the chosen CPAs or to all of the tab, in chunks with progress and cancel; the summary says who
got it, who was reminded today already, and who has no e-mail. Automatic reminders (30/14/7/3 days before the
deadline) are switched on or off for the firm here too. Offline the dialog is never opened (the action bar
disables 提醒 and says why): a reminder goes out at once or not at all, it is not queued.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain import reminders as rules
from firmdesk.domain.errors import InvalidInput
from firmdesk.services.api_client import CmisClient, RepeatKey
from firmdesk.services.models import CpaRow
from firmdesk.services.progress import TaskCancelled
from firmdesk.services.reminders import ReminderPreview, ReminderResult, ReminderSettings, send_in_chunks
from firmdesk.ui.dialogs.base import ServiceDialog, mark_primary
from firmdesk.ui.error_text import error_text
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone

PREVIEW_DELAY_MS = 400


class _ProgressState:
    """What `send_in_chunks` reports to: progress by signal (a worker thread), a cancel flag."""

    def __init__(self, dialog: ReminderDialog) -> None:
        self._dialog = dialog
        self.cancelled = False

    def set_progress(self, done: int, total: int) -> None:
        self._dialog.progress_made.emit(done, total)

    def is_cancelled(self) -> bool:
        return self.cancelled


class ReminderDialog(ServiceDialog):
    """`sent(result)` once a send finished (the window refreshes: the rows' 最近提醒 changed)."""

    sent = Signal(object)  # ReminderResult
    progress_made = Signal(int, int)

    def __init__(
        self,
        client: CmisClient,
        runner: TaskRunner,
        selected: Sequence[CpaRow],
        all_rows: Sequence[CpaRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.setObjectName("reminderDialog")
        self.setWindowTitle("提醒未申请的注册会计师")
        self._client = client
        self._selected = list(selected)
        self._all = [r for r in all_rows if rules.in_scope(r.status)]
        self._settings: ReminderSettings | None = None
        self._key = RepeatKey()
        self._state: _ProgressState | None = None
        self.last_result: ReminderResult | None = None

        self.target_selected = QRadioButton(f"提醒所选的 {len(self._selected)} 人")
        self.target_selected.setObjectName("remindSelected")
        self.target_all = QRadioButton(f"提醒全部未申请的 {len(self._all)} 人")
        self.target_all.setObjectName("remindAll")
        targets = QButtonGroup(self)
        targets.addButton(self.target_selected)
        targets.addButton(self.target_all)
        self.target_selected.setEnabled(bool(self._selected))
        (self.target_selected if self._selected else self.target_all).setChecked(True)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target_selected)
        target_row.addWidget(self.target_all)
        target_row.addStretch(1)

        self.template_edit = QPlainTextEdit()
        self.template_edit.setObjectName("reminderTemplate")
        self.template_edit.setTabChangesFocus(True)
        self.template_edit.setEnabled(False)
        placeholders = "　".join(f"{p} {what}" for p, what in rules.PLACEHOLDERS.items())
        hint = QLabel(f"可用占位符：{placeholders}")
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        self.default_button = QPushButton("恢复默认内容")
        self.default_button.setObjectName("restoreDefault")
        self.default_button.clicked.connect(self._restore_default)
        self.auto_check = QCheckBox("截止前 30、14、7、3 天自动提醒未申请的注册会计师")
        self.auto_check.setObjectName("autoReminders")
        self.auto_check.setEnabled(False)
        self.auto_check.toggled.connect(self._auto_toggled)
        template_box = QGroupBox("提醒内容（模板）")
        template_layout = QVBoxLayout(template_box)
        template_layout.addWidget(self.template_edit, 1)
        template_layout.addWidget(hint)
        template_buttons = QHBoxLayout()
        template_buttons.addWidget(self.auto_check, 1)
        template_buttons.addWidget(self.default_button)
        template_layout.addLayout(template_buttons)

        self.preview_label = QLabel("预览")
        self.preview_label.setObjectName("previewTitle")
        self.preview_edit = QPlainTextEdit()
        self.preview_edit.setObjectName("reminderPreview")
        self.preview_edit.setReadOnly(True)
        preview_box = QGroupBox("预览（不会发送）")
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.preview_label)
        preview_layout.addWidget(self.preview_edit, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(template_box)
        splitter.addWidget(preview_box)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([420, 380])

        self.progress = QProgressBar()
        self.progress.setObjectName("reminderProgress")
        self.progress.hide()
        self.summary_label = MessageBanner("reminderSummary")
        self.skipped_list = QListWidget()
        self.skipped_list.setObjectName("skippedList")
        self.skipped_list.setMaximumHeight(110)
        self.skipped_list.hide()
        self.banner = MessageBanner("reminderMessage")

        buttons = QDialogButtonBox()
        self.send_button = buttons.addButton("发送提醒", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.setObjectName("sendReminders")
        mark_primary(self.send_button)
        self.send_button.setEnabled(False)
        self.cancel_button = buttons.addButton("取消发送", QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.setObjectName("cancelSending")
        self.cancel_button.hide()
        self.close_button = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.send_button.clicked.connect(self.send)
        self.cancel_button.clicked.connect(self._cancel)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        intro = QLabel(
            "向尚未完成年检申请的注册会计师发送提醒：站内消息（注册会计师登录后在“消息”中查看），"
            "登记了邮箱的同时发送邮件。每人每天最多提醒一次。"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(target_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.skipped_list)
        layout.addWidget(self.banner)
        layout.addWidget(buttons)
        self.resize(900, 560)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self.finished.connect(self._preview_timer.stop)
        self.template_edit.textChanged.connect(self._template_edited)
        self.progress_made.connect(self._progress)
        self.target_selected.toggled.connect(lambda _on: self.refresh_preview())
        self._load()

    # -- loading and preview ------------------------------------------------------------------------

    def _load(self) -> None:
        self.banner.show_message("正在读取提醒模板…", Tone.INFO)
        self.op(self, self._client.reminder_settings, key="settings").success(self._loaded).failure(
            self._show_error
        ).run()

    def _loaded(self, settings: ReminderSettings) -> None:
        self._settings = settings
        self.banner.clear_message()
        self.template_edit.blockSignals(True)
        self.template_edit.setPlainText(settings.template)
        self.template_edit.blockSignals(False)
        self.auto_check.blockSignals(True)
        self.auto_check.setChecked(settings.auto_enabled)
        self.auto_check.blockSignals(False)
        self.template_edit.setEnabled(True)
        self.auto_check.setEnabled(True)
        self.send_button.setEnabled(bool(self.targets()))
        self.refresh_preview()

    def targets(self) -> list[CpaRow]:
        return self._selected if self.target_selected.isChecked() else self._all

    def _template_edited(self) -> None:
        self._preview_timer.start()

    def template_problem(self) -> str | None:
        try:
            rules.check_template(self.template_edit.toPlainText())
        except InvalidInput as error:
            return error.message
        return None

    def refresh_preview(self) -> None:
        self._preview_timer.stop()
        targets = self.targets()
        if not self.isVisible() or not targets or self._settings is None:
            self.preview_edit.setPlainText("")
            return
        problem = self.template_problem()
        self.send_button.setEnabled(problem is None)
        self.send_button.setToolTip(problem or f"向 {len(targets)} 名注册会计师发送提醒")
        if problem is not None:
            self.preview_edit.setPlainText(problem)
            return
        first = targets[0]
        template = self.template_edit.toPlainText()
        self.op(self, lambda: self._client.reminder_preview(first.cpa_id, template), key="preview").success(
            self._previewed
        ).failure(self._show_error).run()

    def _previewed(self, preview: ReminderPreview) -> None:
        address = preview.email or "未登记邮箱，仅站内消息"
        self.preview_label.setText(f"{preview.name}（{address}）")
        text = f"【{preview.title}】\n\n{preview.body}"
        if preview.refusal:
            text += f"\n\n（{preview.refusal}，发送时将跳过此人）"
        self.preview_edit.setPlainText(text)

    def _restore_default(self) -> None:
        if self._settings is not None:
            self.template_edit.setPlainText(self._settings.default_template)

    def _auto_toggled(self, on: bool) -> None:
        self.op(self, lambda: self._client.save_reminder_settings(auto_enabled=on), key="auto").success(
            lambda _s: self.banner.show_message(
                "已开启自动提醒：截止前 30、14、7、3 天各提醒一次" if on else "已关闭自动提醒", Tone.SUCCESS
            )
        ).failure(self._show_error).run()

    # -- sending -----------------------------------------------------------------------------------

    def send(self) -> None:
        targets = self.targets()
        if not targets or self.template_problem() is not None:
            return
        template = self.template_edit.toPlainText()
        ids = [r.cpa_id for r in targets]
        key = self._key.for_request((template, tuple(ids)))
        state = _ProgressState(self)
        self._state = state
        client = self._client

        def work() -> ReminderResult:
            client.save_reminder_settings(template=template)
            return send_in_chunks(client.send_reminders, ids, key, state)

        self._sending(True)
        self.op(self, work, key="send").success(self._sent).failure(self._send_failed).run()

    def _sending(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.progress.setRange(0, 0 if on else 1)  # busy until the first chunk is back
        self.send_button.setEnabled(not on)
        self.cancel_button.setVisible(on)
        self.template_edit.setReadOnly(on)
        self.target_all.setEnabled(not on)
        self.target_selected.setEnabled(not on and bool(self._selected))
        if on:
            self.banner.clear_message()
            self.summary_label.clear_message()
            self.skipped_list.hide()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _cancel(self) -> None:
        if self._state is not None:
            self._state.cancelled = True
        self.cancel_button.setEnabled(False)
        self.banner.show_message("正在取消：已开始的一组发送完后停止…", Tone.INFO)

    def _sent(self, result: ReminderResult) -> None:
        self._key.settle()
        self._sending(False)
        self.last_result = result
        self.summary_label.show_message(result.summary, Tone.SUCCESS if result.sent else Tone.WARNING)
        self.skipped_list.clear()
        for item in result.skipped_items:
            self.skipped_list.addItem(f"{item.name or item.cpa_id}：{item.detail}")
        self.skipped_list.setVisible(bool(result.skipped_items))
        self.send_button.setText("再次发送")
        self.sent.emit(result)

    def _send_failed(self, error: BaseException) -> None:
        self._key.outcome(error)
        self._sending(False)
        self.cancel_button.setEnabled(True)
        if isinstance(error, TaskCancelled):
            self.banner.show_message("已取消：之前的各组已发送，其余未发送", Tone.WARNING)
            return
        self._show_error(error)

    def _show_error(self, error: BaseException) -> None:
        self.banner.show_message(error_text(error), Tone.ERROR)
