"""人脸认证 in the portal over real HTTP: 今日剩余次数 before starting, the QR page and its status, the simulated
provider's page in Chinese, pass / fail / retry / expiry, the phone layout, and a start sent twice."""

from __future__ import annotations

import re

import httpx
import pytest

from firmdesk.domain.limits import FACE_SESSIONS_PER_DAY
from firmdesk.server.db.models import FaceSession
from firmdesk.server.services.clock import utcnow
from firmdesk.server.web.cpa.face import FACE_TIPS
from tests.helpers.portal_apply import ApplyWorld, form_of

PHONE_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
_SESSION = re.compile(r"/cpa/apply/(\d+)/face/(\d+)$")
_PROVIDER = re.compile(r'href="(http://[^"]+/api/v1/face/[^"]+)"')


@pytest.fixture
def ready(apply_world: ApplyWorld) -> int:
    """李明's draft with every required material."""
    return apply_world.builder.application(apply_world.cpa, "draft").id


def _begin(browser: httpx.Client, application_id: int) -> tuple[int, str]:
    """开始人脸认证 on the face page: the session's id and its page's path."""
    page = browser.get(f"/cpa/apply/{application_id}/face").text
    answer = browser.post(
        f"/cpa/apply/{application_id}/face", data=form_of(page, f"/cpa/apply/{application_id}/face").fields
    )
    assert answer.status_code == 303, answer.text
    found = _SESSION.search(answer.headers["location"])
    assert found
    return int(found.group(2)), answer.headers["location"]


def _provider_url(html: str) -> str:
    found = _PROVIDER.search(html)
    assert found, "no link to the provider's page"
    return found.group(1)


def test_the_face_page_shows_the_tips_and_todays_remaining_count_before_starting(
    apply_world: ApplyWorld, ready: int
) -> None:
    page = apply_world.browser().get(f"/cpa/apply/{ready}/face").text
    assert "今日剩余次数：" in page and f'<strong class="quota-number">{FACE_SESSIONS_PER_DAY}</strong>' in page
    for tip in FACE_TIPS:
        assert tip in page
    assert "开始人脸认证" in page
    assert apply_world.api().get("/cpa/face-quota").json()["remaining"] == FACE_SESSIONS_PER_DAY  # reading used none


def test_passing_on_the_phone_submits_and_shows_the_institutes_notice(apply_world: ApplyWorld, ready: int) -> None:
    browser = apply_world.browser()
    _session_id, path = _begin(browser, ready)
    page = browser.get(path).text
    assert "请使用手机扫码进行人脸认证" in page and '<svg class="qr"' in page and 'aria-label="人脸认证二维码"' in page
    assert "待认证" in page and f"今日剩余次数：{FACE_SESSIONS_PER_DAY - 1} 次" in page
    status = browser.get(f"{path}/status").json()
    assert (status["status"], status["status_label"]) == ("pending", "待认证")
    with httpx.Client(timeout=30, headers={"User-Agent": PHONE_AGENT}) as phone:
        provider = phone.get(_provider_url(page))
        assert provider.status_code == 200 and "模拟人脸认证服务" in provider.text and "待认证" in provider.text
        assert "李*" in provider.text and "李明" not in provider.text
        assert provider.headers["cache-control"] == "no-store"
        passed = phone.post(str(provider.url), data={"passed": "true"})
        assert passed.status_code == 303
        assert "认证通过" in phone.get(provider.url.join(passed.headers["location"])).text
    assert browser.get(f"{path}/status").json()["status"] == "passed"
    done = browser.get(path).text
    assert "人脸认证通过" in done and "年检申请已提交事务所审核。" in done and "待事务所审核" in done
    assert apply_world.api().get(f"/cpa/applications/{ready}").json()["status"] == "pending_firm"


