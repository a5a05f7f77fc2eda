"""Which rows each of the firm's five tabs shows: the one rule behind the server's filters and the client's tabs."""

from __future__ import annotations

from dataclasses import dataclass

from firmdesk.domain.states import NOT_APPLIED, ApplicationState, BatchState, FirmTab

A = ApplicationState
B = BatchState

#: Application states listed in 注师待申请, besides CPAs with no application at all (`NOT_APPLIED`).
NOT_APPLIED_TAB_STATES = frozenset({A.DRAFT, A.FIRM_RETURNED, A.INSTITUTE_RETURNED})


@dataclass(frozen=True)
class TabScope:
    """What a tab lists. `None` means "any"; an empty set means the tab lists none of that kind.

    - `statuses`: CPA rows by their status (an `ApplicationState` value or `NOT_APPLIED`);
    - `row_batch_states`: CPA rows by the state of the batch they are in;
    - `batch_states`: the batches the tab lists.
    """

    statuses: frozenset[str] | None
    row_batch_states: frozenset[str] | None
    batch_states: frozenset[str] | None

    def has_cpa(self, status: str, batch_state: str | None = None) -> bool:
        if self.statuses is not None and status not in self.statuses:
            return False
        return self.row_batch_states is None or batch_state in self.row_batch_states

    def has_batch(self, state: str) -> bool:
        return self.batch_states is None or state in self.batch_states


def _values(*states: str) -> frozenset[str]:
    return frozenset(str(s) for s in states)


TAB_SCOPES: dict[FirmTab, TabScope] = {
    FirmTab.PENDING_REVIEW: TabScope(_values(A.PENDING_FIRM), None, frozenset()),
    FirmTab.NOT_APPLIED: TabScope(_values(NOT_APPLIED, *NOT_APPLIED_TAB_STATES), None, frozenset()),
    FirmTab.SUBMITTED: TabScope(_values(A.SUBMITTED), None, _values(B.SUBMITTED, B.REVIEWING, B.REVIEWED, B.WITHDRAWN)),
    FirmTab.RETURNED: TabScope(None, _values(B.RETURNED), _values(B.RETURNED)),
    FirmTab.QUERY: TabScope(None, None, None),
}


def tab_scope(tab: FirmTab | str) -> TabScope:
    return TAB_SCOPES[FirmTab(tab)]


def cpa_in_tab(tab: FirmTab | str, status: str, batch_state: str | None = None) -> bool:
    return tab_scope(tab).has_cpa(status, batch_state)


def batch_in_tab(tab: FirmTab | str, state: str) -> bool:
    return tab_scope(tab).has_batch(state)
