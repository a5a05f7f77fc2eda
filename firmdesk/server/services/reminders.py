"""Reminding CPAs who have not applied: the firm's template and settings, a preview, sending (an inbox message
and, when the CPA has an address, a mail through the outbox), and the automatic reminders before the deadline.

The rules (who, how often, the placeholders, the day-marks) are `firmdesk.domain.reminders`; here they are
enforced inside one write turn per request, so two requests never remind the same CPA twice on one day
(the `reminders` table's unique (cpa_id, china_day) backs it)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.domain import reminders as rules
from firmdesk.domain.errors import InvalidInput, NotFound, TransitionRefused
from firmdesk.domain.states import NOT_APPLIED, Action, status_label
from firmdesk.server.db.models import (
    Application,
    AutoReminderRun,
    Cpa,
    Firm,
    FirmReminderSettings,
    Institute,
    Message,
    Reminder,
)
from firmdesk.server.periodic import Periodic
from firmdesk.server.services import rows
from firmdesk.server.services.actors import Actor, firm_actor
from firmdesk.server.services.changes import Change, take_write_turn
from firmdesk.server.services.clock import china_today, utcnow
from firmdesk.server.services.idempotency import Operation, scope
from firmdesk.server.services.mail_schemas import (
    ContactRow,
    ReminderOutcome,
    ReminderPreview,
    ReminderResult,
    ReminderSend,
    ReminderSettingsIn,
    ReminderSettingsOut,
)
from firmdesk.server.services.outbox import MailKind, enqueue

log = logging.getLogger(__name__)

# --- settings ---


def _settings_row(session: Session, firm: Firm) -> FirmReminderSettings | None:
    return session.get(FirmReminderSettings, firm.id)


def settings_of(session: Session, firm: Firm) -> ReminderSettingsOut:
    row = _settings_row(session, firm)
    return ReminderSettingsOut(
        template=row.template if row else rules.DEFAULT_TEMPLATE,
        auto_enabled=row.auto_enabled if row else False,
        default_template=rules.DEFAULT_TEMPLATE,
        placeholders=rules.PLACEHOLDERS,
        auto_day_marks=list(rules.AUTO_DAY_MARKS),
    )


def update_settings(session: Session, firm: Firm, body: ReminderSettingsIn) -> ReminderSettingsOut:
    """Change the template and/or the automatic reminders (a template is checked before it is kept)."""
    template = rules.check_template(body.template) if body.template is not None else None
    take_write_turn(session)
    row = _settings_row(session, firm)
    if row is None:
        row = FirmReminderSettings(firm_id=firm.id, template=rules.DEFAULT_TEMPLATE, auto_enabled=False)
        session.add(row)
    if template is not None:
        row.template = template
    if body.auto_enabled is not None:
        row.auto_enabled = body.auto_enabled
    row.updated_at = utcnow()
    session.commit()
    return settings_of(session, firm)


# --- who is reminded ---


@dataclass(frozen=True)
class Candidate:
    """A CPA of the firm with its status this year and whether it was reminded today."""

    cpa: Cpa
    status: str
    application_id: int | None
    reminded_today: bool

    @property
    def refusal(self) -> str | None:
        return rules.refusal(self.status, self.reminded_today)


@dataclass(frozen=True)
class Season:
    """The firm's inspection year as reminders see it: the year, the deadline, today (China date)."""

    firm: Firm
    year: int
    deadline: date
    today: date

    @classmethod
    def of(cls, session: Session, firm: Firm) -> Season:
        institute = session.get_one(Institute, firm.institute_id)
        return cls(firm, institute.current_year, institute.deadline, china_today())

    def values(self, cpa: Cpa) -> rules.ReminderValues:
        return rules.ReminderValues(
            name=cpa.name,
            year=self.year,
            deadline=self.deadline,
            days_left=rules.days_left(self.deadline, self.today),
            firm_name=self.firm.name,
        )


