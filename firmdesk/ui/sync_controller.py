"""Qt adapter of the offline services: shows the cache first, syncs in the background, follows online/offline.

`SyncController` is the main window's one loader (`load(year)`, `data_changed`, `summary_loaded`,
`part_failed`, `started`, `finished`, `synced`), with the offline signals: `state_changed(online)`,
`drafts_sent`, `conflicts`, `drafts_changed`, `notice`.
It syncs at `load`, on `refresh()` (F5), every few minutes while online, and, while offline, retries
with backoff (2, 4, 8 … 60 s). After every sync that reached the server — the first one at start or after
login, the one that brings a 离线打开 session or a lost connection back online — it sends what waits: the
drafts marked 联网后发送 and those a crash left 发送中 (resent under the same key, so the server returns
them once), and says so. Drafts never written (a kill right after 退回) are removed when it starts.
`pending` keeps the Idempotency-Keys of the dialogs' changes whose outcome is unknown (`intentions.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from firmdesk.services.api_client import CmisClient
from firmdesk.services.cache_prefetch import CachePrefetch
from firmdesk.services.connectivity import BackoffPolicy, Clock, Connectivity, utc_now
from firmdesk.services.drafts import DraftSender, DraftStore, SendReport
from firmdesk.services.errors import ServerUnreachable
from firmdesk.services.intentions import PendingActions
from firmdesk.services.local_store import CacheDamaged, LocalStore, YearSnapshot
from firmdesk.services.models import BatchRow, CpaRow, FirmSummary
from firmdesk.services.sync import Synchronizer, SyncResult
from firmdesk.ui.error_text import error_text
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.year_data import YearData

log = logging.getLogger(__name__)

#: The tooltip of every action that needs the server (申请, 撤回, 再次申请 …) while offline.
OFFLINE_ACTION_TOOLTIP = "离线状态下不能提交/撤回，请联网后再试"
#: A details dialog opened offline for a record the local store has not cached (never opened online).
NO_CACHED_DETAIL_TEXT = "离线状态下没有该记录的缓存，请联网后再查看"
#: Said by a details dialog that shows the cached copy (`sync.application_detail` / `batch_detail` not fresh).
CACHED_DETAIL_NOTE = "离线：显示上次联网查看时缓存的内容"
DEFAULT_INTERVAL_MS = 3 * 60 * 1000
#: Said once a damaged cache was set aside and the full sync refilled it (the notice strip and the status bar).
CACHE_REBUILT_NOTICE = "本地缓存已损坏，已从服务器重新同步，草稿未受影响"
CACHE_REBUILT_STATUS = "本地缓存已重建"
CACHE_DAMAGED_STATUS = "本地缓存已损坏"
CACHE_DAMAGED_OFFLINE_NOTICE = (
    "本地缓存已损坏，服务器暂时无法连接，无法重新同步：现在只能查看和编辑草稿，草稿未受影响；"
    "联网后将自动从服务器重新同步。"
)


def offline_reason(sync: SyncController | None) -> str | None:
    """Why an action that needs the server cannot run now (`OFFLINE_ACTION_TOOLTIP`), or None.

    The one rule for every server action, in the action bars and in the dialogs; without a controller
    (a dialog built on its own) nothing is gated.
    Follow `sync.state_changed` to re-check.
    """
    return None if sync is None or sync.server_actions_enabled else OFFLINE_ACTION_TOOLTIP


def detail_error_text(exc: BaseException, sync: SyncController | None) -> str:
    """A details dialog's load error: with the local store, unreachable means nothing was cached."""
    if sync is not None and isinstance(exc, ServerUnreachable):
        return NO_CACHED_DETAIL_TEXT
    return error_text(exc)


