"""Prints FirmDesk's performance figures: `python benchmarks/run.py --cpas 5000 --json` prints one JSON object.

Each measurement is a function of a `Bench` context returning named figures (seconds end in `_s`);
`MEASUREMENTS` lists them, so a new one (e.g. a full sync) is one function and one line. The Excel and table
figures use fictional CPAs made in-process (`Bench.rows`); the QR figures use a real generated firm
(`Bench.firm_rows`: `firmdesk-server generate-firm`, served, synced: the server's own 43-character tokens).
Figures are wall-clock seconds; where a figure is the best of `--repeat` runs it says so in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from firmdesk.services.models import CpaRow

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling scripts, not a package

# Heavier modules are imported inside the measurements: the QR export's worker processes ("spawn")
# import this script again, and should pay only for what a worker needs.
if TYPE_CHECKING:
    from firmdesk.services.excel_export import ExcelTable
    from firmdesk.services.qr_labels import QrLabel

FIRM_NAME = "重庆示例会计师事务所"
YEAR = 2025


@dataclass
class Bench:
    cpas: int
    repeat: int
    workdir: Path
    _rows: list[CpaRow] | None = None
    _firm_rows: list[CpaRow] | None = None

    @property
    def rows(self) -> list[CpaRow]:
        if self._rows is None:
            self._rows = synthetic_cpa_rows(self.cpas)
        return self._rows

    @property
    def firm_rows(self) -> list[CpaRow]:
        """The rows of a real generated firm of `cpas` CPAs, as the client syncs them (made once a run)."""
        if self._firm_rows is None:
            from generated_firm import firm_rows, running_firm

            folder = Path(tempfile.mkdtemp(dir=self.workdir))
            with running_firm(self.cpas, folder) as base_url:
                self._firm_rows = firm_rows(base_url, folder)
        return self._firm_rows


Measurement = Callable[[Bench], dict[str, float]]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高欧阳司马"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红"
_STATES = [
    ("approved", "年检通过"),
    ("submitted", "已提交省注协"),
    ("pending_firm", "待事务所审核"),
    ("none", "未申请"),
]


def synthetic_cpa_rows(n: int, seed: int = 1) -> list[CpaRow]:
    """`n` fictional CPAs of the demo firm for one year, every column filled the way the server fills it."""
    rnd = random.Random(seed)
    start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    rows = []
    for i in range(n):
        status, label = rnd.choice(_STATES)
        submitted = start + timedelta(minutes=rnd.randint(0, 60 * 24 * 60)) if status != "none" else None
        rows.append(
            CpaRow(
                cpa_id=i + 1,
                cert_no=f"5001{i:08d}",
                name=rnd.choice(_SURNAMES) + "".join(rnd.choice(_GIVEN) for _ in range(rnd.randint(1, 2))),
                gender=rnd.choice("男女"),
                birth_date=date(1950 + rnd.randint(0, 48), rnd.randint(1, 12), rnd.randint(1, 28)),
                year=YEAR,
                application_id=i + 1 if status != "none" else None,
                status=status,
                status_label=label,
                retired=rnd.random() < 0.1,
                training_hours=float(rnd.randint(20, 90)),
                batch_id=rnd.randint(1, 40) if status in {"approved", "submitted"} else None,
                batch_number=f"50010028-{YEAR}-{rnd.randint(1, 40)}" if status in {"approved", "submitted"} else None,
                reason="材料不全，请补充社保证明材料" if rnd.random() < 0.05 else None,
                submitted_at=submitted,
                decided_at=submitted + timedelta(days=3) if submitted and status == "approved" else None,
                updated_at=submitted,
                attachment_count=rnd.randint(0, 6),
                version=rnd.randint(1, 4),
            )
        )
    return rows


def qr_labels(rows: list[CpaRow]) -> list[QrLabel]:
    """The labels FirmDesk prints: each CPA's verification URL as the server issued it, name, certificate."""
    from firmdesk.services.qr_labels import QrLabel

    labels = [QrLabel(row.qr_url, row.name, row.cert_no) for row in rows if row.qr_url]
    assert len(labels) == len(rows), "every synced row carries its server-issued qr_url"
    return labels


