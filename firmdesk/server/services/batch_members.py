"""The applications still open in a batch: not withdrawn, not returned alone, not yet decided."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.states import ApplicationState
from firmdesk.server.db.models import Application, Batch


def open_members(session: Session, batch: Batch) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(Application.batch_id == batch.id, Application.state == ApplicationState.SUBMITTED.value)
            .order_by(Application.id)
            .with_for_update()
        )
    )
