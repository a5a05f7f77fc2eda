"""The outbox (发件箱): mails queued in the transaction of their cause, delivered over SMTP by one deliverer.

`enqueue` adds a mail inside the caller's transaction, so a mail exists if and only if its cause committed.
`Deliverer` (a `Periodic` daemon, or called directly) claims due mails and sends them:

- **Claim**: `UPDATE … SET state='sending', claim=claim+1 WHERE id=? AND state='queued' AND claim=?`, committed
  before anything is sent: of several deliverers (threads, processes, SQLite or PostgreSQL) exactly one
  updates the row; the others see 0 rows and leave it.
- **Send**: one SMTP conversation; the mail carries its own `Message-ID` (fixed when queued), so a copy would be
  recognisable as the same mail.
- **Mark**: right after the server accepted the message (250 to DATA), the mail is marked `sent`.
- **Failures**: a refusal the server answered (4xx, a connection refused or dropped *before* the message was
  handed over) is retried after a backoff (`mail_retry_base_s`, doubling, at most an hour) up to
  `mail_max_attempts`; a permanent refusal (5xx) fails at once; the last error is kept.
- **At most once**: when the outcome is unknown (the connection broke while the message was being handed over,
  or the process died between the server's acceptance and the mark, leaving the mail `sending` past its lease),
  the mail is marked `failed` with "结果未知" and never sent again. A password-reset code can be asked for again
  and a reminder can be repeated the next day; a mail sent twice cannot be taken back. See docs/deploy.md.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.server.config import Settings
from firmdesk.server.db.models import OutboxMail
from firmdesk.server.periodic import Periodic
from firmdesk.server.services.clock import utcnow

log = logging.getLogger(__name__)

#: The domain part of the Message-IDs the server makes.
MESSAGE_ID_DOMAIN = "cmis.firmdesk"
#: The longest wait between two attempts of one mail.
MAX_RETRY_DELAY = timedelta(hours=1)
INTERRUPTED_ERROR = "发送过程中断，结果未知：为避免重复发送，不再重试"
UNKNOWN_OUTCOME_ERROR = "邮件交给邮件服务器时连接中断，结果未知：为避免重复发送，不再重试"


class MailState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return MAIL_STATE_LABELS[self]


MAIL_STATE_LABELS = {
    MailState.QUEUED: "待发送",
    MailState.SENDING: "发送中",
    MailState.SENT: "已发送",
    MailState.FAILED: "发送失败",
}


class MailKind(StrEnum):
    PASSWORD_RESET = "password_reset"
    REMINDER = "reminder"


def enqueue(session: Session, to: str, subject: str, body: str, kind: MailKind | str) -> OutboxMail:
    """Queue a mail in the caller's transaction (it is delivered only if that transaction commits)."""
    now = utcnow()
    mail = OutboxMail(
        kind=str(kind),
        to_address=to,
        subject=subject,
        body=body,
        message_id=make_msgid(idstring="outbox", domain=MESSAGE_ID_DOMAIN),
        state=MailState.QUEUED.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        claim=0,
    )
    session.add(mail)
    session.flush()
    return mail


def recent_mails(session: Session, limit: int = 200) -> list[OutboxMail]:
    """The newest mails first (the demo's mail page)."""
    return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)))


# --- sending ---


@dataclass(frozen=True)
class DueMail:
    """A claimed mail, detached from its session: what the sender needs and the claim to finish."""

    id: int
    claim: int
    attempts: int
    to_address: str
    subject: str
    body: str
    message_id: str


class PermanentFailure(Exception):
    """The SMTP server refused the mail for good (5xx): no retry."""


class UnknownOutcome(Exception):
    """The connection broke while the message was being handed over: it may or may not have been accepted."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    use_ssl: bool = False
    timeout_s: float = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The SMTP settings (`CMIS_SMTP_*`), or None when no host is set (nothing is sent)."""
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            use_ssl=settings.smtp_ssl,
            timeout_s=settings.smtp_timeout_s,
        )


