"""The CPA's inbox: returns (by the firm or the institute) notify the CPA with the reason.

The texts are written here once; the demo data words its messages with the same functions."""

from __future__ import annotations

from firmdesk.domain.states import Role
from firmdesk.server.db.models import Application, Message
from firmdesk.server.services.changes import Change

#: Who returned an application, as the CPA's message says it.
RETURNED_BY = {Role.FIRM: "事务所", Role.INSTITUTE: "地方注协"}


def return_message(year: int, by: str, by_name: str, reason: str) -> tuple[str, str]:
    """Title and body of the message telling the CPA that `by` (事务所 or 地方注协, named `by_name`) returned."""
    title = f"{year}年度年检申请被{by}退回"
    body = f"您的{year}年度年检申请被{by}（{by_name}）退回。退回原因：{reason}\n请修改后再次申请。"
    return title, body


def decision_message(year: int, label: str, reason: str | None) -> tuple[str, str]:
    """Title and body of the message telling the CPA the institute's decision (`label`, e.g. 年检通过)."""
    body = f"您的{year}年度年检结果：{label}。"
    if reason:
        body += f"原因：{reason}"
    return f"{year}年度年检结果：{label}", body


def notify_return(change: Change, application: Application, by: Role, reason: str) -> None:
    _notify(change, application, return_message(application.year, RETURNED_BY[by], change.actor.name, reason))


def notify_decision(change: Change, application: Application, label: str, reason: str | None) -> None:
    _notify(change, application, decision_message(application.year, label, reason))


def on_behalf_message(year: int, firm_name: str, person: str | None) -> tuple[str, str]:
    """Title and body of the message telling the CPA that the firm filed the application for them (代提请)."""
    by = f"{firm_name}（{person}）" if person else firm_name
    title = f"{year}年度年检申请已由事务所代提请"
    body = (
        f"{by}已为您代提请{year}年度年检申请，现待事务所审核。"
        "代提请未经人脸认证，地方注协可能要求您进行线下人工核验。如非本人授权，请立即联系事务所或地方注协。"
    )
    return title, body


def notify_on_behalf(change: Change, application: Application, firm_name: str) -> None:
    _notify(change, application, on_behalf_message(application.year, firm_name, change.actor.person_name))


def _notify(change: Change, application: Application, message: tuple[str, str]) -> None:
    """A message (title, body) into the inbox of the application's CPA."""
    title, body = message
    change.session.add(
        Message(
            cpa_id=application.cpa_id,
            application_id=application.id,
            title=title,
            body=body,
            created_at=change.now,
        )
    )
