"""Failures no route expects still answer in the contract's shape: 500 `internal` with a request id (logged),
503 `busy` with Retry-After when the database is locked, 507 `storage_full` when a disk is full; JSON always,
and the keep-alive connection survives. Sign-in and reads go on when only attachments cannot be stored."""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from typing import Any, BinaryIO

import pytest
from sqlalchemy import Engine, event

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.states import ApplicationState, BatchState
from firmdesk.server import storage
from firmdesk.server.services import firm_queries
from tests.helpers.databases import selected_backend
from tests.helpers.server import FIRM_PASSWORD, api_login, tiny_pdf
from tests.helpers.server_world import World, batch_in, submit_batch

sqlite_only = pytest.mark.skipif(selected_backend() == "postgresql", reason="SQLite's own locks and page cap")


def _connection(world: World) -> http.client.HTTPConnection:
    host, port = world.server.base_url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


def _exchange(
    connection: http.client.HTTPConnection, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    content_type = response.headers.get("content-type", "")
    return response.status, dict(response.headers), json.loads(body) if "json" in content_type else body


def _token(world: World) -> str:
    return str(world.firm_client().headers["Authorization"])


def test_an_unexpected_error_is_a_json_500_with_its_request_id_logged_and_the_connection_kept(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(firm_queries, "firm_info", broken)
    connection = _connection(world)
    auth = {"Authorization": _token(world)}
    with caplog.at_level(logging.ERROR, logger="firmdesk.server"):
        status, headers, body = _exchange(connection, "GET", "/api/v1/firm", auth)
    assert status == 500
    assert headers["content-type"] == "application/json"
    assert body["code"] == "internal"
    assert "服务器内部错误" in body["detail"]
    assert body["request_id"] == headers["x-request-id"]
    logged = [r for r in caplog.records if body["request_id"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert "a bug nobody foresaw" in caplog.text
    socket_before = connection.sock
    status, _, _ = _exchange(connection, "GET", "/healthz")
    assert status == 200
    assert connection.sock is socket_before  # the same keep-alive connection answered


def test_every_answer_carries_a_request_id_and_keeps_a_sensible_one_from_the_client(world: World) -> None:
    client = world.anonymous()
    answers = [
        client.get(f"{world.server.base_url}/healthz"),
        client.get("/firm"),  # 401
        client.get("/nowhere"),  # 404
        client.post("/auth/login", json={}),  # 422
    ]
    ids = [a.headers["X-Request-ID"] for a in answers]
    assert all(len(i) == 32 for i in ids) and len(set(ids)) == len(ids)
    echoed = client.get("/firm", headers={"X-Request-ID": "desk-42.abc"})
    assert echoed.headers["X-Request-ID"] == "desk-42.abc"
    refused = client.get("/firm", headers={"X-Request-ID": "no spaces or <tags>"})
    assert refused.headers["X-Request-ID"] != "no spaces or <tags>"


@contextlib.contextmanager
def _write_lock_held(world: World) -> Iterator[None]:
    holder = sqlite3.connect(world.server.settings.data_dir / "cmis.sqlite3", timeout=5, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@sqlite_only
def test_a_database_locked_past_the_busy_timeout_is_503_busy_with_retry_after(world: World) -> None:
    firm = world.firm_client()
    application = world.builder.application(world.cpas[0])
    world.server.switch_settings(world.server.settings.model_copy(update={"sqlite_busy_timeout_ms": 200}))
    with _write_lock_held(world):
        answer = firm.post("/firm/returns", json={"items": [{"application_id": application.id}], "reason": "退回"})
        read = firm.get(f"/firm/applications/{application.id}")  # readers never wait for the writer
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "busy"
    assert answer.json()["detail"] == "服务器繁忙，请稍后重试"
    assert int(answer.headers["Retry-After"]) >= 1
    assert read.status_code == 200
    again = firm.post("/firm/returns", json={"items": [{"application_id": application.id}], "reason": "退回"})
    assert again.status_code == 200, again.text


@contextlib.contextmanager
def _reads_find_the_database_locked(times: int) -> Iterator[list[int]]:
    """The next `times` queries of the server's request threads fail as SQLite does when a lock outlasts the busy
    timeout (injected at the driver's edge: a real exclusive lock cannot be taken while the server has the file
    open). Yields the countdown."""
    left = [times]
    main = threading.main_thread()

    def locked(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if left[0] > 0 and threading.current_thread() is not main and statement.lstrip().startswith("SELECT"):
            left[0] -= 1
            raise sqlite3.OperationalError("database is locked")

    event.listen(Engine, "before_cursor_execute", locked)
    try:
        yield left
    finally:
        event.remove(Engine, "before_cursor_execute", locked)


def test_a_read_that_finds_the_database_locked_is_retried_before_any_503(world: World) -> None:
    firm = world.firm_client()
    application = world.builder.application(world.cpas[0])
    with _reads_find_the_database_locked(1) as left:
        read = firm.get(f"/firm/applications/{application.id}")
    assert read.status_code == 200, read.text
    assert left == [0]
    with _reads_find_the_database_locked(100) as left:
        still_locked = firm.get(f"/firm/applications/{application.id}")
    assert still_locked.status_code == 503, still_locked.text
    assert still_locked.json()["code"] == "busy"
    assert left == [97]  # tried three times, then told the client to come back


def _disk_full(_out: BinaryIO, _chunk: bytes) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_attachment_disk_is_507_and_sign_in_and_reads_go_on(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = world.builder.application(world.cpas[0])
    draft = world.builder.application(world.cpas[1], ApplicationState.DRAFT)
    firm, cpa = world.firm_client(), world.cpa_client(world.cpas[1])
    monkeypatch.setattr(storage, "write_chunk", _disk_full)
    before = {p for p in world.server.settings.attachments_dir.rglob("*") if p.is_file()}
    answer = submit_batch(firm, [application.id])
    assert answer.status_code == 507, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["code"] == "storage_full"
    assert "存储空间已满" in answer.json()["detail"]
    assert {p for p in world.server.settings.attachments_dir.rglob("*") if p.is_file()} == before
    upload = cpa.post(
        f"/cpa/applications/{draft.id}/attachments",
        data={"material": "继续教育证明"},
        files={"file": ("证明.pdf", tiny_pdf(), "application/pdf")},
    )
    assert upload.status_code == 507, upload.text
    # Sign-in and reads need nothing from that disk.
    fresh = api_login(world.server.base_url, "firm", world.firm.number, FIRM_PASSWORD)
    assert fresh.get(f"/firm/applications/{application.id}").json()["row"]["status"] == "pending_firm"
    assert firm.get("/firm/cpas").status_code == 200
    fresh.close()
    monkeypatch.undo()
    assert submit_batch(firm, [application.id]).status_code == 201


def _fill_database(world: World) -> int:
    """Cap the server's database at its current size (as a full disk would) and fill the last free room of the
    tokens' table with revoked tokens, so the next sign-in has nowhere to write. Returns the cap, in pages."""
    path = world.server.settings.data_dir / "cmis.sqlite3"
    filler = sqlite3.connect(path, timeout=5, isolation_level=None)
    pages = filler.execute("PRAGMA page_count").fetchone()[0]
    filler.execute(f"PRAGMA max_page_count = {pages}")
    account_id = filler.execute("SELECT id FROM accounts ORDER BY id LIMIT 1").fetchone()[0]
    failed_in_a_row = 0
    while failed_in_a_row < 20:  # rows go to the table's last page: once it is full, every insert fails
        try:
            filler.execute(
                "INSERT INTO auth_tokens (token_hash, account_id, created_at, expires_at, revoked_at)"
                " VALUES (?, ?, '2000-01-01', '2000-01-01', '2000-01-01')",
                (uuid.uuid4().hex * 2, account_id),
            )
            failed_in_a_row = 0
        except sqlite3.OperationalError as error:
            assert "full" in str(error)
            failed_in_a_row += 1
    filler.close()
    return int(pages)


@sqlite_only
def test_a_full_database_disk_is_507_for_sign_in_and_reads_go_on(world: World) -> None:
    firm = world.firm_client()
    application = world.builder.application(world.cpas[0])
    pages = _fill_database(world)

    def capped(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(Engine, "connect", capped)
    world.server.switch_settings(world.server.settings)  # new connections: every one sees the full disk
    try:
        login = world.anonymous().post(
            "/auth/login", json={"user_type": "firm", "member_no": world.firm.number, "password": FIRM_PASSWORD}
        )
        assert login.status_code == 507, login.text
        assert login.json()["code"] == "storage_full"
        assert "存储空间已满" in login.json()["detail"]
        assert firm.get(f"/firm/applications/{application.id}").status_code == 200
        assert firm.get("/firm/changes").status_code == 200
    finally:
        event.remove(Engine, "connect", capped)
        world.server.switch_settings(world.server.settings)


def _write_lock_is_free(world: World) -> bool:
    probe = sqlite3.connect(world.server.settings.data_dir / "cmis.sqlite3", timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


@sqlite_only
def test_no_file_is_written_while_a_write_transaction_holds_the_database(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = world.builder.application(world.cpas[0])
    draft = world.builder.application(world.cpas[1], ApplicationState.DRAFT)
    returned_batch, _ = batch_in(world, BatchState.RETURNED)
    firm, cpa = world.firm_client(), world.cpa_client(world.cpas[1])
    lock_free_while_writing: list[bool] = []
    write = storage.write_chunk

    def observed(out: BinaryIO, chunk: bytes) -> None:
        lock_free_while_writing.append(_write_lock_is_free(world))
        write(out, chunk)

    monkeypatch.setattr(storage, "write_chunk", observed)
    assert submit_batch(firm, [application.id]).status_code == 201
    resubmit = firm.post(
        f"/firm/batches/{returned_batch}/resubmit",
        data={"materials": [SOCIAL_SECURITY_MATERIAL]},
        files=[("files", ("社保.pdf", tiny_pdf("again"), "application/pdf"))],
    )
    assert resubmit.status_code == 200, resubmit.text
    upload = cpa.post(
        f"/cpa/applications/{draft.id}/attachments",
        data={"material": "继续教育证明"},
        files={"file": ("证明.pdf", tiny_pdf("cpa"), "application/pdf")},
    )
    assert upload.status_code == 201, upload.text
    assert len(lock_free_while_writing) == 3
    assert all(lock_free_while_writing)


@sqlite_only
def test_no_password_is_hashed_while_a_write_transaction_holds_the_database(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from firmdesk.server.services import auth

    lock_free_while_hashing: list[bool] = []
    verify = auth.verify_password

    def observed(*args: Any) -> bool:
        lock_free_while_hashing.append(_write_lock_is_free(world))
        return bool(verify(*args))

    monkeypatch.setattr(auth, "verify_password", observed)
    api_login(world.server.base_url, "firm", world.firm.number, FIRM_PASSWORD).close()
    assert (
        world.anonymous()
        .post("/auth/login", json={"user_type": "firm", "member_no": world.firm.number, "password": "wrong"})
        .status_code
        == 401
    )
    assert lock_free_while_hashing == [True, True]
