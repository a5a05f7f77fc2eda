"""Everything the firm's five tabs show for one year, and which rows go to which tab (domain rules)."""

from __future__ import annotations

from dataclasses import dataclass

from firmdesk.domain.states import NOT_APPLIED, ApplicationState, BatchState
from firmdesk.domain.tabs import NOT_APPLIED_TAB_STATES
from firmdesk.services.models import BatchRow, CpaRow

SUBMITTED_TAB_BATCH_STATES = frozenset(
    {BatchState.SUBMITTED, BatchState.REVIEWING, BatchState.REVIEWED, BatchState.WITHDRAWN}
)
RETURNED_TAB_BATCH_STATES = frozenset({BatchState.RETURNED})


def is_pending_review(row: CpaRow) -> bool:
    return row.status == ApplicationState.PENDING_FIRM


def is_not_applied(row: CpaRow) -> bool:
    return row.status == NOT_APPLIED or row.status in NOT_APPLIED_TAB_STATES


def in_submitted_tab(batch: BatchRow) -> bool:
    return batch.state in SUBMITTED_TAB_BATCH_STATES


def in_returned_tab(batch: BatchRow) -> bool:
    return batch.state in RETURNED_TAB_BATCH_STATES


@dataclass(frozen=True)
class YearData:
    year: int
    cpas: tuple[CpaRow, ...] = ()
    batches: tuple[BatchRow, ...] = ()
