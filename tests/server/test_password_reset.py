"""忘记密码 over real HTTP: the same answer for every 证书编号, a code by e-mail (a real SMTP server), single use,
expiring, limited tries and requests, password rules, every token revoked, one winner when raced."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import update

from firmdesk.server.config import Settings
from firmdesk.server.db.models import Cpa, PasswordResetCode
from firmdesk.server.services.clock import utcnow
from tests.helpers.mail import OutboxProbe, SmtpRecorder, with_smtp
from tests.helpers.races import race
from tests.helpers.server import CPA_PASSWORD, api_login
from tests.helpers.server_world import World

NEW_PASSWORD = "xin-mima-2025"


def _request(world: World, member_no: str) -> httpx.Response:
    return world.anonymous().post("/auth/password-reset/request", json={"member_no": member_no})


def _confirm(world: World, member_no: str, code: str, password: str = NEW_PASSWORD) -> httpx.Response:
    body = {"member_no": member_no, "code": code, "new_password": password}
    return world.anonymous().post("/auth/password-reset/confirm", json=body)


def _code_by_mail(probe: OutboxProbe, settings: Settings, smtp: SmtpRecorder) -> str:
    probe.deliverer(with_smtp(settings, smtp)).deliver_due()
    found = re.search(r"验证码为：(\d{6})", smtp.messages[-1].get_content())
    assert found is not None
    return found.group(1)


def _with_email(world: World, probe: OutboxProbe) -> Cpa:
    cpa = world.cpas[0]
    probe.set_email(cpa, "zhao.lei@example.com")
    return cpa


def _cpa_and_code(world: World, probe: OutboxProbe, settings: Settings, smtp: SmtpRecorder) -> tuple[Cpa, str]:
    """A CPA with an e-mail who asked for a code, and the code the mail brought."""
    cpa = _with_email(world, probe)
    _request(world, cpa.cert_no).raise_for_status()
    return cpa, _code_by_mail(probe, settings, smtp)


def test_the_answer_is_the_same_whether_or_not_the_account_exists_or_has_an_email(
    world: World, outbox_probe: OutboxProbe
) -> None:
    with_email = _with_email(world, outbox_probe)
    answers = [
        _request(world, with_email.cert_no),
        _request(world, world.cpas[1].cert_no),  # no e-mail registered
        _request(world, "500199999999"),  # nobody
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert answers[0].json()["detail"].startswith("若该账户登记了邮箱，验证码已发送")
    assert [m.to_address for m in outbox_probe.mails()] == ["zhao.lei@example.com"]


def test_a_code_from_the_mail_sets_a_new_password_and_revokes_every_token(
    world: World, outbox_probe: OutboxProbe, smtp_server: SmtpRecorder, server_settings: Settings
) -> None:
    cpa = _with_email(world, outbox_probe)
    signed_in = world.cpa_client(cpa)
    assert signed_in.get("/cpa/profile").json()["email"] == "zhao.lei@example.com"
    _request(world, cpa.cert_no).raise_for_status()
    code = _code_by_mail(outbox_probe, server_settings, smtp_server)

    done = _confirm(world, cpa.cert_no, code)

    assert done.status_code == 200, done.text
    assert done.json()["detail"] == "密码已重置，请使用新密码登录"
    assert signed_in.get("/cpa/profile").status_code == 401
    old = world.anonymous().post(
        "/auth/login", json={"user_type": "cpa", "member_no": cpa.cert_no, "password": CPA_PASSWORD}
    )
    assert old.status_code == 401
    api_login(world.server.base_url, "cpa", cpa.cert_no, NEW_PASSWORD).close()
    again = _confirm(world, cpa.cert_no, code, "another-pass-9")
    assert (again.status_code, again.json()["code"]) == (422, "reset_code_invalid")


def test_a_code_dies_after_five_wrong_tries(
    world: World, outbox_probe: OutboxProbe, smtp_server: SmtpRecorder, server_settings: Settings
) -> None:
    cpa, code = _cpa_and_code(world, outbox_probe, server_settings, smtp_server)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [_confirm(world, cpa.cert_no, wrong) for _ in range(5)]
    assert {(a.status_code, a.json()["code"]) for a in answers} == {(422, "reset_code_invalid")}
    assert answers[0].json()["detail"] == "验证码错误或已失效，请重新获取验证码"
    assert _confirm(world, cpa.cert_no, code).status_code == 422


def test_an_expired_code_is_refused(
    world: World, outbox_probe: OutboxProbe, smtp_server: SmtpRecorder, server_settings: Settings
) -> None:
    cpa, code = _cpa_and_code(world, outbox_probe, server_settings, smtp_server)
    with outbox_probe.sessions.begin() as session:
        session.execute(update(PasswordResetCode).values(expires_at=utcnow()))
    assert _confirm(world, cpa.cert_no, code).json()["code"] == "reset_code_invalid"


def test_a_new_code_replaces_the_previous_one(
    world: World, outbox_probe: OutboxProbe, smtp_server: SmtpRecorder, server_settings: Settings
) -> None:
    cpa = _with_email(world, outbox_probe)
    _request(world, cpa.cert_no).raise_for_status()
    first = _code_by_mail(outbox_probe, server_settings, smtp_server)
    _request(world, cpa.cert_no).raise_for_status()
    second = _code_by_mail(outbox_probe, server_settings, smtp_server)
    if first != second:
        assert _confirm(world, cpa.cert_no, first).status_code == 422
    assert _confirm(world, cpa.cert_no, second).status_code == 200


def test_the_new_password_must_follow_the_rules(world: World, outbox_probe: OutboxProbe) -> None:
    cpa = _with_email(world, outbox_probe)
    for password, said in [("short1", "至少 8 位"), ("onlyletters", "字母和数字"), (f"a{cpa.cert_no}", "证书编号")]:
        answer = _confirm(world, cpa.cert_no, "123456", password)
        assert (answer.status_code, answer.json()["code"]) == (422, "invalid_input")
        assert said in answer.json()["detail"]


def test_at_most_three_codes_an_hour_are_sent_for_one_account_with_the_same_answer(
    world: World, outbox_probe: OutboxProbe
) -> None:
    cpa = _with_email(world, outbox_probe)
    answers = [_request(world, cpa.cert_no) for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert len(outbox_probe.mails()) == 3


def test_an_address_asking_too_often_is_slowed_down(world: World) -> None:
    answers = [_request(world, f"5001000{n:05d}") for n in range(11)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    refused = answers[10]
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_attempts"
    assert "过于频繁" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) > 0


def test_two_confirms_with_the_same_code_have_one_winner(
    world: World, outbox_probe: OutboxProbe, smtp_server: SmtpRecorder, server_settings: Settings
) -> None:
    cpa, code = _cpa_and_code(world, outbox_probe, server_settings, smtp_server)
    url = f"{world.server.base_url}/api/v1/auth/password-reset/confirm"
    first = {"member_no": cpa.cert_no, "code": code, "new_password": "first-pass-1"}
    second = {"member_no": cpa.cert_no, "code": code, "new_password": "second-pass-2"}
    answers = race(lambda: httpx.post(url, json=first, timeout=30), lambda: httpx.post(url, json=second, timeout=30))
    assert sorted(a.status_code for a in answers) == [200, 422]
    winner = first if answers[0].status_code == 200 else second
    api_login(world.server.base_url, "cpa", cpa.cert_no, str(winner["new_password"])).close()


def test_a_firm_cannot_reset_by_mail(world: World) -> None:
    answer = world.anonymous().post(
        "/auth/password-reset/request", json={"user_type": "firm", "member_no": world.firm.number}
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_input")
