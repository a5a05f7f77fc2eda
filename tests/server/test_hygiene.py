"""Hygiene at the edges: stored names without bidi or control characters, downloads that a browser can only save,
405 with `Allow`, the face page's 404 as a page."""

from __future__ import annotations

import uuid

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.states import ApplicationState
from tests.helpers.server import tiny_pdf
from tests.helpers.server_world import World


def _submit_named(world: World, name: str, material: str = SOCIAL_SECURITY_MATERIAL) -> dict[str, object]:
    application = world.builder.application(world.cpas[0])
    firm = world.firm_client()
    answer = firm.post(
        "/firm/batches",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        data={"year": "2025", "application_ids": str(application.id), "materials": material},
        files={"files": (name, tiny_pdf(), "application/pdf")},
    )
    assert answer.status_code == 201, answer.text
    detail = firm.get(f"/firm/batches/{answer.json()['batch']['id']}").json()
    attachment: dict[str, object] = detail["attachments"][0]
    return attachment


def test_a_bidi_override_in_a_file_name_is_not_stored(world: World) -> None:
    attachment = _submit_named(world, "社保\u202egpj.exe.pdf")
    assert attachment["original_name"] == "社保gpj.exe.pdf"
    content = world.firm_client().get(f"/firm/attachments/{attachment['id']}/content")
    assert "%E2%80%AE" not in content.headers["content-disposition"]


def test_control_and_invisible_characters_leave_material_names_and_reasons(world: World) -> None:
    attachment = _submit_named(world, "a.pdf", material=f"{SOCIAL_SECURITY_MATERIAL}\u200b\u2067")
    assert attachment["material"] == SOCIAL_SECURITY_MATERIAL
    pending = world.builder.application(world.cpas[1])
    firm = world.firm_client()
    returned = firm.post(
        "/firm/returns", json={"items": [{"application_id": pending.id}], "reason": "请补充\u202e材料\x07\n第二行"}
    )
    assert returned.status_code == 200, returned.text
    row = firm.get(f"/firm/applications/{pending.id}").json()["row"]
    assert row["reason"] == "请补充材料\n第二行"


def test_a_cpa_upload_name_is_cleaned_too(world: World) -> None:
    draft = world.builder.application(world.cpas[2], ApplicationState.DRAFT)
    answer = world.cpa_client(world.cpas[2]).post(
        f"/cpa/applications/{draft.id}/attachments",
        data={"material": "继续教育\u200e证明"},
        files={"file": ("\u202d证明\u202c.pdf", tiny_pdf(), "application/pdf")},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["original_name"] == "证明.pdf"
    assert answer.json()["material"] == "继续教育证明"


def test_a_download_is_an_attachment_that_no_browser_sniffs(world: World) -> None:
    attachment = _submit_named(world, "社保 证明(1).pdf")
    for client, path in [
        (world.firm_client(), f"/firm/attachments/{attachment['id']}/content"),
        (world.institute_client(), f"/institute/attachments/{attachment['id']}/content"),
    ]:
        content = client.get(path)
        assert content.status_code == 200
        assert content.headers["x-content-type-options"] == "nosniff"
        assert content.headers["content-disposition"] == (
            "attachment; filename=\"__ __(1).pdf\"; filename*=UTF-8''%E7%A4%BE%E4%BF%9D%20%E8%AF%81%E6%98%8E%281%29.pdf"
        )


def test_trace_and_other_unsupported_methods_are_405_with_allow(world: World) -> None:
    firm = world.firm_client()
    for method in ("TRACE", "PATCH", "PUT"):
        answer = firm.request(method, "/firm/cpas")
        assert answer.status_code == 405, (method, answer.text)
        assert answer.headers["allow"] == "GET"
        assert answer.json()["code"] == "method_not_allowed"
        assert answer.json()["detail"] == "不支持的请求方法"
    assert firm.request("TRACE", "/auth/login").headers["allow"] == "POST"


def test_the_face_page_of_an_unknown_token_is_a_404_page(world: World) -> None:
    answer = world.anonymous().get("/face/no-such-token")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "未找到该人脸认证" in answer.text
    schema = world.anonymous().get(f"{world.server.base_url}/openapi.json").json()
    assert "text/html" in schema["paths"]["/api/v1/face/{token}"]["get"]["responses"]["404"]["content"]
