"""Unreferenced attachment files (a refused submit stores its file first) are removed once a day old:
by `firmdesk-server gc`, and by `serve` on its own every few hours. Referenced and young files stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from firmdesk.server.cli import main
from firmdesk.server.db.models import Application
from firmdesk.server.runner import ServerThread
from tests.helpers.server import tiny_pdf
from tests.helpers.server_world import World

TWO_DAYS = 2 * 24 * 3600


def _stored(world: World) -> dict[str, Path]:
    root = world.server.settings.attachments_dir
    return {p.name: p for p in root.glob("[0-9a-f][0-9a-f]/*")}


def _age(paths: list[Path], seconds: float) -> None:
    for path in paths:
        then = time.time() - seconds
        os.utime(path, (then, then))


def _refused_submit_leaves_a_file(world: World) -> Path:
    """A submit refused after its file was stored (the application is not the firm's to submit any more)."""
    application = world.builder.application(world.cpas[0])
    with world.builder.sessions() as session:
        session.execute(update(Application).where(Application.id == application.id).values(state="draft"))
        session.commit()
    before = set(_stored(world))
    answer = world.firm_client().post(
        "/firm/batches",
        headers={"Idempotency-Key": "refused-1"},
        data={"year": "2025", "application_ids": str(application.id), "materials": "社保证明材料"},
        files={"files": ("社保.pdf", tiny_pdf("refused submit"), "application/pdf")},
    )
    assert answer.status_code == 409, answer.text
    [orphan] = set(_stored(world)) - before
    return _stored(world)[orphan]


def test_gc_removes_day_old_unreferenced_files_and_keeps_the_rest(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if world.server.settings.database_url:  # the PostgreSQL run: the command reads it from the environment
        monkeypatch.setenv("CMIS_DATABASE_URL", world.server.settings.database_url)
    orphan = _refused_submit_leaves_a_file(world)
    young_orphan = world.server.settings.attachments_dir / "ab" / ("ab" + "0" * 62)
    young_orphan.parent.mkdir(exist_ok=True)
    young_orphan.write_bytes(b"just uploaded, not yet committed")
    referenced = [p for name, p in _stored(world).items() if p not in (orphan, young_orphan)]
    assert referenced  # the world's applications have their files
    _age([orphan, *referenced], TWO_DAYS)
    code = main(["gc", "--data-dir", str(world.server.settings.data_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "已删除 1 个无引用的附件文件" in out and "removed 1 unreferenced" in out
    assert not orphan.exists()
    assert young_orphan.exists()
    assert all(p.exists() for p in referenced)


def test_serve_collects_garbage_on_its_own(world: World) -> None:
    orphan = _refused_submit_leaves_a_file(world)
    _age([orphan], TWO_DAYS)
    settings = world.server.settings.model_copy(update={"attachment_gc_interval_s": 0.1})
    with ServerThread(settings):
        deadline = time.monotonic() + 10
        while orphan.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert not orphan.exists()
