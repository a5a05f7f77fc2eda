"""Retries: only while no connection can be made; an answer, even an error, is never sent twice."""

from __future__ import annotations

import httpx
import pytest

from firmdesk.services.api_client import CmisClient, normalize_server_url
from firmdesk.services.errors import InvalidServerAddress, Refused, ServerFailed, ServerUnreachable
from tests.helpers.loopback import CountingTransport

REFUSAL = "该批次已开始审核，不能撤回"


def test_a_closed_port_is_tried_again_then_reported_unreachable(closed_port_url: str) -> None:
    transport = CountingTransport()
    client = CmisClient(closed_port_url, transport=transport, retries=2, backoff=0.01)
    with client, pytest.raises(ServerUnreachable) as e:
        client.firm()
    assert transport.calls == 3
    assert e.value.message == f"无法连接服务器 {closed_port_url}，请检查网络或服务器地址"


def test_a_post_that_cannot_connect_is_retried_too(closed_port_url: str) -> None:
    transport = CountingTransport()
    client = CmisClient(closed_port_url, transport=transport, retries=1, backoff=0.01)
    with client, pytest.raises(ServerUnreachable):
        client.withdraw(4)
    assert transport.calls == 2


@pytest.mark.parametrize("status", [400, 404, 409, 422, 429, 500, 502, 503])
def test_an_error_answer_is_never_retried(status: int) -> None:
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(status, json={"detail": REFUSAL, "code": "transition_refused"})

    client = CmisClient("http://cmis.test", transport=httpx.MockTransport(answer), retries=3, backoff=0)
    with client, pytest.raises((Refused, ServerFailed)) as e:
        client.withdraw(4)
    assert len(calls) == 1
    if status < 500:
        assert isinstance(e.value, Refused)
        assert (e.value.status, e.value.code, e.value.message) == (
            status,
            "transition_refused",
            "该批次已开始审核，不能撤回",
        )
    else:
        assert isinstance(e.value, ServerFailed) and str(status) in e.value.message


@pytest.mark.parametrize(
    ("typed", "root"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        (" https://cmis.example.cn/ ", "https://cmis.example.cn"),
        ("http://cmis.example.cn/api/v1/", "http://cmis.example.cn"),
    ],
)
def test_a_typed_server_address_is_normalised(typed: str, root: str) -> None:
    assert normalize_server_url(typed) == root


@pytest.mark.parametrize("typed", ["ftp://cmis.example.cn", "http://", "http://cmis example", "http://[::1"])
def test_an_address_that_is_not_http_is_refused_in_chinese(typed: str) -> None:
    with pytest.raises(InvalidServerAddress) as e:
        CmisClient(typed)
    assert "服务器地址" in e.value.message


def test_an_answer_of_another_shape_is_a_server_failure_not_a_crash() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"unexpected": True})

    client = CmisClient("http://cmis.test", transport=httpx.MockTransport(answer))
    with client, pytest.raises(ServerFailed) as e:
        client.firm()
    assert "数据格式不正确" in e.value.message


def test_a_repeated_request_keeps_its_idempotency_key_and_a_changed_one_gets_a_new_one() -> None:
    from firmdesk.services.api_client import RepeatKey

    repeat = RepeatKey()
    assert repeat.key == ""
    first = repeat.for_request(((1, 2), "原因"))
    assert first and repeat.for_request(((1, 2), "原因")) == first  # retried after a lost answer
    second = repeat.for_request(((1,), "原因"))
    assert second != first and repeat.key == second