class SyncController(QObject):
    # -- loading --
    data_changed = Signal(object, str)  # YearData, part: "cpas" or "batches"
    summary_loaded = Signal(object)  # FirmSummary
    part_failed = Signal(object)  # an exception that is not "the server cannot be reached"
    started = Signal(int)  # year
    finished = Signal(int, bool)  # year, the sync succeeded
    synced = Signal(object)  # datetime (local, aware) of the last successful sync (also when read from the cache)
    # -- offline --
    state_changed = Signal(bool)  # online
    drafts_sent = Signal(list)  # [ReturnReasonDraft] just sent
    conflicts = Signal(list)  # [ReturnReasonDraft] that turned out to conflict
    drafts_changed = Signal()  # the drafts list changed (state, sending)
    notice = Signal(str, str)  # text, level ("info" | "success" | "warning" | "error") for the notice strip
    # -- a damaged cache (the section at the end) --
    store_status = Signal(str, str)  # short text for the status bar, its tooltip
    cache_damaged = Signal(object)  # CacheDamaged: the store replaced a damaged file while in use (any thread)

    def __init__(
        self,
        client: CmisClient,
        store: LocalStore,
        drafts: DraftStore,
        runner: TaskRunner,
        parent: QObject | None = None,
        *,
        policy: BackoffPolicy | None = None,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        clock: Clock = utc_now,
        pending: PendingActions | None = None,
        prefetch: CachePrefetch | None = None,
    ) -> None:
        super().__init__(parent)
        self._prefetch = prefetch  # the cached rows read during the login, for the first load
        self.client = client
        self.store = store
        self.drafts = drafts
        self.pending = pending if pending is not None else PendingActions.in_memory(drafts.path.parent)
        try:
            drafts.discard_empty()
        except Exception as e:  # the drafts file's own trouble is reported where it is read
            log.warning("removing empty drafts failed: %r", e)
        self.synchronizer = Synchronizer(client, store)
        self.sender = DraftSender(client, drafts, self.synchronizer)
        self.connectivity = Connectivity(policy, clock)
        if client.login_pending:  # 离线打开: the window opens saying 离线 (not 在线 until a sync answers)
            self.connectivity.unreachable(None)
        self._runner = runner
        self._year: int | None = None
        self._syncing = False
        # False once `load` was asked again while a sync ran: that sync's rows and outcome are not shown.
        self._sync_answers_load = False
        self._again: bool | None = None  # a refresh asked for while syncing (True: full)
        self._sending = False
        self._send_again = False  # drafts asked for while a round of sending ran: another round follows
        self._bound: dict[int, tuple[QAction | QWidget, str]] = {}
        self.data: YearData | None = None
        self.summary: FirmSummary | None = None

        self._periodic = QTimer(self)
        self._periodic.setObjectName("sync_periodic_timer")
        self._periodic.setInterval(interval_ms)
        self._periodic.timeout.connect(self.refresh)
        self._retry = QTimer(self)
        self._retry.setObjectName("sync_retry_timer")
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.refresh)

        self._rebuild_pending = store.damaged_copy is not None  # set aside at open: say so once it is rebuilt
        self._damage_said_offline = False
        store.on_damage(self.cache_damaged.emit)  # from a worker: queued to the UI thread
        self.cache_damaged.connect(self._cache_damaged)
        self.finished.connect(self._rebuild_progress)

    # -- state --

    @property
    def online(self) -> bool:
        return self.connectivity.online

    @property
    def server_actions_enabled(self) -> bool:
        """False while offline: 申请/撤回 and every other action that needs the server are disabled."""
        return self.online

    @property
    def last_sync(self) -> datetime | None:
        moment = self.connectivity.last_sync
        return moment.astimezone() if moment is not None else None

    @property
    def year(self) -> int | None:
        return self._year

    @property
    def busy(self) -> bool:
        return self._syncing

    @property
    def retry_in_ms(self) -> int:
        """Milliseconds until the next attempt while offline (-1 when none is planned)."""
        return self._retry.remainingTime() if self._retry.isActive() else -1

    def status_text(self) -> str:
        """For the status bar beside the 在线/离线 label: 最后同步 12:30:05, offline with （离线，自动重试中）."""
        when = self.last_sync
        text = f"最后同步 {when:%H:%M:%S}" if when is not None else "尚未同步"
        return text if self.online else f"{text}（离线，自动重试中）"

    def bind_server_action(self, target: QAction | QWidget) -> None:
        """Disable `target` (申请, 撤回 …) while offline, with the tooltip saying why; restore it online."""
        self._bound[id(target)] = (target, target.toolTip())
        target.destroyed.connect(lambda *_a, key=id(target): self._bound.pop(key, None))
        self._apply_bound(target, self._bound[id(target)][1])

    # -- requests --

    def load(self, year: int) -> None:
        """Show the year's cached rows at once, then sync it in the background."""
        self._sync_answers_load = False
        if self._year != year:
            self.data = None
            self.summary = None
        self._year = year
        self.started.emit(year)
        if self.data is not None:
            # Already shown for this year (another window, a reload): give it again at once, a newer
            # cache read is then skipped, and the sync below brings what changed.
            self.data_changed.emit(self.data, "cpas")
            self.data_changed.emit(self.data, "batches")
            if self.summary is not None:
                self.summary_loaded.emit(self.summary)
        self._read_snapshot(year, cached=True)
        if self._syncing:
            self._again = bool(self._again)  # the sync under way was for the old year: sync again after it
        else:
            self._start_sync(full=False)

    def refresh(self, full: bool = False) -> None:
        """F5 (and the timers): sync the current year; `full=True` for 完全重新同步."""
        if self._year is None:
            return
        if self._syncing:
            self._again = bool(self._again) or full
            return
        self.started.emit(self._year)
        self._start_sync(full=full)

    def full_resync(self) -> None:
        self.refresh(full=True)

    def send_drafts(self, uuids: Sequence[str]) -> None:
        """Send the given drafts now (the user pressed 发送 / 全部发送); while a round of sending runs they are
        marked 联网后发送 and go in the next round."""
        if not uuids:
            return
        if self._sending:
            for draft_uuid in uuids:
                self.drafts.set_send_on_reconnect(draft_uuid, True)
            self._send_again = True
            return
        self._sending = True
        self.drafts_changed.emit()
        self._runner.op(self, lambda: self.sender.send_many(list(uuids), asked=True)).success(
            lambda report: self._drafts_done(report, on_reconnect=False)
        ).failure(self._send_failed).run()

    def apply_answer(self, cpas: Sequence[CpaRow], batches: Sequence[BatchRow] = ()) -> None:
        """What the server just answered (an action, a detail view): into the store and the tabs at once,
        not at the next sync (a batch list saying 待审核 beside a batch view saying 已退回)."""
        year, store = self._year, self.store

        def work() -> YearSnapshot | None:
            changed = store.upsert_rows(cpas, batches)
            return store.snapshot(year) if changed and year is not None else None

        def show(snap: YearSnapshot | None) -> None:
            if snap is not None:
                self._show_snapshot(snap, cached=False)

        self._runner.op(self, work, key="snapshot").success(show).failure(self._store_failed).run()

    def report_unreachable(self, exc: BaseException | None = None) -> None:
        """Another call (a dialog, a details view) found the server away: go offline and retry with backoff."""
        self._went_offline(exc if isinstance(exc, ServerUnreachable) else None)

    def stop(self) -> None:
        self._periodic.stop()
        self._retry.stop()

    # -- sync --

    def _start_sync(self, *, full: bool) -> None:
        year = self._year
        assert year is not None
        self._syncing = True
        self._sync_answers_load = True
        self._retry.stop()

        def work() -> tuple[SyncResult, YearSnapshot | None]:
            result = self.synchronizer.sync(year, full=full, allow_empty=full)  # 完全重新同步 is deliberate
            return result, (self.store.snapshot(year) if result.changed else None)

        # No key: a sync is never superseded (its outcome moves the online state); a second one waits (`_again`).
        self._runner.op(self, work).success(lambda outcome: self._sync_done(year, *outcome)).failure(
            lambda exc: self._sync_failed(year, exc)
        ).run()

    def _sync_done(self, year: int, result: SyncResult, snap: YearSnapshot | None) -> None:
        self._syncing = False
        transition = self.connectivity.synced(result.at)
        if transition.changed:
            self._announce_online()
        self._periodic.start()
        if self._sync_answers_load:
            if snap is not None:
                self._show_snapshot(snap, cached=False)
            self.synced.emit(self.last_sync)
            self.finished.emit(year, True)
        # Every path to online passes here (start, login, 离线打开 going online, reconnect, F5): what waits goes.
        self._send_waiting(on_reconnect=transition.changed)
        self._run_again()

    def _sync_failed(self, year: int, exc: BaseException) -> None:
        self._syncing = False
        if isinstance(exc, ServerUnreachable):
            self._went_offline(exc)
        else:
            log.warning("sync of %s failed: %r", year, exc)
            self.part_failed.emit(exc)
        if self._sync_answers_load:
            self.finished.emit(year, False)
        self._run_again()

    def _run_again(self) -> None:
        if self._again is not None:
            full, self._again = self._again, None
            self.refresh(full=full)

    def _read_snapshot(self, year: int, *, cached: bool) -> None:
        """The year's rows from the local store; the newest read wins (a `load` of another year drops older ones)."""
        prefetch, self._prefetch = self._prefetch, None

        def read() -> YearSnapshot:
            early = prefetch.take(year) if prefetch is not None and cached else None
            return early if early is not None else self.store.snapshot(year)

        self._runner.op(self, read, key="snapshot").success(
            lambda snap: self._show_snapshot(snap, cached=cached)
        ).failure(self._store_failed).run()

    def _show_snapshot(self, snap: YearSnapshot, *, cached: bool) -> None:
        if cached and self.data is not None:
            return  # the sync was quicker than the cache: it has the newer rows
        if cached and not snap.cpas and not snap.batches:
            return  # nothing cached yet: the tabs wait for the sync
        self.data = YearData(snap.year, snap.cpas, snap.batches)
        self.data_changed.emit(self.data, "cpas")
        self.data_changed.emit(self.data, "batches")
        if snap.summary is not None:
            self.summary = snap.summary
            self.summary_loaded.emit(snap.summary)
        if cached and snap.synced_at is not None and self.connectivity.last_sync is None:
            self.connectivity.last_sync = snap.synced_at
            # Said, not only stored: a sync that failed before the cache was read (no server, a busy CPU) has
            # already written 尚未同步 to the status bar, and nothing else would correct it.
            self.synced.emit(self.last_sync)

    def _store_failed(self, exc: BaseException) -> None:
        log.error("reading the local cache failed: %r", exc)
        self.part_failed.emit(exc)

    # -- online / offline --

    def _went_offline(self, exc: ServerUnreachable | None) -> None:
        transition = self.connectivity.unreachable(exc.message if exc is not None else None)
        self._periodic.stop()
        delay_ms = int(self.connectivity.retry_delay() * 1000)
        self._retry.start(delay_ms)
        if transition.changed:
            log.info("offline: %s", exc)
            self.state_changed.emit(False)
            self._update_bound()
            self.notice.emit(
                "无法连接服务器，已切换到离线模式：可继续浏览上次同步的数据、起草退回原因；联网后将自动同步。",
                "warning",
            )

    def _announce_online(self) -> None:
        self.state_changed.emit(True)
        self._update_bound()
        self.notice.emit("已重新连接服务器，数据已同步。", "success")

    def _update_bound(self) -> None:
        for target, tooltip in list(self._bound.values()):
            self._apply_bound(target, tooltip)

    def _apply_bound(self, target: QAction | QWidget, tooltip: str) -> None:
        target.setEnabled(self.online)
        target.setToolTip(tooltip if self.online else OFFLINE_ACTION_TOOLTIP)

    # -- drafts --

    def _send_waiting(self, *, on_reconnect: bool) -> None:
        """The server answered: send what waits (marked 联网后发送, or a send whose outcome is unknown)."""
        if self._sending:
            self._send_again = True
            return
        try:
            waiting = [d.uuid for d in self.drafts.waiting_to_send()]
        except Exception as e:  # the drafts file's own trouble is reported where it is read
            log.warning("reading the waiting drafts failed: %r", e)
            return
        if not waiting:
            return
        self._sending = True
        self.drafts_changed.emit()
        self._runner.op(self, lambda: self.sender.send_many(waiting)).success(
            lambda report: self._drafts_done(report, on_reconnect=on_reconnect)
        ).failure(self._send_failed).run()

    def _after_sending(self) -> None:
        """A round of sending ended: drafts asked for meanwhile go now (while online)."""
        if self._send_again and self.online:
            self._send_again = False
            self._send_waiting(on_reconnect=False)

    def _drafts_done(self, report: SendReport, *, on_reconnect: bool) -> None:
        self._sending = False
        self.drafts_changed.emit()
        if report.sent:
            self.drafts_sent.emit(report.sent)
        if report.conflicts:
            self.conflicts.emit(report.conflicts)
        parts = []
        if report.sent:
            prefix = "已重新联网，" if on_reconnect else ""
            parts.append(f"{prefix}已发送 {len(report.sent)} 份退回草稿（{_names(report.sent)}）")
        if report.conflicts:
            parts.append(f"{len(report.conflicts)} 份草稿与服务器上的最新状态冲突，已保留在“草稿”中，请查看")
        parts.extend(f"草稿（{d.names}）未发送：{message}" for d, message in report.refused)
        if parts:
            level = "warning" if report.conflicts or report.refused else "success"
            self.notice.emit("；".join(parts) + "。", level)
        if self._year is not None:
            # The sender synced the cache before its checks (and after sending): show what it brought, also
            # when nothing was sent (a conflict), since a later F5 finds the cursor already moved on.
            self._read_snapshot(self._year, cached=False)
        if report.error is not None:
            self._send_failed(report.error)
        else:
            self._after_sending()

    def _send_failed(self, exc: BaseException) -> None:
        self._sending = False
        self.drafts_changed.emit()
        if isinstance(exc, ServerUnreachable):
            self._went_offline(exc)
        else:
            self.part_failed.emit(exc)
            self._after_sending()

    # -- a damaged cache --

    @property
    def rebuilding(self) -> bool:
        """True from a damaged cache's replacement until the full sync that fills the new one succeeds."""
        return self._rebuild_pending

    def _cache_damaged(self, damaged: CacheDamaged) -> None:
        """Found damaged while in use (already set aside and replaced by an empty cache): rebuild it in full."""
        log.warning("local cache damaged while in use: %s", damaged.reason)
        self._rebuild_pending = True
        self._damage_said_offline = False
        self.store_status.emit(CACHE_DAMAGED_STATUS, damaged.message)
        self.refresh(full=True)

    def _rebuild_progress(self, year: int, ok: bool) -> None:
        """After each sync while a rebuild is pending: say once that it is done, or why it has to wait."""
        if not self._rebuild_pending:
            return
        copy = self.store.damaged_copy
        where = f"损坏的文件已另存为 {copy}。" if copy is not None else ""
        # A sync that began before the damage may end well without filling the new cache: wait for one that did.
        try:
            filled = ok and self.store.last_synced(year) is not None
        except CacheDamaged:
            return  # damaged again: `_cache_damaged` follows and starts over
        if filled:
            self._rebuild_pending = False
            try:
                self.store.forget_damaged_copy()
            except Exception as e:  # told once more at the next start: not worth an error here
                log.warning("forgetting the damaged cache copy failed: %r", e)
            self.notice.emit(f"{CACHE_REBUILT_NOTICE}。", "warning")
            self.store_status.emit(CACHE_REBUILT_STATUS, f"{CACHE_REBUILT_NOTICE}。{where}")
            self._send_waiting(on_reconnect=False)  # a send the damage stopped goes out now
        elif not self.online and not self._damage_said_offline:
            self._damage_said_offline = True
            self.notice.emit(CACHE_DAMAGED_OFFLINE_NOTICE, "warning")
            self.store_status.emit(CACHE_DAMAGED_STATUS, f"{CACHE_DAMAGED_OFFLINE_NOTICE}{where}")


def _names(drafts: Sequence[Any], limit: int = 3) -> str:
    names = [d.names for d in drafts[:limit]]
    return "；".join(names) + ("等" if len(drafts) > limit else "")
