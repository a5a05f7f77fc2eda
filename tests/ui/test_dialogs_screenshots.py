"""Offscreen screenshots of each review dialog on the demo data: `FIRMDESK_SCREENSHOTS=docs/screenshots pytest ...`.

Skipped unless the variable names a folder. Each dialog is opened as the main window would, against the real
server seeded with the demo data, with the app's look (fonts, style sheet), and saved as `dialog_*.png`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.services.api_client import CmisClient
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.common_reasons import CommonReasons
from firmdesk.ui.dialogs.attachments_dialog import AttachmentsDialog
from firmdesk.ui.dialogs.batch_dialog import BatchDialog
from firmdesk.ui.dialogs.return_dialog import ReturnDialog
from firmdesk.ui.dialogs.review_queue import ReviewQueueDialog
from firmdesk.ui.dialogs.submit_dialog import SubmitDialog
from firmdesk.ui.dialogs.trail_dialog import TrailDialog
from firmdesk.ui.tasks import TaskRunner
from tests.helpers.demo import demo_firm_client
from tests.helpers.files import write_exe, write_pdf, write_png

OUT = os.environ.get("FIRMDESK_SCREENSHOTS", "")
pytestmark = pytest.mark.skipif(not OUT, reason="set FIRMDESK_SCREENSHOTS=<folder> to take the screenshots")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from firmdesk.server.config import fast_test_settings
    from firmdesk.server.demo import seed_demo
    from firmdesk.server.runner import ServerThread

    settings = fast_test_settings(tmp_path_factory.mktemp("demo"))
    seed_demo(settings)
    server = ServerThread(settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(demo: Any) -> Iterator[CmisClient]:
    with demo_firm_client(demo.base_url) as c:
        yield c


def save(qtbot: Any, widget: QWidget, name: str) -> None:
    folder = Path(OUT)
    folder.mkdir(parents=True, exist_ok=True)
    qtbot.wait(250)  # let layouts, previews and scroll areas settle
    assert widget.grab().save(str(folder / f"dialog_{name}.png"))


def show(qtbot: Any, dialog: QWidget) -> None:
    qtbot.addWidget(dialog)
    dialog.show()


def year_of(client: CmisClient) -> int:
    return client.firm().current_year


def test_screenshot_attachments(qtbot: Any, look: None, client: CmisClient, runner: TaskRunner, tmp_path: Path) -> None:
    year = year_of(client)
    # A retired CPA: a PDF and a scanned PNG (离退休证明).
    row = next(r for r in client.cpas(year).items if r.retired and r.attachment_count >= 2 and r.application_id)
    dialog = AttachmentsDialog(
        client, runner, AttachmentCache(tmp_path / "c"), application_id=row.application_id, title=row.name
    )
    with qtbot.waitSignal(dialog.panel.preview_ready, timeout=10000):
        show(qtbot, dialog)
    kinds = [a.file_type for a in dialog.panel.attachments]
    for kind, name in (("png", "attachments_image"), ("pdf", "attachments_pdf")):
        if kind in kinds and dialog.panel.selected() != dialog.panel.attachments[kinds.index(kind)]:
            with qtbot.waitSignal(dialog.panel.preview_ready, timeout=10000):
                dialog.panel.select(kinds.index(kind))
        if kind in kinds:
            save(qtbot, dialog, name)


def test_screenshot_return(qtbot: Any, look: None, client: CmisClient, runner: TaskRunner, tmp_path: Path) -> None:
    rows = list(client.cpas(year_of(client), tab="pending_review").items)[:3]
    dialog = ReturnDialog(client, runner, CommonReasons(tmp_path / "r.json"), rows)
    show(qtbot, dialog)
    dialog.common_list.setCurrentRow(0)
    dialog.insert_common(0)
    dialog.reason_edit.insert_reason("请在 3 月 20 日前重新上传。")
    save(qtbot, dialog, "return")


def test_screenshot_submit(qtbot: Any, look: None, client: CmisClient, runner: TaskRunner, tmp_path: Path) -> None:
    year = year_of(client)
    rows = list(client.cpas(year, tab="pending_review").items)
    flags = client.readiness([r.application_id for r in rows if r.application_id])
    rows.sort(key=lambda r: (not flags.get(r.application_id or 0), r.cert_no))  # flagged ones first
    dialog = SubmitDialog(client, runner, year, rows[:6], institute_name="重庆市注册会计师协会")
    with qtbot.waitSignal(dialog.readiness_loaded, timeout=10000):
        show(qtbot, dialog)
    editor = dialog.materials
    editor.add_files([write_pdf(tmp_path / "2025年12月社保缴费证明.pdf", 420_000)], SOCIAL_SECURITY_MATERIAL)
    editor.add_files([write_png(tmp_path / "在职人员名单.png")])
    editor.add_files(
        [write_pdf(tmp_path / "全年社保明细-扫描件.pdf", 6 * 1024 * 1024), write_exe(tmp_path / "说明.pdf")]
    )
    qtbot.waitUntil(lambda: not editor.checking and editor.count() == 2, timeout=10000)
    save(qtbot, dialog, "submit")


def test_screenshot_batch(qtbot: Any, look: None, client: CmisClient, runner: TaskRunner, tmp_path: Path) -> None:
    year = year_of(client)
    batches = list(client.batches(year).items)
    open_one = next(b for b in batches if b.can_withdraw)
    dialog = BatchDialog(client, runner, AttachmentCache(tmp_path / "c"), open_one.id, confirm=lambda *_: False)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        show(qtbot, dialog)
    save(qtbot, dialog, "batch")
    returned = next(b for b in batches if b.state == "returned")
    dialog = BatchDialog(client, runner, AttachmentCache(tmp_path / "c"), returned.id, start_resubmit=True)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        show(qtbot, dialog)
    assert dialog.materials is not None
    dialog.materials.add_files([write_pdf(tmp_path / "社保证明-补充12月.pdf", 250_000)], SOCIAL_SECURITY_MATERIAL)
    qtbot.waitUntil(lambda: dialog.materials is not None and not dialog.materials.checking, timeout=10000)
    save(qtbot, dialog, "batch_resubmit")


def test_screenshot_trail(qtbot: Any, look: None, client: CmisClient, runner: TaskRunner) -> None:
    year = year_of(client)
    candidates = [r for r in client.cpas(year).items if r.application_id]
    row = max(candidates[:40], key=lambda r: len(client.trail(r.application_id or 0)))
    dialog = TrailDialog(client, runner, row)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        show(qtbot, dialog)
    save(qtbot, dialog, "trail")


def test_screenshot_review_queue(
    qtbot: Any, look: None, client: CmisClient, runner: TaskRunner, tmp_path: Path
) -> None:
    rows = list(client.cpas(year_of(client), tab="pending_review").items)
    dialog = ReviewQueueDialog(
        client, runner, AttachmentCache(tmp_path / "c"), CommonReasons(tmp_path / "r.json"), rows, marked=[]
    )
    with qtbot.waitSignal(dialog.panel.preview_ready, timeout=10000):
        show(qtbot, dialog)
    dialog.toggle_mark()
    save(qtbot, dialog, "review_queue")
