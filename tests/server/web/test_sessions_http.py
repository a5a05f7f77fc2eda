"""Browser sessions of the portal over real HTTP (httpx): cookies, CSRF, expiry, redirects, error pages."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from firmdesk.server.api.errors import BUSY_MESSAGE, Failure
from firmdesk.server.db.models import AuthToken, Cpa
from firmdesk.server.runner import ServerThread
from firmdesk.server.services import cpa_actions
from firmdesk.server.services.clock import utcnow
from firmdesk.server.web.errors import failure_page
from firmdesk.server.web.session import SESSION_COOKIE
from tests.helpers.portal_world import form_token, web_sign_in
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, ServerBuilder


def test_signing_in_sets_an_httponly_lax_session_cookie_and_goes_home(
    web_client: httpx.Client, portal_cpa: Cpa
) -> None:
    answer = web_sign_in(web_client, portal_cpa.cert_no)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cpa/home"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here
    home = web_client.get("/cpa/home")
    assert home.status_code == 200 and "李明" in home.text
    assert home.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert home.headers["x-content-type-options"] == "nosniff"


def test_the_cookie_is_secure_when_a_trusted_proxy_says_https(
    live_server: ServerThread, server_builder: ServerBuilder, portal_cpa: Cpa
) -> None:
    live_server.switch_settings(server_builder.settings.model_copy(update={"trusted_proxies": "127.0.0.1"}))
    with httpx.Client(base_url=live_server.base_url, headers={"X-Forwarded-Proto": "https"}) as client:
        assert "Secure" in web_sign_in(client, portal_cpa.cert_no).headers["set-cookie"]
    live_server.switch_settings(server_builder.settings)
    with httpx.Client(base_url=live_server.base_url, headers={"X-Forwarded-Proto": "https"}) as client:
        assert (
            "Secure" not in web_sign_in(client, portal_cpa.cert_no).headers["set-cookie"]
        )  # an untrusted peer's header


def test_wrong_password_and_lockout_say_what_the_api_says(
    web_client: httpx.Client, portal_cpa: Cpa, live_server: ServerThread
) -> None:
    api = httpx.Client(base_url=f"{live_server.base_url}/api/v1")
    wrong = web_sign_in(web_client, portal_cpa.cert_no, "wrong")
    assert wrong.status_code == 401
    api_wrong = api.post("/auth/login", json={"user_type": "cpa", "member_no": portal_cpa.cert_no, "password": "wrong"})
    assert api_wrong.json()["detail"] in wrong.text
    for _ in range(5):
        last = web_sign_in(web_client, portal_cpa.cert_no, "wrong")
    assert last.status_code == 429 and "Retry-After" in last.headers
    api_locked = api.post(
        "/auth/login", json={"user_type": "cpa", "member_no": portal_cpa.cert_no, "password": CPA_PASSWORD}
    )
    assert api_locked.status_code == 429
    assert api_locked.json()["detail"] in web_sign_in(web_client, portal_cpa.cert_no).text


def test_empty_fields_are_named_in_the_summary_and_next_to_the_field(web_client: httpx.Client, portal_cpa: Cpa) -> None:
    answer = web_client.post(
        "/cpa/", data={"member_no": "", "password": "", "csrf_token": form_token(web_client, "/cpa/")}
    )
    assert answer.status_code == 422
    assert answer.text.count("请输入证书编号") == 2 and answer.text.count("请输入密码") == 2
    assert 'href="#member_no"' in answer.text


def test_sign_in_without_the_csrf_token_is_refused_and_keeps_the_certificate_number(
    web_client: httpx.Client, portal_cpa: Cpa
) -> None:
    form_token(web_client, "/cpa/")
    answer = web_client.post("/cpa/", data={"member_no": portal_cpa.cert_no, "password": CPA_PASSWORD})
    assert answer.status_code == 403
    assert "安全校验未通过" in answer.text and f'value="{portal_cpa.cert_no}"' in answer.text
    assert SESSION_COOKIE not in answer.cookies


def test_sign_in_from_another_browsers_token_is_refused(live_server: ServerThread, portal_cpa: Cpa) -> None:
    with httpx.Client(base_url=live_server.base_url) as attacker, httpx.Client(base_url=live_server.base_url) as victim:
        stolen_form = form_token(attacker, "/cpa/")
        victim.get("/cpa/")
        answer = victim.post(
            "/cpa/", data={"member_no": portal_cpa.cert_no, "password": CPA_PASSWORD, "csrf_token": stolen_form}
        )
        assert answer.status_code == 403


def test_a_signed_in_post_without_the_csrf_token_is_a_chinese_403_page(
    web_client: httpx.Client, portal_cpa: Cpa
) -> None:
    web_sign_in(web_client, portal_cpa.cert_no)
    answer = web_client.post("/cpa/sign-out", data={"note": "保留的内容"})
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "安全校验未通过" in answer.text and "保留的内容" in answer.text
    assert "请求编号" in answer.text
    assert web_client.get("/cpa/home").status_code == 200  # still signed in


def test_sign_out_revokes_the_token(web_client: httpx.Client, portal_cpa: Cpa) -> None:
    web_sign_in(web_client, portal_cpa.cert_no)
    token = web_client.cookies[SESSION_COOKIE]
    answer = web_client.post("/cpa/sign-out", data={"csrf_token": form_token(web_client, "/cpa/home")})
    assert answer.status_code == 303 and answer.headers["location"] == "/cpa/?why=signed_out"
    assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"] or "Max-Age=0" in answer.headers["set-cookie"]
    stale = httpx.get(f"{web_client.base_url}/cpa/home", cookies={SESSION_COOKIE: token})
    assert stale.status_code == 303 and "why=invalid" in stale.headers["location"]


def test_an_expired_session_goes_to_sign_in_with_the_page_asked_for(
    web_client: httpx.Client, portal_cpa: Cpa, server_builder: ServerBuilder
) -> None:
    web_sign_in(web_client, portal_cpa.cert_no)
    with server_builder.sessions() as session:
        session.execute(update(AuthToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    answer = web_client.get("/cpa/home?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cpa/?why=expired&next=%2Fcpa%2Fhome%3Fx%3D1"
    page = web_client.get(answer.headers["location"])
    assert "登录已过期，请重新登录" in page.text
    back = web_sign_in(web_client, portal_cpa.cert_no, next_path="/cpa/home?x=1")
    assert back.headers["location"] == "/cpa/home?x=1"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/api/v1/cpa/qr"])
def test_next_never_leaves_the_portal(web_client: httpx.Client, portal_cpa: Cpa, target: str) -> None:
    assert web_sign_in(web_client, portal_cpa.cert_no, next_path=target).headers["location"] == "/cpa/home"


def test_a_firm_session_is_not_a_cpa_session(
    web_client: httpx.Client, portal_cpa: Cpa, live_server: ServerThread
) -> None:
    api = httpx.post(
        f"{live_server.base_url}/api/v1/auth/login",
        json={"user_type": "firm", "member_no": "50010028", "password": FIRM_PASSWORD},
    )
    web_client.cookies.set(SESSION_COOKIE, api.json()["token"])
    answer = web_client.get("/cpa/home")
    assert answer.status_code == 303 and "why=role" in answer.headers["location"]


def test_page_errors_are_chinese_html_and_the_api_keeps_json(web_client: httpx.Client, portal_cpa: Cpa) -> None:
    missing = web_client.get("/cpa/no-such-page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "未找到该页面" in missing.text and missing.headers["x-request-id"] in missing.text
    assert web_client.get("/api/v1/no-such-thing").json()["code"] == "not_found"
    wrong_method = web_client.delete("/cpa/home")
    assert wrong_method.status_code == 405 and "不支持该操作" in wrong_method.text


def test_failures_no_handler_caught_are_pages_on_page_paths_only() -> None:
    busy = Failure(503, "busy", BUSY_MESSAGE)
    page = failure_page({"type": "http", "path": "/cpa/home"}, busy, "req-1")
    assert page is not None
    assert "服务器繁忙" in page.decode() and "req-1" in page.decode()
    assert failure_page({"type": "http", "path": "/api/v1/cpa/qr"}, busy, "req-1") is None


def test_static_files_are_served_with_nosniff(web_client: httpx.Client) -> None:
    css = web_client.get("/static/site.css")
    assert css.status_code == 200 and css.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in css.headers or css.headers["cache-control"] != "no-store"
    assert web_client.get("/static/nothing.js").status_code == 404


def test_the_portal_root_and_a_signed_in_sign_in_page_lead_on(web_client: httpx.Client, portal_cpa: Cpa) -> None:
    root = web_client.get("/cpa")
    assert root.status_code == 308 and root.headers["location"] == "/cpa/"
    web_sign_in(web_client, portal_cpa.cert_no)
    again = web_client.get("/cpa/", params={"next": "/cpa/records"})
    assert again.status_code == 303 and again.headers["location"] == "/cpa/records"


@pytest.mark.parametrize(
    ("failure", "status", "title"),
    [
        (RuntimeError("a bug"), 500, "服务器内部错误"),
        (OperationalError("x", {}, Exception("database is locked")), 503, "服务器繁忙"),
    ],
)
def test_a_failure_inside_a_page_is_a_chinese_page_not_a_traceback(
    failure: Exception,
    status: int,
    title: str,
    web_client: httpx.Client,
    portal_cpa: Cpa,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    web_sign_in(web_client, portal_cpa.cert_no)

    def broken(*_args: object) -> None:
        raise failure

    monkeypatch.setattr(cpa_actions, "notice", broken)
    answer = web_client.get("/cpa/home")
    assert answer.status_code == status and answer.headers["content-type"].startswith("text/html")
    assert title in answer.text and answer.headers["x-request-id"] in answer.text
    assert "Traceback" not in answer.text and "a bug" not in answer.text
    assert answer.headers["x-content-type-options"] == "nosniff"
