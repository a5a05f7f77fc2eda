"""Everything the firm's five tabs show for one year; which rows go to which tab is `firmdesk.domain.tabs`."""

from __future__ import annotations

from dataclasses import dataclass

from firmdesk.domain.states import FirmTab
from firmdesk.domain.tabs import tab_scope
from firmdesk.services.models import BatchRow, CpaRow


@dataclass(frozen=True)
class YearData:
    year: int
    cpas: tuple[CpaRow, ...] = ()
    batches: tuple[BatchRow, ...] = ()

    def cpas_in(self, tab: FirmTab) -> list[CpaRow]:
        """The CPA rows `tab` lists, in the server's order."""
        scope = tab_scope(tab)
        return [row for row in self.cpas if scope.has_cpa(row.status)]

    def batches_in(self, tab: FirmTab) -> list[BatchRow]:
        """The batches `tab` lists, in the server's order."""
        scope = tab_scope(tab)
        return [batch for batch in self.batches if scope.has_batch(batch.state)]