def qr_shape(labels: list[QrLabel]) -> dict[str, float]:
    """What the labels are: token length, QR version of the longest URL, label size in pixels."""
    from firmdesk.domain.qr_matrix import version_for
    from firmdesk.services.qr_codes import LabelRenderer

    longest = max(labels, key=lambda label: len(label.url.encode()))
    height, width = LabelRenderer().render(longest).shape
    return {
        "qr_token_chars": max(len(label.url.rsplit("/", 1)[1]) for label in labels),
        "qr_version": version_for(longest.url.encode()),
        "qr_label_w_px": width,
        "qr_label_h_px": height,
    }


def measure_qr(bench: Bench) -> dict[str, float]:
    """5,000 labelled PNGs into a folder: cold (empty cache, includes starting the workers), then the same
    export again (nothing changed), then a .zip from the cache. Best of `repeat` rounds, each from scratch;
    `qr_cold_cpu_s` is the CPU time of the best cold round (this process and its workers)."""
    from firmdesk.services.progress import TaskState
    from firmdesk.services.qr_codes import LabelRenderer
    from firmdesk.services.qr_export import export_qr_folder, export_qr_zip
    from firmdesk.services.qr_images import QrImageCache

    labels = qr_labels(bench.firm_rows)
    renderer = LabelRenderer()
    rounds = []
    for _ in range(bench.repeat):
        root = Path(tempfile.mkdtemp(dir=bench.workdir))
        cache = QrImageCache(root / "cache")
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        cold = export_qr_folder(labels, root / "out", TaskState(), renderer=renderer, cache=cache)
        cold_s = time.perf_counter() - started
        cold_cpu_s = _cpu_seconds() - cpu_before
        assert cold.rendered == len(labels)
        started = time.perf_counter()
        warm = export_qr_folder(labels, root / "out", TaskState(), renderer=renderer, cache=cache)
        warm_s = time.perf_counter() - started
        assert warm.rendered == 0 and warm.unchanged == len(labels)
        started = time.perf_counter()
        export_qr_zip(labels, root / "codes.zip", TaskState(), renderer=renderer, cache=cache)
        zip_s = time.perf_counter() - started
        rounds.append((cold_s, cold_cpu_s, warm_s, zip_s))
    best_cold = min(rounds)
    return {
        **qr_shape(labels),
        "qr_codes": len(labels),
        "qr_cold_median_s": statistics.median(r[0] for r in rounds),
        "qr_cold_s": best_cold[0],
        "qr_cold_cpu_s": best_cold[1],
        "qr_warm_s": min(r[2] for r in rounds),
        "qr_warm_zip_s": min(r[3] for r in rounds),
    }


def measure_qr_sheet(bench: Bench) -> dict[str, float]:
    """The A4 PDF label sheet of every CPA, the images already in the cache; its pages counted in the file."""
    from firmdesk.services.progress import TaskState
    from firmdesk.services.qr_codes import LabelRenderer
    from firmdesk.services.qr_images import QrImageCache, render_many
    from firmdesk.services.qr_sheet import export_qr_sheet

    labels = qr_labels(bench.firm_rows)
    renderer = LabelRenderer()
    cache = QrImageCache(Path(tempfile.mkdtemp(dir=bench.workdir)))
    for _ in render_many(labels, TaskState(), renderer=renderer, cache=cache):
        pass  # fill the cache: the sheet's own work is what is measured
    started = time.perf_counter()
    export_qr_sheet(labels, bench.workdir / "sheet.pdf", TaskState(), renderer=renderer, cache=cache)
    took = time.perf_counter() - started
    pages = pdf_page_count(bench.workdir / "sheet.pdf")
    return {"qr_sheet_pages": pages, "qr_sheet_labels_per_page": len(labels) / pages, "qr_sheet_s": took}


def pdf_page_count(path: Path) -> int:
    """Page objects in the PDF file (`/Type /Page`, not `/Pages`), and the page tree's own count agreeing."""
    data = path.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    assert counts == [pages], (counts, pages)
    return pages


