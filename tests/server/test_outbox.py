"""The outbox delivers through a real SMTP server (aiosmtpd) exactly once: retries after a refusal, one winner
among racing deliverers, at most once after an interruption, nothing sent without SMTP settings."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from firmdesk.server.config import Settings, fast_test_settings
from firmdesk.server.runner import ServerProcess, ServerThread
from firmdesk.server.services.clock import utcnow
from firmdesk.server.services.outbox import (
    INTERRUPTED_ERROR,
    Deliverer,
    DueMail,
    MailKind,
    UnknownOutcome,
    enqueue,
)
from tests.helpers.mail import OutboxProbe, SmtpRecorder, run_together, with_smtp
from tests.helpers.server import ServerBuilder
from tests.helpers.server_world import World


def _queue(probe: OutboxProbe, count: int = 1) -> None:
    with probe.sessions.begin() as session:
        for n in range(count):
            enqueue(session, f"cpa{n}@example.com", f"测试邮件 {n}", f"正文 {n}", MailKind.REMINDER)


def _request_code(world: World, cert_no: str) -> httpx.Response:
    return world.anonymous().post("/auth/password-reset/request", json={"member_no": cert_no})


def test_a_queued_mail_is_delivered_once_with_its_message_id(
    world: World, outbox_probe: OutboxProbe, smtp_server: SmtpRecorder, server_settings: Settings
) -> None:
    cpa = world.cpas[0]
    outbox_probe.set_email(cpa, "zhang.san@example.com")
    assert _request_code(world, cpa.cert_no).status_code == 200
    deliverer = outbox_probe.deliverer(with_smtp(server_settings, smtp_server))

    report = deliverer.deliver_due()
    again = deliverer.deliver_due()

    assert (report.sent, again.sent) == (1, 0)
    [message] = smtp_server.messages
    [mail] = outbox_probe.mails()
    assert message["To"] == "zhang.san@example.com"
    assert message["Subject"] == "CMIS 重置密码验证码"
    assert message["Message-ID"] == mail.message_id
    assert "验证码为" in message.get_content()
    assert (mail.state, mail.attempts, mail.sent_at is not None) == ("sent", 1, True)


def test_a_refused_first_attempt_is_retried_after_a_backoff_and_sent_exactly_once(
    outbox_probe: OutboxProbe, smtp_server: SmtpRecorder, server_settings: Settings
) -> None:
    _queue(outbox_probe)
    smtp_server.refuse_next("451 4.3.0 Mailbox busy, try again later")
    deliverer = outbox_probe.deliverer(with_smtp(server_settings, smtp_server), retry_base_s=60)

    first = deliverer.deliver_due()
    [mail] = outbox_probe.mails()
    assert (first.retried, first.sent, smtp_server.messages) == (1, 0, [])
    assert (mail.state, mail.attempts) == ("queued", 1)
    assert "451" in (mail.last_error or "")
    assert mail.next_attempt_at >= utcnow() + timedelta(seconds=50)  # not due before its backoff
    assert deliverer.deliver_due().sent == 0

    outbox_probe.make_due()
    second = deliverer.deliver_due()
    outbox_probe.make_due()
    third = deliverer.deliver_due()

    [mail] = outbox_probe.mails()
    assert (second.sent, third.sent) == (1, 0)
    assert (mail.state, mail.attempts) == ("sent", 2)
    assert smtp_server.message_ids() == [mail.message_id]
    assert smtp_server.refused == 1


def test_a_permanent_refusal_fails_at_once_and_keeps_the_error(
    outbox_probe: OutboxProbe, smtp_server: SmtpRecorder, server_settings: Settings
) -> None:
    _queue(outbox_probe)
    smtp_server.refuse_next("550 5.1.1 No such user")
    report = outbox_probe.deliverer(with_smtp(server_settings, smtp_server)).deliver_due()
    [mail] = outbox_probe.mails()
    assert report.failed == 1
    assert mail.state == "failed"
    assert "550" in (mail.last_error or "")


def test_a_mail_is_given_up_after_the_last_attempt(outbox_probe: OutboxProbe, server_settings: Settings) -> None:
    _queue(outbox_probe)
    # Nobody listens on this port: every attempt is refused at connect.
    settings = server_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 9, "smtp_timeout_s": 2})
    deliverer = outbox_probe.deliverer(settings, max_attempts=3, retry_base_s=0)
    for _ in range(5):
        deliverer.deliver_due()
    [mail] = outbox_probe.mails()
    assert (mail.state, mail.attempts) == ("failed", 3)
    assert "已尝试 3 次" in (mail.last_error or "")


def test_two_deliverers_racing_send_every_mail_once(
    server_settings: Settings, smtp_server: SmtpRecorder, outbox_probe: OutboxProbe
) -> None:
    _queue(outbox_probe, 12)
    second = OutboxProbe(server_settings)  # its own engine: as another process would
    try:
        settings = with_smtp(server_settings, smtp_server)
        a, b = outbox_probe.deliverer(settings), second.deliverer(settings)
        reports = run_together(a.deliver_due, b.deliver_due)
    finally:
        second.close()
    ids = smtp_server.message_ids()
    assert sorted(ids) == sorted(m.message_id for m in outbox_probe.mails())
    assert len(ids) == len(set(ids)) == 12
    assert sum(r.sent for r in reports) == 12
    assert {m.state for m in outbox_probe.mails()} == {"sent"}


def test_a_mail_interrupted_mid_send_is_never_sent_again(
    outbox_probe: OutboxProbe, smtp_server: SmtpRecorder, server_settings: Settings
) -> None:
    """At most once: a claim whose process died (still `sending` past its lease) is failed, not resent."""
    _queue(outbox_probe)
    settings = with_smtp(server_settings, smtp_server)
    dying = outbox_probe.deliverer(settings)
    [mail] = outbox_probe.mails()
    assert dying.claim(mail.id, mail.claim) is not None  # claimed, then the process "dies" before any mark
    assert outbox_probe.deliverer(settings).deliver_due().sent == 0  # its lease still runs: left alone

    later = outbox_probe.deliverer(settings, clock=lambda: utcnow() + timedelta(hours=1))
    report = later.deliver_due()

    [mail] = outbox_probe.mails()
    assert (report.interrupted, report.sent) == (1, 0)
    assert (mail.state, mail.last_error) == ("failed", INTERRUPTED_ERROR)
    assert smtp_server.messages == []


def test_a_broken_hand_over_is_not_retried(outbox_probe: OutboxProbe) -> None:
    """The connection broke while the message was handed over: it may have arrived, so it is not sent again."""
    _queue(outbox_probe)
    calls: list[DueMail] = []

    def broken(mail: DueMail) -> None:
        calls.append(mail)
        raise UnknownOutcome("连接中断")

    deliverer = Deliverer(outbox_probe.sessions, broken, retry_base_s=0)
    deliverer.deliver_due()
    deliverer.deliver_due()
    [mail] = outbox_probe.mails()
    assert len(calls) == 1
    assert mail.state == "failed"


def test_without_smtp_settings_mails_stay_queued_and_the_demo_page_shows_them(
    live_server: ServerThread,
    server_builder: ServerBuilder,
    server_settings: Settings,
    outbox_probe: OutboxProbe,
) -> None:
    institute = server_builder.institute()
    cpa = server_builder.cpa(server_builder.firm(institute), "李明")
    outbox_probe.set_email(cpa, "li.ming@example.com")
    assert Deliverer.from_settings(outbox_probe.sessions, server_settings) is None
    live_server.switch_settings(server_settings.model_copy(update={"demo_mail_page": True}))
    with httpx.Client(base_url=live_server.base_url) as client:
        client.post("/api/v1/auth/password-reset/request", json={"member_no": cpa.cert_no}).raise_for_status()
        time.sleep(0.3)
        page = client.get("/demo/mail")
    [mail] = outbox_probe.mails()
    assert mail.state == "queued"
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "li.ming@example.com" in page.text
    assert "待发送" in page.text
    assert "未配置邮件服务器" in page.text


def test_the_demo_mail_page_is_absent_unless_switched_on(live_server: ServerThread) -> None:
    answer = httpx.get(f"{live_server.base_url}/demo/mail")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_the_server_delivers_in_the_background_when_smtp_is_set(
    world: World, server_settings: Settings, smtp_server: SmtpRecorder, outbox_probe: OutboxProbe
) -> None:
    cpa = world.cpas[1]
    outbox_probe.set_email(cpa, "wang.fang@example.com")
    world.server.switch_settings(with_smtp(server_settings, smtp_server, mail_delivery_interval_s=0.1))
    try:
        assert _request_code(world, cpa.cert_no).status_code == 200
        [message] = smtp_server.wait_for(1)
    finally:
        world.server.switch_settings(server_settings)
    assert message["To"] == "wang.fang@example.com"
    assert [m.state for m in outbox_probe.mails()] == ["sent"]


@pytest.mark.parametrize("starttls, ssl", [(True, True)])
def test_starttls_and_ssl_together_are_refused(server_settings: Settings, starttls: bool, ssl: bool) -> None:
    with pytest.raises(ValueError, match="STARTTLS"):
        Settings(data_dir=server_settings.data_dir, smtp_starttls=starttls, smtp_ssl=ssl)


@pytest.mark.slow
def test_with_two_workers_the_supervisor_delivers_each_mail_once(
    tmp_path: Path, new_database_url: Callable[[], str | None], smtp_server: SmtpRecorder
) -> None:
    """`serve --workers 2`: the workers leave delivery to the supervising process; each code goes out once."""
    url = new_database_url()
    settings = fast_test_settings(tmp_path / "cmis", **({"database_url": url} if url else {}))
    builder = ServerBuilder(settings)
    cpas = builder.cpas(builder.firm(builder.institute()), 4)
    probe = OutboxProbe(settings)
    for n, cpa in enumerate(cpas):
        probe.set_email(cpa, f"worker{n}@example.com")
    builder.close()
    env = {
        "CMIS_ARGON2_TIME_COST": "1",
        "CMIS_ARGON2_MEMORY_KIB": "1024",
        "CMIS_ARGON2_PARALLELISM": "1",
        "CMIS_DATABASE_URL": url or "",
        "CMIS_SMTP_HOST": smtp_server.host,
        "CMIS_SMTP_PORT": str(smtp_server.port),
        "CMIS_MAIL_DELIVERY_INTERVAL_S": "0.2",
    }
    try:
        with ServerProcess(settings.data_dir, workers=2, env=env) as server:
            for cpa in cpas:
                answer = httpx.post(
                    f"{server.base_url}/api/v1/auth/password-reset/request", json={"member_no": cpa.cert_no}
                )
                assert answer.status_code == 200, server.log()
            messages = smtp_server.wait_for(len(cpas))
            time.sleep(1)  # room for a second delivery, were there one
        assert sorted(str(m["To"]) for m in smtp_server.messages) == sorted(
            f"worker{n}@example.com" for n in range(len(cpas))
        )
        assert len(messages) == len(cpas)
        assert {m.state for m in probe.mails()} == {"sent"}
    finally:
        probe.close()
