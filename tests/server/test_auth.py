"""Sign-in: login for the three roles, logout, wrong password, lockout."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from firmdesk.server.config import fast_test_settings
from firmdesk.server.runner import ServerThread
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, INSTITUTE_PASSWORD, ServerBuilder, api_login


def test_health_says_cmis(live_server: ServerThread) -> None:
    body = httpx.get(f"{live_server.base_url}/healthz").json()
    assert body == {"status": "ok", "service": "cmis", "version": "0.1.0"}


def test_each_role_logs_in_and_me_names_it(live_server: ServerThread, server_builder: ServerBuilder) -> None:
    institute = server_builder.institute()
    firm = server_builder.firm(institute)
    cpa = server_builder.cpa(firm, "李四")
    for user_type, member_no, password, name in [
        ("institute", "50", INSTITUTE_PASSWORD, institute.name),
        ("firm", firm.number, FIRM_PASSWORD, firm.name),
        ("cpa", cpa.cert_no, CPA_PASSWORD, "李四"),
    ]:
        client = api_login(live_server.base_url, user_type, member_no, password)
        me = client.get("/auth/me").json()
        assert {k: me[k] for k in ("role", "member_no", "name")} == {
            "role": user_type,
            "member_no": member_no,
            "name": name,
        }
        assert (me["login"], me["account_role"]) == (member_no, "cpa" if user_type == "cpa" else "admin")
        client.close()


def test_logout_revokes_the_token(live_server: ServerThread, server_builder: ServerBuilder) -> None:
    firm = server_builder.firm(server_builder.institute())
    client = api_login(live_server.base_url, "firm", firm.number, FIRM_PASSWORD)
    assert client.post("/auth/logout").status_code == 204
    answer = client.get("/auth/me")
    client.close()
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthorized"


def test_wrong_password_then_lockout_after_five_failures(
    live_server: ServerThread, server_builder: ServerBuilder
) -> None:
    firm = server_builder.firm(server_builder.institute())
    url = f"{live_server.base_url}/api/v1/auth/login"
    wrong = {"user_type": "firm", "member_no": firm.number, "password": "wrong"}
    answers = [httpx.post(url, json=wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    assert answers[0].json() == {"detail": "会员编号或密码错误", "code": "bad_credentials"}
    # Locked: even the right password is refused, with the time it ends.
    right = httpx.post(url, json={**wrong, "password": FIRM_PASSWORD})
    assert right.status_code == 429
    assert right.json()["code"] == "locked"
    assert right.json()["locked_until"].endswith("Z")
    assert "账户已锁定至" in right.json()["detail"]
    # The lock is per account: the same firm number as a CPA login is not locked.
    other = httpx.post(url, json={**wrong, "user_type": "cpa"})
    assert other.status_code == 401


def test_unknown_member_number_is_bad_credentials(live_server: ServerThread) -> None:
    answer = httpx.post(
        f"{live_server.base_url}/api/v1/auth/login", json={"user_type": "cpa", "member_no": "1", "password": "x"}
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "bad_credentials"


def test_an_expired_token_is_refused(tmp_path: Path) -> None:

    settings = fast_test_settings(tmp_path / "short", token_hours=0.5 / 3600)  # half a second
    builder = ServerBuilder(settings)
    firm = builder.firm(builder.institute())
    with ServerThread(settings) as server:
        client = api_login(server.base_url, "firm", firm.number, FIRM_PASSWORD)
        assert client.get("/auth/me").status_code == 200
        time.sleep(0.7)
        answer = client.get("/auth/me")
        client.close()
    builder.close()
    assert (answer.status_code, answer.json()["detail"]) == (401, "登录已过期，请重新登录")