def _cpu_seconds() -> float:
    """User + system time of this process and its finished children (0 where the platform cannot tell)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_excel(bench: Bench) -> dict[str, float]:
    """The query tab's 14 columns for every CPA: this exporter against xlsxwriter writing the same sheet."""
    from firmdesk.services.excel_export import CPA_COLUMNS, cpa_table, export_excel

    table = cpa_table(bench.rows, list(CPA_COLUMNS), FIRM_NAME, YEAR)
    ours, theirs = [], []
    for n in range(bench.repeat):  # interleaved, best of each: the machine is shared
        started = time.perf_counter()
        export_excel(table, bench.workdir / f"ours{n}.xlsx")
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        write_with_xlsxwriter(table, bench.workdir / f"xlsxwriter{n}.xlsx")
        theirs.append(time.perf_counter() - started)
    return {
        "excel_rows": len(table.rows),
        "excel_s": min(ours),
        "xlsxwriter_s": min(theirs),
        "excel_ratio": min(ours) / min(theirs),
    }


def write_with_xlsxwriter(table: ExcelTable, path: Path) -> None:
    """The same sheet as `export_excel` (title, header style, typed cells, widths, frozen header, filter)."""
    import xlsxwriter  # dev dependency: only for this comparison

    from firmdesk.services.excel_export import column_widths, title_text

    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(str(path), options)
    sheet = book.add_worksheet(table.sheet_title)
    title = book.add_format({"bold": True, "font_size": 13})
    header = book.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "align": "center", "valign": "vcenter", "text_wrap": True, "bottom": 1}
    )
    formats = {
        date: book.add_format({"num_format": "yyyy-mm-dd"}),
        datetime: book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        float: book.add_format({"num_format": "0.0#"}),
    }
    for col, width in enumerate(column_widths(table)):
        sheet.set_column(col, col, width)
    sheet.write_string(0, 0, title_text(table, datetime.now()), title)
    sheet.write_row(1, 0, table.headers, header)
    for r, row in enumerate(table.rows, start=2):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value.astimezone().replace(tzinfo=None), formats[datetime])
            elif isinstance(value, date):
                sheet.write_datetime(r, c, value, formats[date])
            elif isinstance(value, bool):
                sheet.write_string(r, c, "是" if value else "否")
            elif isinstance(value, float):
                sheet.write_number(r, c, value, formats[float])
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, len(table.rows) + 1, len(table.headers) - 1)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(1)
    book.close()


def measure_sync(bench: Bench) -> dict[str, float]:
    from sync_bench import measure_sync  # imported here: the QR workers re-import this module (spawn)

    return measure_sync(bench)


def measure_ui(bench: Bench) -> dict[str, float]:
    from ui_bench import measure_ui

    return measure_ui(bench)


MEASUREMENTS: dict[str, Measurement] = {
    "qr": measure_qr,
    "qr_sheet": measure_qr_sheet,
    "excel": measure_excel,
    "sync": measure_sync,
    "ui": measure_ui,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpas", type=int, default=5000, help="CPAs in the synthetic firm (default 5000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--only", default="", help=f"comma list of: {', '.join(MEASUREMENTS)}")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the measurements that take the best")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(MEASUREMENTS)
    unknown = set(chosen) - set(MEASUREMENTS)
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")
    results: dict[str, float] = {"cpas": args.cpas, "cpus": os.cpu_count() or 1}
    with tempfile.TemporaryDirectory(prefix="firmdesk-bench-") as workdir:
        bench = Bench(args.cpas, max(1, args.repeat), Path(workdir))
        for name in chosen:
            results.update(MEASUREMENTS[name](bench))
    rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}
    if args.json:
        print(json.dumps(rounded, ensure_ascii=False))
    else:
        for key, value in rounded.items():
            print(f"{key:>16}  {value}")
    return 0


if __name__ == "__main__":  # the QR export's worker processes import this module again (spawn)
    sys.exit(main())
