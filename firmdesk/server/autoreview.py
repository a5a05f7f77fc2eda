"""Auto-review (demo mode): a background thread decides submitted batches as their institute.

Batches older than `auto_review_delay_s` are mostly approved whole; about 15% (decided by a hash
of the batch number and version, so a run is repeatable) get one CPA returned, or the whole batch
returned once, with a plausible reason. The events are the institute's.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.errors import DomainError
from firmdesk.domain.states import Action, BatchState, Decision
from firmdesk.server.context import ServerContext
from firmdesk.server.db.models import Batch, Event, Firm, Institute
from firmdesk.server.periodic import Periodic
from firmdesk.server.services import institute_actions
from firmdesk.server.services.actors import institute_actor
from firmdesk.server.services.batch_members import open_members
from firmdesk.server.services.clock import utcnow
from firmdesk.server.services.commands import Decide, ReturnBatch

log = logging.getLogger(__name__)

BATCH_RETURN_REASONS = (
    "社保证明材料不清晰，请重新上传",
    "社保证明材料与申请人员名单不一致，请核对后重新上传",
    "社保证明材料缺少事务所盖章，请补充后再次申请",
)
CPA_RETURN_REASONS = (
    "继续教育证明材料不清晰，请重新上传",
    "培训学时证明与系统记录不一致，请核实后再次申请",
    "执业情况说明未签字，请补充后再次申请",
)


def _roll(batch: Batch) -> int:
    digest = hashlib.sha256(f"{batch.number}/{batch.version}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100


class AutoReviewer(Periodic):
    name = "cmis-auto-review"

    def __init__(self, context: ServerContext, poll_s: float | None = None) -> None:
        delay = context.settings.auto_review_delay_s
        super().__init__(poll_s if poll_s is not None else min(2.0, max(0.2, delay / 4)))
        self.context = context
        # Only batches submitted while this server runs are reviewed: the demo's seeded
        # 待审核 batches must stay as they are for the user to see and withdraw.
        self.started_at = utcnow()

    def round(self) -> None:
        self.review_due()

    def review_due(self) -> int:
        """Decide every batch that is due; returns how many were decided."""
        cutoff = utcnow() - timedelta(seconds=self.context.settings.auto_review_delay_s)
        with self.context.read_sessions() as session:
            due = list(
                session.scalars(
                    select(Batch.id)
                    .where(
                        Batch.state == BatchState.SUBMITTED.value,
                        Batch.updated_at <= cutoff,
                        Batch.updated_at >= self.started_at,
                    )
                    .order_by(Batch.id)
                    .limit(50)
                )
            )
        decided = 0
        for batch_id in due:
            if self._stop.is_set():
                break
            with self.context.write_sessions() as session:
                try:
                    decided += self._review(session, batch_id)
                except DomainError as error:  # e.g. withdrawn meanwhile: nothing to do
                    session.rollback()
                    log.info("auto-review skipped batch %s: %s", batch_id, error.message)
        return decided

    def _review(self, session: Session, batch_id: int) -> int:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.state != BatchState.SUBMITTED.value:
            return 0
        firm = session.get_one(Firm, batch.firm_id)
        actor = institute_actor(session.get_one(Institute, firm.institute_id))
        returned_before = session.scalar(
            select(Event.id).where(
                Event.batch_id == batch.id, Event.action == Action.RETURN_BATCH.value, Event.application_id.is_(None)
            )
        )
        roll = _roll(batch)
        members = open_members(session, batch)
        if roll < 7 and not returned_before:
            institute_actions.return_batch(session, batch, actor, ReturnBatch(BATCH_RETURN_REASONS[roll % 3]))
            return 1
        if roll < 15 and len(members) > 1:
            institute_actions.decide(session, members[0], actor, Decide(Decision.RETURN, CPA_RETURN_REASONS[roll % 3]))
            batch = session.get_one(Batch, batch_id)
        institute_actions.approve_all(session, batch, actor)
        return 1