def email_message(mail: DueMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = formatdate(localtime=False)
    message.set_content(mail.body, cte="quoted-printable")  # 7-bit clean for any server
    return message


class SmtpSender:
    """Sends one mail per SMTP conversation (smtplib), telling a refusal, a permanent refusal and an unknown
    outcome apart."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.use_ssl:
            return smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout_s, context=ssl.create_default_context())
        smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout_s)
        if c.starttls:
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, mail: DueMail) -> None:
        message = email_message(mail, self.config.sender)
        try:
            smtp = self._connect()
        except smtplib.SMTPResponseException as error:
            raise _judged(error) from error
        try:
            if self.config.username:
                smtp.login(self.config.username, self.config.password or "")
            smtp.ehlo_or_helo_if_needed()
            envelope_from = parseaddr(self.config.sender)[1]
            code, answer = smtp.mail(envelope_from)
            if code != 250:
                raise _judged(smtplib.SMTPSenderRefused(code, answer, envelope_from))
            code, answer = smtp.rcpt(mail.to_address)
            if code not in (250, 251):
                raise _judged(smtplib.SMTPRecipientsRefused({mail.to_address: (code, answer)}), code)
            try:
                code, answer = smtp.data(message.as_bytes(policy=SMTP))
            except smtplib.SMTPDataError as error:  # the server answered: not accepted
                raise _judged(error) from error
            except (OSError, smtplib.SMTPServerDisconnected) as error:
                raise UnknownOutcome(f"{UNKNOWN_OUTCOME_ERROR}（{error}）") from error
            if code != 250:  # the server answered: not accepted
                raise _judged(smtplib.SMTPDataError(code, answer))
        except smtplib.SMTPResponseException as error:
            raise _judged(error) from error
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def _judged(error: smtplib.SMTPException, code: int | None = None) -> Exception:
    """A permanent failure for a 5xx answer (except authentication, which an administrator fixes), else the
    error as it is (retried)."""
    code = code if code is not None else getattr(error, "smtp_code", None)
    if code is not None and code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError):
        return PermanentFailure(f"邮件服务器拒绝：{_text(error)}")
    return error


def _text(error: Exception) -> str:
    """The server's answer (`451 4.3.0 …`), or the error's text."""
    raw = getattr(error, "smtp_error", None)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw if raw is not None else error)
    code = getattr(error, "smtp_code", None)
    return f"{code} {text}" if code is not None else text


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0


#: What sends one mail (an `SmtpSender`, or a stand-in in tests).
Send = Callable[[DueMail], None]


class Deliverer(Periodic):
    """Delivers due mails; one winner per mail among any number of deliverers.

    `sessions` must make write sessions that lock at their start (`make_session_factory(engine)`)."""

    name = "cmis-mail"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        send: Send,
        *,
        interval_s: float = 5,
        max_attempts: int = 5,
        retry_base_s: float = 60,
        lease: timedelta = timedelta(minutes=10),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(interval_s)
        self.sessions = sessions
        self.send = send
        self.max_attempts = max_attempts
        self.retry_base = timedelta(seconds=retry_base_s)
        self.lease = lease
        self.clock = clock

    @classmethod
    def from_settings(cls, sessions: sessionmaker[Session], settings: Settings) -> Deliverer | None:
        """The deliverer of a server, or None when it should not deliver (no SMTP host, or interval 0)."""
        config = SmtpConfig.from_settings(settings)
        if config is None or settings.mail_delivery_interval_s <= 0:
            return None
        # The lease outlasts a whole SMTP conversation (connect, login, mail, rcpt, data: each may time out).
        lease = timedelta(seconds=max(120.0, 6 * settings.smtp_timeout_s))
        return cls(
            sessions,
            SmtpSender(config).send,
            interval_s=settings.mail_delivery_interval_s,
            max_attempts=settings.mail_max_attempts,
            retry_base_s=settings.mail_retry_base_s,
            lease=lease,
        )

    def round(self) -> None:
        self.deliver_due()

    def deliver_due(self, limit: int = 50) -> DeliveryReport:
        """Send every due mail this deliverer wins the claim of (at most `limit`)."""
        report = DeliveryReport(interrupted=self.fail_interrupted())
        now = self.clock()
        with self.sessions() as session:
            due = list(
                session.execute(
                    select(OutboxMail.id, OutboxMail.claim)
                    .where(OutboxMail.state == MailState.QUEUED.value, OutboxMail.next_attempt_at <= now)
                    .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
                    .limit(limit)
                )
            )
            session.commit()
        for mail_id, claim in due:
            if self._stop.is_set():
                break
            mail = self.claim(mail_id, claim)
            if mail is not None:
                self.deliver(mail, report)
        return report

    def claim(self, mail_id: int, claim: int) -> DueMail | None:
        """Take the mail for sending, or None when another deliverer took it first (or it is no longer due)."""
        now = self.clock()
        with self.sessions.begin() as session:
            taken = session.execute(
                update(OutboxMail)
                .where(
                    OutboxMail.id == mail_id,
                    OutboxMail.state == MailState.QUEUED.value,
                    OutboxMail.claim == claim,
                )
                .values(
                    state=MailState.SENDING.value,
                    claim=OutboxMail.claim + 1,
                    attempts=OutboxMail.attempts + 1,
                    lease_until=now + self.lease,
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.get_one(OutboxMail, mail_id, populate_existing=True)
            return DueMail(
                id=row.id,
                claim=row.claim,
                attempts=row.attempts,
                to_address=row.to_address,
                subject=row.subject,
                body=row.body,
                message_id=row.message_id,
            )

    def deliver(self, mail: DueMail, report: DeliveryReport) -> None:
        try:
            self.send(mail)
        except (PermanentFailure, UnknownOutcome) as error:
            self._finish(mail, MailState.FAILED, error=str(error))
            report.failed += 1
        except (OSError, smtplib.SMTPException) as error:
            message = f"{type(error).__name__}: {_text(error)}"
            if mail.attempts >= self.max_attempts:
                self._finish(mail, MailState.FAILED, error=f"已尝试 {mail.attempts} 次仍未发送成功：{message}")
                report.failed += 1
            else:
                delay = min(self.retry_base * 2 ** (mail.attempts - 1), MAX_RETRY_DELAY)
                self._finish(mail, MailState.QUEUED, error=message, next_attempt_at=self.clock() + delay)
                report.retried += 1
            log.warning("mail %s not sent (attempt %s): %s", mail.id, mail.attempts, message)
        else:
            self._finish(mail, MailState.SENT)
            report.sent += 1

    def _finish(
        self, mail: DueMail, state: MailState, *, error: str | None = None, next_attempt_at: datetime | None = None
    ) -> None:
        """Record the outcome of this claim (and of no other: a newer claim's outcome is not overwritten)."""
        values: dict[str, object] = {"state": state.value, "lease_until": None}
        if state is MailState.SENT:
            values["sent_at"] = self.clock()
        if error is not None:
            values["last_error"] = error[:2000]
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        with self.sessions.begin() as session:
            session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail.id, OutboxMail.claim == mail.claim)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def fail_interrupted(self) -> int:
        """Mails left `sending` past their lease (the process died mid-send): failed, never sent again."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(OutboxMail)
                .where(OutboxMail.state == MailState.SENDING.value, OutboxMail.lease_until < self.clock())
                .values(state=MailState.FAILED.value, last_error=INTERRUPTED_ERROR, lease_until=None)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


def queued_count(session: Session) -> int:
    return session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.state == MailState.QUEUED.value)) or 0
