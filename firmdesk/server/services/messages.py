"""The CPA's inbox: returns (by the firm or the institute) notify the CPA with the reason."""

from __future__ import annotations

from firmdesk.server.db.models import Application, Message
from firmdesk.server.services.changes import Change


def notify_return(change: Change, application: Application, by: str, reason: str) -> None:
    change.session.add(
        Message(
            cpa_id=application.cpa_id,
            application_id=application.id,
            title=f"{application.year}年度年检申请被{by}退回",
            body=f"您的{application.year}年度年检申请被{by}（{change.actor.name}）退回。退回原因：{reason}\n"
            "请修改后再次申请。",
            created_at=change.now,
        )
    )


def notify_decision(change: Change, application: Application, label: str, reason: str | None) -> None:
    body = f"您的{application.year}年度年检结果：{label}。"
    if reason:
        body += f"原因：{reason}"
    change.session.add(
        Message(
            cpa_id=application.cpa_id,
            application_id=application.id,
            title=f"{application.year}年度年检结果：{label}",
            body=body,
            created_at=change.now,
        )
    )
