"""The table models and the filter proxy: Qt's model rules (qtmodeltester), checks, search and status."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt

from firmdesk.domain.states import status_label
from firmdesk.services.models import BatchRow, CpaRow
from firmdesk.ui.models.batch_columns import SUBMITTED_COLUMNS, batch_model
from firmdesk.ui.models.cpa_columns import PENDING_REVIEW_COLUMNS, QUERY_COLUMNS, cpa_model
from firmdesk.ui.models.filter_proxy import RecordFilterProxy
from firmdesk.ui.models.roles import RECORD_ROLE

STATUSES = ["none", "draft", "pending_firm", "firm_returned", "submitted", "approved"]
NAMES = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨帆"]


def cpa(i: int, status: str) -> CpaRow:
    return CpaRow(
        cpa_id=i,
        cert_no=f"50010028{i:04d}",
        name=NAMES[i % len(NAMES)],
        gender="男" if i % 2 else "女",
        birth_date=date(1970 + i % 30, 1, 1),
        year=2025,
        application_id=None if status == "none" else 100 + i,
        status=status,
        status_label=status_label(status),
        retired=i % 7 == 0,
        training_hours=30.0 + i,
        batch_id=None,
        batch_number=None,
        reason=None,
        submitted_at=datetime(2026, 2, 1, 8, i % 60, tzinfo=UTC),
        decided_at=None,
        updated_at=datetime(2026, 2, 1, 9, i % 60, tzinfo=UTC),
        attachment_count=i % 4,
        version=1,
    )


ROWS = [cpa(i, STATUSES[i % len(STATUSES)]) for i in range(1, 37)]


def test_cpa_model_follows_the_qt_model_rules(qtmodeltester: Any) -> None:
    model = cpa_model(QUERY_COLUMNS)
    model.set_records(ROWS)
    qtmodeltester.check(model)


def test_checkable_model_and_proxy_follow_the_qt_model_rules(qtmodeltester: Any) -> None:
    model = cpa_model(PENDING_REVIEW_COLUMNS, checkable=True)
    model.set_records(ROWS)
    model.set_checked([0, 3], True)
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("张")
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)


def test_batch_model_follows_the_qt_model_rules(qtmodeltester: Any) -> None:
    batches = [
        BatchRow(
            i,
            f"50010028-2025-{i}",
            "50010028",
            "重庆正宏会计师事务所有限责任公司",
            2025,
            datetime(2026, 2, i, tzinfo=UTC),
            None,
            "submitted",
            "待审核",
            5,
            None,
            1,
        )
        for i in range(1, 6)
    ]
    model = batch_model(SUBMITTED_COLUMNS)
    model.set_records(batches)
    qtmodeltester.check(model)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == [
        "序号", "年检批次编号", "事务所名称", "年检年度", "申请时间", "处理状态",
    ]  # fmt: skip


def test_checks_survive_a_reload_of_the_same_rows() -> None:
    model = cpa_model(PENDING_REVIEW_COLUMNS, checkable=True)
    model.set_records(ROWS)
    model.setData(model.index(2, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert [r.cpa_id for r in model.checked_records()] == [ROWS[2].cpa_id]
    model.set_records(list(reversed(ROWS)))
    assert [r.cpa_id for r in model.checked_records()] == [ROWS[2].cpa_id]
    model.set_records(ROWS[3:])  # the checked CPA left the tab: its check goes too
    assert model.checked_count() == 0


def test_proxy_filters_by_name_cert_number_and_status() -> None:
    model = cpa_model(QUERY_COLUMNS)
    model.set_records(ROWS)
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)

    def shown() -> list[CpaRow]:
        return [proxy.index(r, 0).data(RECORD_ROLE) for r in range(proxy.rowCount())]

    proxy.set_search("王芳")
    assert shown() and all(r.name == "王芳" for r in shown())
    proxy.set_search(ROWS[5].cert_no)
    assert shown() == [ROWS[5]]
    cert = ROWS[5].cert_no
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in cert)  # what a Chinese input method types: ５００１…
    for typed in (full_width, f"  {cert[:4]} {cert[4:8]}-{cert[8:]}　", f"{cert[:6]}－{cert[6:]}"):
        proxy.set_search(typed)
        assert shown() == [ROWS[5]], typed
    proxy.set_search("")
    proxy.set_status("approved")
    assert {r.status for r in shown()} == {"approved"}
    assert len(shown()) == sum(r.status == "approved" for r in ROWS)
    proxy.set_status(None)
    assert len(shown()) == len(ROWS)


def test_row_number_counts_visible_rows_after_sorting() -> None:
    model = cpa_model(QUERY_COLUMNS)
    model.set_records(ROWS)
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)
    name_column = next(i for i, c in enumerate(QUERY_COLUMNS) if c.key == "training_hours")
    proxy.sort(name_column, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["1", "2", "3"]
    hours = [proxy.index(r, 0).data(RECORD_ROLE).training_hours for r in range(proxy.rowCount())]
    assert hours == sorted(hours, reverse=True)


def test_names_sort_by_pinyin_and_statuses_in_workflow_order() -> None:
    from dataclasses import replace

    from firmdesk.ui.models.cpa_columns import STATUS_ORDER

    names = ["王芳", "丁建", "阿强", "张三", "白云", "付琴秀"]
    rows = [replace(ROWS[i], cpa_id=1000 + i, name=n) for i, n in enumerate(names)]
    model = cpa_model(QUERY_COLUMNS)
    model.set_records(rows + ROWS)
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)

    def column(key: str) -> int:
        return next(i for i, c in enumerate(QUERY_COLUMNS) if c.key == key)

    proxy.set_search("")
    proxy.sort(column("name"), Qt.SortOrder.AscendingOrder)
    shown = [proxy.index(r, 0).data(RECORD_ROLE) for r in range(proxy.rowCount())]
    assert [r.name for r in shown if r.cpa_id >= 1000] == ["阿强", "白云", "丁建", "付琴秀", "王芳", "张三"]  # pinyin
    proxy.sort(column("status"), Qt.SortOrder.AscendingOrder)
    statuses = [proxy.index(r, 0).data(RECORD_ROLE).status for r in range(proxy.rowCount())]
    assert [STATUS_ORDER[s] for s in statuses] == sorted(STATUS_ORDER[s] for s in statuses)


def _column(columns: list[Any], key: str) -> int:
    return next(i for i, c in enumerate(columns) if c.key == key)


def _shown(proxy: RecordFilterProxy) -> list[CpaRow]:
    return [proxy.index(r, 0).data(RECORD_ROLE) for r in range(proxy.rowCount())]


def _many_rows() -> list[CpaRow]:
    """Rows with repeated and distinct names, mixed cert number lengths, hours with ties, empty dates."""
    from dataclasses import replace

    names = ["王芳", "丁建", "阿强", "张三", "白云", "付琴秀", "欧阳明", "李娜", "Zoe", "abc", "王芳"]
    return [
        replace(
            cpa(i, STATUSES[i % len(STATUSES)]),
            name=names[i % len(names)],
            cert_no=str(10 ** (i % 5) + i),  # 2, 11, 102, …: digits as numbers, not as text
            training_hours=float(i % 7),
            decided_at=None if i % 3 else datetime(2026, 3, 1 + i % 20, tzinfo=UTC),
        )
        for i in range(120)
    ]


def test_every_column_sorts_in_its_order_both_ways_and_ties_keep_the_model_order() -> None:
    from firmdesk.ui.models.record_table import _COLLATOR

    rows = _many_rows()
    model = cpa_model(QUERY_COLUMNS)
    model.set_records(rows)
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)
    position = {r.cpa_id: i for i, r in enumerate(rows)}
    for section, column in enumerate(QUERY_COLUMNS):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            proxy.sort(section, order)
            shown = _shown(proxy)
            assert sorted(r.cpa_id for r in shown) == sorted(r.cpa_id for r in rows)
            for a, b in pairwise(shown):
                if order == Qt.SortOrder.DescendingOrder:
                    a, b = b, a
                if column.row_number:
                    assert position[a.cpa_id] < position[b.cpa_id] if order == Qt.SortOrder.AscendingOrder else True
                    continue
                if column.sort is not None:
                    ka, kb = column.sort(a), column.sort(b)
                    assert ka <= kb, (column.key, ka, kb)
                    tied = ka == kb
                else:  # text: the Chinese collator's order (pinyin, numbers by value)
                    comparison = _COLLATOR.compare(column.text(a), column.text(b))
                    assert comparison <= 0, (column.key, column.text(a), column.text(b))
                    tied = column.text(a) == column.text(b)
                if tied and order == Qt.SortOrder.AscendingOrder:
                    assert position[a.cpa_id] < position[b.cpa_id], column.key  # stable
                if tied and order == Qt.SortOrder.DescendingOrder:
                    assert position[a.cpa_id] > position[b.cpa_id], column.key  # stable the other way too
    proxy.sort(_column(QUERY_COLUMNS, "cert_no"), Qt.SortOrder.AscendingOrder)
    assert [r.cert_no for r in _shown(proxy)][:4] == ["1", "6", "11", "11"]  # by value: "6" before "11"
    proxy.sort(_column(QUERY_COLUMNS, "training_hours"), Qt.SortOrder.DescendingOrder)
    assert [r.training_hours for r in _shown(proxy)][:2] == [6.0, 6.0]
    proxy.sort(-1, Qt.SortOrder.AscendingOrder)
    assert _shown(proxy) == rows  # no sort column: the model's (server's) order


def test_sorting_combines_with_the_search_and_the_status_filter(qtmodeltester: Any) -> None:
    rows = _many_rows()
    model = cpa_model(QUERY_COLUMNS)
    model.set_records(rows)
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)  # stays attached: checks each layout change below
    proxy.sort(_column(QUERY_COLUMNS, "name"), Qt.SortOrder.DescendingOrder)
    proxy.set_search("王")
    proxy.set_status("approved")
    expected = [r for r in rows if "王" in r.name and r.status == "approved"]
    assert _shown(proxy) == expected  # one name: the model's order
    proxy.set_search("")
    shown = _shown(proxy)
    assert {r.cpa_id for r in shown} == {r.cpa_id for r in rows if r.status == "approved"}
    assert [proxy.index(r, 0).data() for r in range(3)] == ["1", "2", "3"]
    model.set_records(rows[:50])  # a reload keeps the sort and the filters
    assert {r.cpa_id for r in _shown(proxy)} == {r.cpa_id for r in rows[:50] if r.status == "approved"}
    assert proxy.sort_column() == _column(QUERY_COLUMNS, "name")
    qtmodeltester.check(proxy)


def test_the_check_box_column_sorts_and_a_new_check_moves_its_row(qtmodeltester: Any) -> None:
    model = cpa_model(PENDING_REVIEW_COLUMNS, checkable=True)
    model.set_records(ROWS)
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    model.set_checked([4, 9], True)
    proxy.sort(0, Qt.SortOrder.DescendingOrder)
    assert [r.cpa_id for r in _shown(proxy)[:2]] == [ROWS[4].cpa_id, ROWS[9].cpa_id]
    model.set_checked([20], True)
    assert [r.cpa_id for r in _shown(proxy)[:3]] == [ROWS[4].cpa_id, ROWS[9].cpa_id, ROWS[20].cpa_id]
    index = proxy.index(0, 0)
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked


def test_selection_and_current_row_stay_on_their_records_across_sort_and_filter(qtbot: Any) -> None:
    from firmdesk.ui.tabs.query_tab import QueryTab

    rows = _many_rows()
    tab = QueryTab()
    qtbot.addWidget(tab)
    tab.model.set_records(rows)
    chosen = [rows[3], rows[40], rows[77]]
    selection = tab.table.selectionModel()
    from PySide6.QtCore import QItemSelectionModel

    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for record in chosen:
        index = tab.proxy.mapFromSource(tab.model.index(rows.index(record), 1))
        selection.select(index, flags)
    selection.setCurrentIndex(
        tab.proxy.mapFromSource(tab.model.index(rows.index(rows[40]), 1)), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    for key in ("name", "cert_no", "training_hours", "decided_at"):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            tab.table.sortByColumn(_column(QUERY_COLUMNS, key), order)
            assert {r.cpa_id for r in tab.selected_records()} == {r.cpa_id for r in chosen}, key
            assert tab.current_record() == rows[40]
    tab.search_box.setText(rows[40].cert_no)  # a filter keeps the selected rows it still shows
    assert tab.selected_records() == [rows[40]] and tab.current_record() == rows[40]
    tab.search_box.setText("")
    assert rows[40] in tab.selected_records()
    assert tab.shown_count() == len(rows)


def test_painting_data_is_made_once_per_row() -> None:
    """What a paint asks for is made once: the same text and brush objects come back each time."""
    model = cpa_model(QUERY_COLUMNS)
    model.set_records(ROWS)
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)
    status = _column(QUERY_COLUMNS, "status")
    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole):
        first, second = proxy.index(2, status).data(role), proxy.index(2, status).data(role)
        assert first is not None and first == second
    assert model.cell(2, _column(QUERY_COLUMNS, "name"), Qt.ItemDataRole.DisplayRole) is model.cell(
        2, _column(QUERY_COLUMNS, "name"), Qt.ItemDataRole.DisplayRole
    )