def candidates(session: Session, season: Season, cpa_ids: Iterable[int] | None) -> list[Candidate]:
    """The firm's CPAs (those of `cpa_ids`, or all), ordered by certificate number."""
    statement = (
        select(Cpa, Application.state, Application.id)
        .outerjoin(Application, (Application.cpa_id == Cpa.id) & (Application.year == season.year))
        .where(Cpa.firm_id == season.firm.id)
        .order_by(Cpa.cert_no)
    )
    if cpa_ids is not None:
        statement = statement.where(Cpa.id.in_(sorted(set(cpa_ids))))
    found = list(session.execute(statement))
    reminded = set(
        session.scalars(
            select(Reminder.cpa_id).where(
                Reminder.china_day == season.today, Reminder.cpa_id.in_([cpa.id for cpa, _s, _a in found])
            )
        )
    )
    return [Candidate(cpa, state or NOT_APPLIED, app_id, cpa.id in reminded) for cpa, state, app_id in found]


def _template(session: Session, firm: Firm) -> str:
    row = _settings_row(session, firm)
    return row.template if row else rules.DEFAULT_TEMPLATE


# --- preview and send ---


def preview(session: Session, firm: Firm, cpa_id: int, template: str | None = None) -> ReminderPreview:
    """The reminder one CPA would get (with `template`, else the firm's), without sending anything."""
    season = Season.of(session, firm)
    found = candidates(session, season, [cpa_id])
    if not found:
        raise NotFound(rules.NOT_FOUND)
    candidate = found[0]
    values = season.values(candidate.cpa)
    return ReminderPreview(
        cpa_id=candidate.cpa.id,
        name=candidate.cpa.name,
        email=candidate.cpa.email,
        title=rules.reminder_title(season.year),
        body=rules.render(template if template is not None else _template(session, firm), values),
        days_left=values.days_left,
        refusal=rules.after_deadline(season.deadline, season.today) or candidate.refusal,
    )


def send(
    session: Session, firm: Firm, actor: Actor, command: ReminderSend, idempotency_key: str | None = None
) -> ReminderResult:
    """Remind the chosen CPAs (or every one 注师待申请 lists): per CPA sent, or skipped with the reason."""
    if not command.all_not_applied and not command.cpa_ids:
        raise InvalidInput("请选择要提醒的注册会计师")
    target = None if command.all_not_applied else command.cpa_ids
    key = scope(actor, idempotency_key, Operation.FIRM_REMIND, command.model_dump())
    change = Change(session, actor, key)
    result = remind(change, firm, target)
    change.commit(result)
    return result


def remind(change: Change, firm: Firm, cpa_ids: Sequence[int] | None, days_mark: int | None = None) -> ReminderResult:
    """Inside `change` (which holds the write turn): remind each CPA in scope not reminded today."""
    session = change.session
    season = Season.of(session, firm)
    closed = rules.after_deadline(season.deadline, season.today)
    if closed:
        raise TransitionRefused(closed)
    template = _template(session, firm)
    found = candidates(session, season, cpa_ids)
    if cpa_ids is None:
        found = [c for c in found if rules.in_scope(c.status)]
    items: list[ReminderOutcome] = []
    for candidate in found:
        refusal = candidate.refusal
        if refusal is None:
            items.append(_remind_one(change, season, candidate, template, days_mark))
        else:
            items.append(_outcome(candidate.cpa, "skipped", refusal))
    known = {c.cpa.id for c in found}
    for missing in sorted(set(cpa_ids or ()) - known):
        items.append(
            ReminderOutcome(
                cpa_id=missing, cert_no=None, name=None, outcome="skipped", emailed=False, detail=rules.NOT_FOUND
            )
        )
    change.finish()
    sent = [i for i in items if i.outcome == "sent"]
    skipped = [i for i in items if i.outcome == "skipped"]
    return ReminderResult(
        sent=len(sent),
        emailed=sum(1 for i in sent if i.emailed),
        no_email=sum(1 for i in sent if not i.emailed),
        skipped_today=sum(1 for i in skipped if i.detail == rules.ALREADY_TODAY),
        skipped=len(skipped),
        items=items,
    )


def _outcome(cpa: Cpa, outcome: Any, detail: str | None, emailed: bool = False) -> ReminderOutcome:
    return ReminderOutcome(
        cpa_id=cpa.id, cert_no=cpa.cert_no, name=cpa.name, outcome=outcome, emailed=emailed, detail=detail
    )


