"""The CPA portal's read-only pages and the API filters they share, over real HTTP (httpx)."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from firmdesk.server.db.models import Message
from firmdesk.server.runner import ServerThread
from firmdesk.server.services.clock import utcnow
from tests.helpers.portal_world import RETURN_REASON, ReturnedCpa, form_token, web_sign_in
from tests.helpers.server import CPA_PASSWORD, ServerBuilder, api_login


def _cpa_api(live_server: ServerThread, cert_no: str) -> httpx.Client:
    return api_login(live_server.base_url, "cpa", cert_no, CPA_PASSWORD)


@pytest.mark.parametrize(
    ("query", "years"),
    [
        ({}, [2025, 2024, 2023]),
        ({"year": 2024}, [2024]),
        ({"state": "approved"}, [2024, 2023]),
        ({"state": "firm_returned", "year": 2025}, [2025]),
        ({"state": "firm_returned", "year": 2024}, []),
    ],
)
def test_the_api_lists_applications_by_year_and_state(
    query: dict[str, object], years: list[int], live_server: ServerThread, returned_cpa: ReturnedCpa
) -> None:
    with contextlib.closing(_cpa_api(live_server, returned_cpa.cert_no)) as api:
        answer = api.get("/cpa/applications", params=query)
    assert answer.status_code == 200
    assert [a["year"] for a in answer.json()] == years


@pytest.mark.parametrize("query", [{"state": "returned"}, {"year": 1999}, {"year": "2025x"}, {"year": 2101}])
def test_the_api_refuses_bad_filters_with_invalid_input(
    query: dict[str, object], live_server: ServerThread, returned_cpa: ReturnedCpa
) -> None:
    with contextlib.closing(_cpa_api(live_server, returned_cpa.cert_no)) as api:
        answer = api.get("/cpa/applications", params=query)
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_input"


def test_the_filters_are_in_the_openapi_document(live_server: ServerThread) -> None:
    operation = httpx.get(f"{live_server.base_url}/openapi.json").json()["paths"]["/api/v1/cpa/applications"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"year", "state"}
    assert "firm_returned 事务所退回" in parameters["state"]["description"]
    paths = httpx.get(f"{live_server.base_url}/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/cpa")]  # the pages stay out of the API's document


def test_a_bad_filter_on_the_page_is_explained_and_the_list_still_shown(
    web_client: httpx.Client, returned_cpa: ReturnedCpa
) -> None:
    web_sign_in(web_client, returned_cpa.cert_no)
    page = web_client.get("/cpa/applications", params={"state": "returned", "year": "abc"})
    assert page.status_code == 200
    assert "请选择列表中的审核状态" in page.text and "年检年度应为四位数字" in page.text
    assert "共 3 条年检申请" in page.text


def test_another_cpas_records_are_not_found(
    web_client: httpx.Client, returned_cpa: ReturnedCpa, server_builder: ServerBuilder
) -> None:
    with server_builder.sessions() as session:
        other_message = Message(cpa_id=returned_cpa.cpa.id, title="他人消息", body="不应看到", created_at=utcnow())
        session.add(other_message)
        session.commit()
        message_id = other_message.id
    firm = server_builder.firm(server_builder.institute("51", "四川省注册会计师协会"), "51010001", "成都会计师事务所")
    stranger = server_builder.cpa(firm, "外人")
    web_sign_in(web_client, stranger.cert_no)
    token = form_token(web_client, "/cpa/messages")
    for path in (
        f"/cpa/applications/{returned_cpa.application_id}",
        f"/cpa/messages/{message_id}",
        "/cpa/records/1990",
    ):
        answer = web_client.get(path)
        assert (answer.status_code == 404 and "不属于当前账户" not in answer.text) or "未找到" in answer.text, path
        assert RETURN_REASON not in answer.text and "不应看到" not in answer.text
    read = web_client.post(f"/cpa/messages/{message_id}/read", data={"csrf_token": token})
    assert read.status_code == 404 and "未找到该消息" in read.text


def test_reading_a_message_needs_the_csrf_token(web_client: httpx.Client, returned_cpa: ReturnedCpa) -> None:
    web_sign_in(web_client, returned_cpa.cert_no)
    inbox = _inbox(web_client, returned_cpa)
    refused = web_client.post(f"/cpa/messages/{inbox[0]['id']}/read")
    assert refused.status_code == 403
    assert _inbox(web_client, returned_cpa)[0]["read"] is False
    token = form_token(web_client, "/cpa/messages")
    read = web_client.post(f"/cpa/messages/{inbox[0]['id']}/read", data={"csrf_token": token})
    assert read.status_code == 303 and read.headers["location"] == f"/cpa/messages/{inbox[0]['id']}"
    assert _inbox(web_client, returned_cpa)[0]["read"] is True
    detail = web_client.get(read.headers["location"])
    assert RETURN_REASON in detail.text


def test_more_shows_the_next_messages_and_bad_counts_are_a_page(
    web_client: httpx.Client, returned_cpa: ReturnedCpa
) -> None:
    web_sign_in(web_client, returned_cpa.cert_no)
    first = web_client.get("/cpa/messages")
    assert first.text.count('class="message-item"') == 10 and "shown=20" in first.text
    everything = web_client.get("/cpa/messages", params={"shown": 20})
    assert everything.text.count('class="message-item"') == 13 and "shown=30" not in everything.text
    bad = web_client.get("/cpa/messages", params={"shown": -1})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")


def _inbox(client: httpx.Client, returned: ReturnedCpa) -> list[dict[str, object]]:
    base = str(client.base_url).rstrip("/")
    with contextlib.closing(api_login(base, "cpa", returned.cert_no, CPA_PASSWORD)) as api:
        messages: list[dict[str, object]] = api.get("/cpa/messages").json()
    return messages
