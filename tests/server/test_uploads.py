"""Upload rules: type by content, 5 MB each (refused while streaming), 10 per batch, names sanitised."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import httpx

from firmdesk.domain.limits import MAX_ATTACHMENT_BYTES, MAX_BATCH_FILES, SOCIAL_SECURITY_MATERIAL
from tests.helpers.server import tiny_pdf, tiny_png
from tests.helpers.server_world import World

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _submit(
    client: httpx.Client, application_id: int, files: list[tuple[str, bytes]], materials: list[str] | None = None
) -> httpx.Response:
    return client.post(
        "/firm/batches",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        data={
            "year": "2025",
            "application_ids": [str(application_id)],
            "materials": materials or [SOCIAL_SECURITY_MATERIAL] * len(files),
        },
        files=[("files", (name, content, "application/pdf")) for name, content in files],
    )


def _stored_files(world: World) -> set[Path]:
    root = world.server.settings.attachments_dir
    return {p for p in root.rglob("*") if p.is_file()}


def _nothing_submitted(world: World, application_id: int) -> None:
    firm = world.firm_client()
    assert firm.get(f"/firm/applications/{application_id}").json()["row"]["status"] == "pending_firm"
    assert firm.get("/firm/batches").json()["total"] == 0


def test_an_exe_renamed_pdf_is_refused_by_content(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    before = _stored_files(world)
    answer = _submit(world.firm_client(), application.id, [("社保.pdf", EXE)])
    assert answer.status_code == 422
    assert answer.json()["code"] == "limit_exceeded"
    assert "不是支持的类型" in answer.json()["detail"]
    assert _stored_files(world) == before
    _nothing_submitted(world, application.id)


def test_five_megabytes_plus_one_byte_is_413_and_nothing_is_kept(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    before = _stored_files(world)
    big = tiny_pdf() + b"0" * (MAX_ATTACHMENT_BYTES + 1 - len(tiny_pdf()))
    answer = _submit(world.firm_client(), application.id, [("big.pdf", big)])
    assert answer.status_code == 413
    assert answer.json()["code"] == "limit_exceeded"
    assert "5.0 MB" in answer.json()["detail"]
    assert _stored_files(world) == before  # the partial file was removed
    _nothing_submitted(world, application.id)
    exactly = tiny_pdf() + b"0" * (MAX_ATTACHMENT_BYTES - len(tiny_pdf()))
    assert _submit(world.firm_client(), application.id, [("ok.pdf", exactly)]).status_code == 201


def test_an_eleventh_file_is_refused(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    files = [(f"f{i}.pdf", tiny_pdf(str(i))) for i in range(MAX_BATCH_FILES + 1)]
    answer = _submit(world.firm_client(), application.id, files)
    assert answer.status_code == 422
    assert "最多 10 个" in answer.json()["detail"]
    _nothing_submitted(world, application.id)
    assert _submit(world.firm_client(), application.id, files[:MAX_BATCH_FILES]).status_code == 201


def test_social_security_proof_is_required(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    answer = _submit(world.firm_client(), application.id, [("a.pdf", tiny_pdf())], ["其他材料"])
    missing = "缺少必需的批次材料：社保证明材料，请上传后再提交"  # the client's words too (domain.materials)
    assert (answer.status_code, answer.json()["detail"]) == (422, missing)
    no_files = world.firm_client().post(
        "/firm/batches",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        data={"year": "2025", "application_ids": [str(application.id)]},
    )
    assert (no_files.status_code, no_files.json()["detail"]) == (422, missing)
    _nothing_submitted(world, application.id)


def test_names_are_sanitised_and_content_is_deduplicated(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    firm = world.firm_client()
    same = tiny_pdf("same bytes")
    answer = _submit(firm, application.id, [("../../x.pdf", same), ("CON.pdf", same), ("ok.png", tiny_png())])
    assert answer.status_code == 201, answer.text
    detail = firm.get(f"/firm/batches/{answer.json()['batch']['id']}").json()
    names = [a["original_name"] for a in detail["attachments"]]
    assert names == ["x.pdf", "_CON.pdf", "ok.png"]
    assert [a["file_type"] for a in detail["attachments"]] == ["pdf", "pdf", "png"]
    first, second = detail["attachments"][0], detail["attachments"][1]
    assert first["sha256"] == second["sha256"]
    root = world.server.settings.attachments_dir
    assert len(list(root.rglob(first["sha256"]))) == 1  # stored once
    content = firm.get(f"/firm/attachments/{second['id']}/content")
    assert content.content == same
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["content-disposition"] == "attachment; filename=\"_CON.pdf\"; filename*=UTF-8''_CON.pdf"
    assert content.headers["etag"] == f'"{second["sha256"]}"'


def test_cpa_attachment_rules_match(world: World) -> None:
    application = world.builder.application(world.cpas[0], "draft", materials=[])
    me = world.cpa_client(world.cpas[0])
    url = f"/cpa/applications/{application.id}/attachments"
    exe = me.post(url, files={"file": ("证明.pdf", EXE)}, data={"material": "继续教育证明"})
    assert exe.status_code == 422
    big = me.post(url, files={"file": ("b.pdf", b"%PDF" + b"0" * MAX_ATTACHMENT_BYTES)}, data={"material": "x"})
    assert big.status_code == 413
    ok = me.post(url, files={"file": ("../../证明.pdf", tiny_pdf())}, data={"material": "继续教育证明"})
    assert ok.status_code == 201 and ok.json()["original_name"] == "证明.pdf"
    assert me.delete(f"{url}/{ok.json()['id']}").status_code == 204
    assert me.get(f"/cpa/applications/{application.id}").json()["attachments"] == []


def test_a_request_declaring_more_than_ten_full_files_is_refused_before_reading(world: World) -> None:
    token = world.firm_client().headers["Authorization"]
    request = (
        "POST /api/v1/firm/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {token}\r\nIdempotency-Key: k\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {60 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", world.server.port), timeout=10) as sock:
        sock.sendall(request.encode())  # headers only: the 60 MB never come
        received = b""
        while chunk := sock.recv(4096):  # the server closes the connection after its answer
            received += chunk
        answer = received.decode()
    assert answer.startswith("HTTP/1.1 413")
    assert '"code": "limit_exceeded"' in answer