def test_a_failure_offers_back_and_retry_and_the_retry_is_a_new_session(apply_world: ApplyWorld, ready: int) -> None:
    browser = apply_world.browser()
    first, path = _begin(browser, ready)
    with httpx.Client(timeout=30) as phone:
        phone.post(_provider_url(browser.get(path).text), data={"passed": "false"})
    page = browser.get(path).text
    assert "人脸认证未通过" in page and ">重试</button>" in page and ">返回</a>" in page
    retry = form_of(page, f"/cpa/apply/{ready}/face")
    answer = browser.post(retry.action, data=retry.fields)
    second = int(_SESSION.search(answer.headers["location"]).group(2))  # type: ignore[union-attr]
    assert second != first
    assert apply_world.api().get("/cpa/face-quota").json()["remaining"] == FACE_SESSIONS_PER_DAY - 2


def test_the_same_start_from_two_tabs_makes_one_session(apply_world: ApplyWorld, ready: int) -> None:
    first, second = apply_world.browser(), apply_world.browser()
    form = form_of(first.get(f"/cpa/apply/{ready}/face").text, f"/cpa/apply/{ready}/face")
    other_tab = form_of(second.get(f"/cpa/apply/{ready}/face").text, f"/cpa/apply/{ready}/face")
    one = first.post(form.action, data=form.fields).headers["location"]
    two = second.post(other_tab.action, data=other_tab.fields).headers["location"]
    assert one == two
    with apply_world.builder.sessions() as session:
        assert session.query(FaceSession).count() == 1


def test_an_expired_link_says_so_on_both_pages(apply_world: ApplyWorld, ready: int) -> None:
    browser = apply_world.browser()
    session_id, path = _begin(browser, ready)
    url = _provider_url(browser.get(path).text)
    with apply_world.builder.sessions() as session:
        face = session.get_one(FaceSession, session_id)
        face.created_at = utcnow().replace(year=2000)
        session.commit()
    assert "人脸认证已过期" in browser.get(path).text
    with httpx.Client(timeout=30) as phone:
        provider = phone.get(url)
        assert "已过期" in provider.text and ">通过</button>" not in provider.text
        late = phone.post(url, data={"passed": "true"})
        assert late.status_code == 409 and "该人脸认证已过期" in late.text


def test_a_phone_gets_no_qr_but_a_button_to_the_providers_page(apply_world: ApplyWorld, ready: int) -> None:
    phone = apply_world.browser(headers={"User-Agent": PHONE_AGENT})
    _session_id, path = _begin(phone, ready)
    page = phone.get(path).text
    assert '<svg class="qr"' not in page and "请使用手机扫码" not in page
    assert re.search(r'<a class="button" href="http://[^"]+/api/v1/face/[^"]+">开始人脸认证</a>', page)


def test_no_session_left_today_means_no_start_button(apply_world: ApplyWorld, ready: int) -> None:
    with apply_world.builder.sessions() as session:
        for n in range(FACE_SESSIONS_PER_DAY):
            session.add(
                FaceSession(token=f"t{n}", cpa_id=apply_world.cpa.id, application_id=ready, created_at=utcnow())
            )
        session.commit()
    browser = apply_world.browser()
    page = browser.get(f"/cpa/apply/{ready}/face").text
    assert '<strong class="quota-number">0</strong>' in page and "今日人脸认证次数已用完，请明天再试" in page
    assert "开始人脸认证</button>" not in page


def test_starting_with_a_required_material_missing_is_refused_on_the_page(apply_world: ApplyWorld) -> None:
    draft = apply_world.builder.application(apply_world.cpa, "draft", materials=["继续教育证明"])
    browser = apply_world.browser()
    form = form_of(browser.get(f"/cpa/apply/{draft.id}/face").text, f"/cpa/apply/{draft.id}/face")
    refused = browser.post(form.action, data=form.fields)
    assert refused.status_code == 422 and "请先上传必需材料：执业情况说明" in refused.text
    assert apply_world.api().get("/cpa/face-quota").json()["remaining"] == FACE_SESSIONS_PER_DAY


def test_the_provider_page_of_an_unknown_token_is_a_chinese_404_page(apply_world: ApplyWorld) -> None:
    with httpx.Client(base_url=apply_world.base_url, timeout=30) as phone:
        answer = phone.get("/api/v1/face/unknown")
        assert answer.status_code == 404 and "未找到该人脸认证" in answer.text
        assert phone.post("/api/v1/face/unknown", data={"passed": "true"}).status_code == 404
