"""Loads one year of the firm's data (CPA rows, batches, summary) off the UI thread, in parallel parts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from firmdesk.services.api_client import CmisClient
from firmdesk.services.models import BatchRow, CpaRow, FirmSummary
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.year_data import YearData


class YearLoader(QObject):
    """`load(year)` starts three requests; each part is shown as it arrives. A newer load drops older answers."""

    data_changed = Signal(object, str)  # YearData, and which part arrived: "cpas" or "batches"
    summary_loaded = Signal(object)  # FirmSummary
    part_failed = Signal(object)  # the exception of one failed part
    started = Signal(int)  # year
    finished = Signal(int, bool)  # year, every part succeeded
    synced = Signal(object)  # the local time of the last fully successful load

    def __init__(self, client: CmisClient, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._runner = runner
        self._generation = 0
        self._outstanding = 0
        self._all_ok = True
        self._year: int | None = None
        self.data: YearData | None = None
        self.summary: FirmSummary | None = None
        self.last_sync: datetime | None = None

    @property
    def busy(self) -> bool:
        return self._outstanding > 0

    @property
    def year(self) -> int | None:
        return self._year

    def load(self, year: int) -> None:
        self._generation += 1
        generation = self._generation
        if self._year != year:
            self.data = None
        self._year = year
        self._outstanding = 3
        self._all_ok = True
        self.started.emit(year)
        client = self._client

        def cpas() -> tuple[CpaRow, ...]:
            return client.cpas(year, page_size=10000).items

        def batches() -> tuple[BatchRow, ...]:
            return client.batches(year, None).items

        def summary() -> FirmSummary:
            return client.summary(year)

        self._run(generation, cpas, lambda rows: self._merge(year, cpas=rows))
        self._run(generation, batches, lambda rows: self._merge(year, batches=rows))
        self._run(generation, summary, self._summary_arrived)

    def _run(self, generation: int, fn: Callable[[], Any], on_result: Callable[[Any], None]) -> None:
        def success(result: Any) -> None:
            if generation == self._generation:
                on_result(result)
                self._part_done(ok=True)

        def failure(exc: BaseException) -> None:
            if generation == self._generation:
                self.part_failed.emit(exc)
                self._part_done(ok=False)

        self._runner.run(fn, success, failure, owner=self)

    def _merge(self, year: int, **parts: Any) -> None:
        base = self.data if self.data is not None and self.data.year == year else YearData(year)
        self.data = replace(base, **parts)
        for part in parts:
            self.data_changed.emit(self.data, part)

    def _summary_arrived(self, summary: FirmSummary) -> None:
        self.summary = summary
        self.summary_loaded.emit(summary)

    def _part_done(self, *, ok: bool) -> None:
        self._all_ok = self._all_ok and ok
        self._outstanding -= 1
        if self._outstanding == 0:
            assert self._year is not None
            if self._all_ok:
                self.last_sync = datetime.now().astimezone()
                self.synced.emit(self.last_sync)
            self.finished.emit(self._year, self._all_ok)