def _remind_one(
    change: Change, season: Season, candidate: Candidate, template: str, days_mark: int | None
) -> ReminderOutcome:
    session, cpa = change.session, candidate.cpa
    title = rules.reminder_title(season.year)
    body = rules.render(template, season.values(cpa))
    message = Message(
        cpa_id=cpa.id, application_id=candidate.application_id, title=title, body=body, created_at=change.now
    )
    session.add(message)
    session.flush()
    mail = enqueue(session, cpa.email, title, body, MailKind.REMINDER) if cpa.email else None
    session.add(
        Reminder(
            firm_id=season.firm.id,
            cpa_id=cpa.id,
            year=season.year,
            china_day=season.today,
            sent_at=change.now,
            inbox_message_id=message.id,
            mail_id=mail.id if mail else None,
            actor_id=change.actor.member_no,
            actor_account_id=change.actor.account_id,
            actor_person=change.actor.person_name,
            days_mark=days_mark,
        )
    )
    # The trail of the CPA's application (if any) and the firm's 操作日志 name who reminded.
    application = session.get(Application, candidate.application_id) if candidate.application_id else None
    change.event(Action.REMIND, application=application, reason=f"提醒 {cpa.name}（{cpa.cert_no}）")
    change.touch_cpa(cpa.id)  # the row's 最近提醒 reaches the firm's next sync
    return _outcome(cpa, "sent", None if mail else rules.NO_EMAIL, emailed=mail is not None)


# --- the contact list ---


def contacts(session: Session, firm: Firm) -> list[ContactRow]:
    """Every CPA 注师待申请 lists this year, by certificate number, with phone, e-mail and reminders."""
    year = Season.of(session, firm).year
    statement = (
        select(
            Cpa,
            Application.state,
            rows.reminders_of(year, func.max(Reminder.sent_at)),
            rows.reminders_of(year, func.count(Reminder.id)),
        )
        .outerjoin(Application, (Application.cpa_id == Cpa.id) & (Application.year == year))
        .where(Cpa.firm_id == firm.id)
        .order_by(Cpa.cert_no)
    )
    found = []
    for cpa, state, last, count in session.execute(statement):
        status = state or NOT_APPLIED
        if rules.in_scope(status):
            found.append(
                ContactRow(
                    cpa_id=cpa.id,
                    name=cpa.name,
                    cert_no=cpa.cert_no,
                    phone=cpa.phone,
                    email=cpa.email,
                    status=status,
                    status_label=status_label(status),
                    last_reminded_at=last,
                    reminder_count=count or 0,
                )
            )
    return found


# --- automatic reminders ---


def run_auto_reminders(sessions: sessionmaker[Session]) -> int:
    """One round: every firm with automatic reminders on, at a day-mark not yet done, reminds its CPAs who
    have not applied (each day-mark once: `auto_reminder_runs` is unique per firm, year and mark)."""
    with sessions() as session:
        firm_ids = list(
            session.scalars(select(FirmReminderSettings.firm_id).where(FirmReminderSettings.auto_enabled.is_(True)))
        )
    reminded = 0
    for firm_id in firm_ids:
        with sessions() as session:
            try:
                reminded += _auto_remind(session, firm_id)
            except IntegrityError:  # another process did this day-mark at the same moment
                session.rollback()
    return reminded


def _auto_remind(session: Session, firm_id: int) -> int:
    firm = session.get_one(Firm, firm_id)
    season = Season.of(session, firm)
    mark = rules.auto_day_mark(season.deadline, season.today)
    if mark is None:
        return 0
    done = select(AutoReminderRun.id).where(
        AutoReminderRun.firm_id == firm.id, AutoReminderRun.year == season.year, AutoReminderRun.days_mark == mark
    )
    if session.scalar(done) is not None:
        return 0
    change = Change(session, firm_actor(firm))  # the firm, no person: the automatic reminder
    if session.scalar(done) is not None:  # checked again under the write turn
        return 0
    result = remind(change, firm, None, days_mark=mark)
    session.add(
        AutoReminderRun(firm_id=firm.id, year=season.year, days_mark=mark, run_at=change.now, reminded=result.sent)
    )
    change.commit()
    log.info("automatic reminders of firm %s at %s days: %s sent", firm.number, mark, result.sent)
    return result.sent


class AutoReminder(Periodic):
    """The automatic reminders, one round every `interval_s` seconds."""

    name = "cmis-auto-remind"

    def __init__(self, sessions: sessionmaker[Session], interval_s: float) -> None:
        super().__init__(interval_s)
        self.sessions = sessions

    def round(self) -> None:
        run_auto_reminders(self.sessions)
