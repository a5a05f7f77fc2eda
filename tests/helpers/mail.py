"""Mail in tests: a real SMTP server in-process (aiosmtpd) that records what it accepts and can refuse the next
messages on demand, and helpers to reach the outbox of a test's database.

- `smtp_server` – a running `SmtpRecorder` (`.host`, `.port`, `.messages`, `.refuse_next(reply, times)`).
- `with_smtp(settings, smtp, **more)` – the settings pointed at that server.
- `deliverer(settings)` – a `Deliverer` on the settings' database sending through their SMTP server.
"""

from __future__ import annotations

import email
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.server.config import Settings
from firmdesk.server.db.models import Cpa, Institute, OutboxMail
from firmdesk.server.db.session import make_engine, make_session_factory
from firmdesk.server.runner import free_port
from firmdesk.server.services.clock import china_today
from firmdesk.server.services.outbox import Deliverer, SmtpConfig, SmtpSender


class SmtpRecorder:
    """An aiosmtpd handler: keeps every accepted message; `refuse_next` makes the next DATA answers a refusal."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refused = 0
        self._refusals: list[str] = []
        self._lock = threading.Lock()
        self.host = "127.0.0.1"
        self.port = 0

    def refuse_next(self, reply: str = "451 4.3.0 Try again later", times: int = 1) -> None:
        with self._lock:
            self._refusals += [reply] * times

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        with self._lock:
            if self._refusals:
                self.refused += 1
                return self._refusals.pop(0)
            message = email.message_from_bytes(envelope.content, policy=default)
            assert isinstance(message, EmailMessage)
            self.messages.append(message)
        return "250 2.0.0 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)


@pytest.fixture
def smtp_server() -> Iterator[SmtpRecorder]:
    recorder = SmtpRecorder()
    recorder.port = free_port()
    controller = Controller(recorder, hostname=recorder.host, port=recorder.port)
    controller.start()
    yield recorder
    controller.stop()


def with_smtp(settings: Settings, smtp: SmtpRecorder, **more: object) -> Settings:
    values: dict[str, object] = {"smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_from": "CMIS <cmis@example.com>"}
    values.update(more)
    return settings.model_copy(update=values)


class OutboxProbe:
    """Direct access to a test database's outbox and CPAs (a fresh engine; `close()` it)."""

    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(settings)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def mails(self) -> list[OutboxMail]:
        with self.sessions() as session:
            return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))

    def make_due(self) -> None:
        """Every queued mail due now (skips the retry backoff)."""
        with self.sessions.begin() as session:
            session.execute(update(OutboxMail).values(next_attempt_at=OutboxMail.created_at))

    def set_email(self, cpa: Cpa, address: str) -> None:
        with self.sessions.begin() as session:
            session.execute(update(Cpa).where(Cpa.id == cpa.id).values(email=address))

    def set_deadline(self, days_from_today: int) -> date:
        """Every institute's deadline `days_from_today` days from today (China date); the deadline."""
        deadline = china_today() + timedelta(days=days_from_today)
        with self.sessions.begin() as session:
            session.execute(update(Institute).values(deadline=deadline))
        return deadline

    def deliverer(self, settings: Settings, **options: Any) -> Deliverer:
        config = SmtpConfig.from_settings(settings)
        assert config is not None, "settings without an SMTP host"
        return Deliverer(self.sessions, SmtpSender(config).send, **options)


@pytest.fixture
def outbox_probe(server_settings: Settings) -> Iterator[OutboxProbe]:
    probe = OutboxProbe(server_settings)
    yield probe
    probe.close()


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads started at the same moment; their results in order (an exception is re-raised)."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    return results
