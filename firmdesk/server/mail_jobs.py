"""The background jobs of mail: the outbox deliverer and the automatic reminders, built from the settings.

One process runs them: the server itself, or with `serve --workers N` the supervising process (its workers
run none, like the auto-review); both are safe to run twice anyway (claims and day-marks have one winner)."""

from __future__ import annotations

from firmdesk.server.context import ServerContext
from firmdesk.server.db.session import make_session_factory
from firmdesk.server.periodic import Periodic
from firmdesk.server.services.outbox import Deliverer
from firmdesk.server.services.reminders import AutoReminder

#: Environment for worker processes: they leave the mail jobs to the supervisor.
WORKER_ENVIRONMENT = {"CMIS_MAIL_DELIVERY_INTERVAL_S": "0", "CMIS_AUTO_REMINDER_INTERVAL_S": "0"}


def mail_jobs(context: ServerContext) -> list[Periodic]:
    """The jobs the settings ask for (not started)."""
    settings = context.settings
    sessions = make_session_factory(context.engine)
    jobs: list[Periodic] = []
    deliverer = Deliverer.from_settings(sessions, settings)
    if deliverer is not None:
        jobs.append(deliverer)
    if settings.auto_reminder_interval_s > 0:
        jobs.append(AutoReminder(context.write_sessions, settings.auto_reminder_interval_s))
    return jobs
