"""Which rows each of the firm's five tabs lists."""

from __future__ import annotations

import itertools

import pytest

from firmdesk.domain.states import FINAL_APPLICATION_STATES, NOT_APPLIED, ApplicationState, BatchState, FirmTab
from firmdesk.domain.tabs import TAB_SCOPES, batch_in_tab, cpa_in_tab, tab_scope

A = ApplicationState
B = BatchState

EVERY_STATUS = [NOT_APPLIED, *ApplicationState]
BATCH_STATES_OR_NONE: list[BatchState | None] = [None, *BatchState]

#: The tabs that list CPAs by their application's status, and the statuses each lists (written out here).
STATUS_TABS = {
    FirmTab.PENDING_REVIEW: {A.PENDING_FIRM},
    FirmTab.NOT_APPLIED: {NOT_APPLIED, A.DRAFT, A.FIRM_RETURNED, A.INSTITUTE_RETURNED},
    FirmTab.SUBMITTED: {A.SUBMITTED},
}
#: The tabs that list batches, and the batch states each lists.
BATCH_TABS = {
    FirmTab.SUBMITTED: {B.SUBMITTED, B.REVIEWING, B.REVIEWED, B.WITHDRAWN},
    FirmTab.RETURNED: {B.RETURNED},
}


def test_every_tab_has_a_scope() -> None:
    assert set(TAB_SCOPES) == set(FirmTab)


@pytest.mark.parametrize(("status", "batch_state"), list(itertools.product(EVERY_STATUS, BATCH_STATES_OR_NONE)))
def test_a_cpa_is_listed_by_the_status_tabs_that_name_its_status(status: str, batch_state: B | None) -> None:
    for tab, statuses in STATUS_TABS.items():
        assert cpa_in_tab(tab, status, batch_state) == (status in statuses), tab


@pytest.mark.parametrize(
    "status", [NOT_APPLIED, A.DRAFT, A.PENDING_FIRM, A.FIRM_RETURNED, A.SUBMITTED, A.INSTITUTE_RETURNED]
)
def test_a_cpa_still_in_progress_is_in_exactly_one_status_tab(status: str) -> None:
    assert [tab for tab in STATUS_TABS if cpa_in_tab(tab, status)] != []
    assert len([tab for tab in STATUS_TABS if cpa_in_tab(tab, status)]) == 1


@pytest.mark.parametrize("status", sorted(FINAL_APPLICATION_STATES))
def test_a_decided_cpa_is_found_only_in_the_query_tab(status: str) -> None:
    assert [tab for tab in FirmTab if cpa_in_tab(tab, status, B.REVIEWED)] == [FirmTab.QUERY]


@pytest.mark.parametrize(("status", "batch_state"), list(itertools.product(EVERY_STATUS, BATCH_STATES_OR_NONE)))
def test_the_returned_tab_lists_the_cpas_of_returned_batches(status: str, batch_state: B | None) -> None:
    assert cpa_in_tab(FirmTab.RETURNED, status, batch_state) == (batch_state is B.RETURNED)


@pytest.mark.parametrize(("status", "batch_state"), list(itertools.product(EVERY_STATUS, BATCH_STATES_OR_NONE)))
def test_the_query_tab_lists_every_cpa(status: str, batch_state: B | None) -> None:
    assert cpa_in_tab(FirmTab.QUERY, status, batch_state)


@pytest.mark.parametrize("state", list(BatchState))
def test_each_batch_is_in_exactly_one_of_the_batch_tabs_and_in_the_query_tab(state: B) -> None:
    assert [tab for tab in BATCH_TABS if batch_in_tab(tab, state)] == [t for t, s in BATCH_TABS.items() if state in s]
    assert len([tab for tab in BATCH_TABS if batch_in_tab(tab, state)]) == 1
    assert batch_in_tab(FirmTab.QUERY, state)


@pytest.mark.parametrize("tab", [FirmTab.PENDING_REVIEW, FirmTab.NOT_APPLIED])
def test_the_tabs_before_submission_list_no_batches(tab: FirmTab) -> None:
    assert not any(batch_in_tab(tab, state) for state in BatchState)


def test_a_tab_may_be_named_by_its_contract_string() -> None:
    assert tab_scope("pending_review") is TAB_SCOPES[FirmTab.PENDING_REVIEW]
    assert cpa_in_tab("not_applied", NOT_APPLIED)
    with pytest.raises(ValueError):
        tab_scope("archive")
