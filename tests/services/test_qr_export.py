"""批量下载二维码: folder, zip and A4 sheet exports; every code decodes, cancelling leaves nothing half-written,
and a re-export of unchanged codes reuses the cache."""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, PdfParser

from firmdesk.services import qr_codes
from firmdesk.services.progress import ExportWriteFailed, TaskCancelled, TaskState
from firmdesk.services.qr_codes import LabelRenderer
from firmdesk.services.qr_export import export_qr_folder, export_qr_zip
from firmdesk.services.qr_images import QrImageCache
from firmdesk.services.qr_labels import QrLabel
from firmdesk.services.qr_sheet import export_qr_sheet


def url(i: int) -> str:
    return f"https://cmis.example.cn/v/tok{i:04d}_aZ-0bT7uYw2LmN"


def make_labels(n: int, start: int = 0) -> list[QrLabel]:
    names = ["张三", "李四", "欧阳娜娜", "买买提·艾力", "王五"]
    return [QrLabel(url(i), names[i % len(names)], f"5001002{i:05d}") for i in range(start, start + n)]


def decode(png: bytes) -> str:
    with Image.open(io.BytesIO(png)) as image:
        results = zxingcpp.read_barcodes(image.convert("L"))
    assert len(results) == 1
    return results[0].text


@pytest.fixture(scope="module")
def renderer() -> LabelRenderer:
    if qr_codes.find_cjk_font() is None:
        pytest.skip("needs a font with Chinese glyphs (apt-get install fonts-wqy-microhei)")
    return LabelRenderer()


@pytest.fixture
def cache(tmp_path: Path) -> QrImageCache:
    return QrImageCache(tmp_path / "cache")


class CancelAfter(TaskState):
    """Cancels once progress has been reported `calls` times (i.e. mid-export)."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.calls = calls

    def set_progress(self, done: int, total: int) -> None:
        super().set_progress(done, total)
        self.calls -= 1
        if self.calls <= 0:
            self.cancel()


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".part") or ".part." in p.name]


def test_folder_export_writes_one_decodable_png_per_label(tmp_path: Path, renderer, cache) -> None:
    labels = make_labels(12)
    progress: list[tuple[int, int]] = []
    result = export_qr_folder(
        labels,
        tmp_path / "out",
        TaskState(lambda d, t: progress.append((d, t))),
        renderer=renderer,
        cache=cache,
        workers=1,
    )
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == sorted(label.file_name for label in labels)
    by_name = {label.file_name: label for label in labels}
    for f in files:
        assert decode(f.read_bytes()) == by_name[f.name].url
    assert (result.count, result.rendered, result.reused) == (12, 12, 0)
    assert progress[0] == (0, 12) and progress[-1] == (12, 12)


def test_process_pool_renders_the_same_codes(tmp_path: Path, renderer, cache, monkeypatch) -> None:
    from firmdesk.services import qr_images

    monkeypatch.setattr(qr_images, "POOL_THRESHOLD", 10)
    labels = make_labels(60)
    result = export_qr_folder(labels, tmp_path / "out", TaskState(), renderer=renderer, cache=cache, workers=2)
    assert result.rendered == 60
    for label in labels:
        png = (tmp_path / "out" / label.file_name).read_bytes()
        assert png == renderer.render_png(label)  # identical to rendering in this process
    assert decode((tmp_path / "out" / labels[7].file_name).read_bytes()) == labels[7].url
    assert len(cache) == 60


def test_zip_export_holds_every_code_in_the_labels_order(tmp_path: Path, renderer, cache) -> None:
    labels = make_labels(9)
    target = tmp_path / "二维码.zip"
    export_qr_zip(labels, target, TaskState(), renderer=renderer, cache=cache, workers=1)
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == [label.file_name for label in labels]
        for label in labels:
            assert decode(archive.read(label.file_name)) == label.url
    assert leftovers(tmp_path) == []


def test_names_windows_forbids_are_made_safe_and_repeats_kept_apart(tmp_path: Path, renderer, cache) -> None:
    labels = [
        QrLabel(url(1), 'A<B>:"C"/D\\E|F?G*', "500100280001"),
        QrLabel(url(2), "CON", "500100280002"),
        QrLabel(url(3), "张三", "500100280003"),
        QrLabel(url(4), "张三", "500100280003"),  # the same person twice in a selection
    ]
    export_qr_folder(labels, tmp_path / "out", TaskState(), renderer=renderer, cache=cache, workers=1)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(names) == 4
    for name in names:
        assert not set('<>:"/\\|?*') & set(name)
    assert "500100280003_张三.png" in names and "500100280003_张三 (2).png" in names


def test_warm_re_export_reuses_the_cache_and_leaves_unchanged_files_alone(tmp_path: Path, renderer, cache) -> None:
    labels = make_labels(20)
    out = tmp_path / "out"
    export_qr_folder(labels, out, TaskState(), renderer=renderer, cache=cache, workers=1)
    stamp = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    os.utime(out / labels[0].file_name, ns=(1, 1))  # to see that an unchanged file is not even rewritten
    result = export_qr_folder(labels, out, TaskState(), renderer=renderer, cache=cache, workers=1)
    assert (result.rendered, result.reused, result.unchanged) == (0, 20, 20)
    assert (out / labels[0].file_name).stat().st_mtime_ns == 1
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != labels[0].file_name} == {
        k: v for k, v in stamp.items() if k != labels[0].file_name
    }


def test_only_changed_codes_are_rendered_again(tmp_path: Path, renderer, cache, monkeypatch) -> None:
    labels = make_labels(10)
    export_qr_zip(labels, tmp_path / "a.zip", TaskState(), renderer=renderer, cache=cache, workers=1)
    renders: list[QrLabel] = []
    original = LabelRenderer.render_png
    monkeypatch.setattr(LabelRenderer, "render_png", lambda self, label: renders.append(label) or original(self, label))
    changed = [*labels[:9], QrLabel(labels[9].url, "改名", labels[9].cert_no)]
    result = export_qr_zip(changed, tmp_path / "b.zip", TaskState(), renderer=renderer, cache=cache, workers=1)
    assert renders == [changed[9]]
    assert (result.rendered, result.reused) == (1, 9)


def test_cancelled_folder_export_leaves_only_whole_files(tmp_path: Path, renderer, cache, monkeypatch) -> None:
    from firmdesk.services import qr_export

    monkeypatch.setattr(qr_export, "PROGRESS_EVERY", 5)
    labels = make_labels(40)
    out = tmp_path / "out"
    with pytest.raises(TaskCancelled):
        export_qr_folder(labels, out, CancelAfter(3), renderer=renderer, cache=cache, workers=1)
    written = list(out.iterdir())
    assert 0 < len(written) < 40
    assert leftovers(tmp_path) == []
    for f in written:
        with Image.open(f) as image:
            image.load()  # a truncated PNG would raise


def test_cancelled_pool_export_stops_and_leaves_no_partial_file(tmp_path: Path, renderer, cache, monkeypatch) -> None:
    from firmdesk.services import qr_export, qr_images

    monkeypatch.setattr(qr_images, "POOL_THRESHOLD", 10)
    monkeypatch.setattr(qr_images, "CHUNK_MAX", 16)  # 25 chunks
    monkeypatch.setattr(qr_export, "PROGRESS_EVERY", 16)
    state = CancelAfter(2)  # after the first chunk comes back
    with pytest.raises(TaskCancelled):
        export_qr_zip(make_labels(400), tmp_path / "a.zip", state, renderer=renderer, cache=cache, workers=2)
    assert state.done < 400
    assert not (tmp_path / "a.zip").exists()
    assert leftovers(tmp_path) == []
    assert len(cache) < 400  # what was rendered before the cancel is kept for next time


def test_cancelled_zip_export_leaves_no_zip_and_keeps_an_older_one(tmp_path: Path, renderer, cache) -> None:
    target = tmp_path / "a.zip"
    target.write_bytes(b"the previous export")
    with pytest.raises(TaskCancelled):
        export_qr_zip(make_labels(120), target, CancelAfter(2), renderer=renderer, cache=cache, workers=1)
    assert target.read_bytes() == b"the previous export"
    assert leftovers(tmp_path) == []


def test_label_sheet_is_an_a4_pdf_whose_codes_all_decode(tmp_path: Path, renderer, cache) -> None:
    labels = make_labels(50)
    target = tmp_path / "sheet.pdf"
    title = "测试事务所 2025 年检二维码"
    result = export_qr_sheet(labels, target, TaskState(), title=title, renderer=renderer, cache=cache, workers=1)
    assert result.count == 50
    pdf = PdfParser.PdfParser(str(target))
    try:
        assert len(pdf.pages) == 2  # 42 labels a page
        assert bytes(pdf.info.Title).decode("utf-16") == title  # UTF-16 with its byte order mark
        found: list[str] = []
        for ref in pdf.pages:
            page = pdf.read_indirect(ref)
            assert [round(float(v)) for v in page[b"MediaBox"]] == [0, 0, 595, 842]  # A4 in points
            image = pdf.read_indirect(page[b"Resources"][b"XObject"][b"Im0"])
            size = (image.dictionary.Width, image.dictionary.Height)
            assert size == (2480, 3508)  # 300 dpi
            pixels = Image.frombytes("1", size, zlib.decompress(image.buf))  # FlateDecode
            found += [r.text for r in zxingcpp.read_barcodes(pixels.convert("L"))]
    finally:
        pdf.close()
    assert sorted(found) == sorted(label.url for label in labels)
    assert leftovers(tmp_path) == []


def test_cancelled_label_sheet_leaves_no_pdf(tmp_path: Path, renderer, cache) -> None:
    target = tmp_path / "sheet.pdf"
    with pytest.raises(TaskCancelled):
        export_qr_sheet(make_labels(100), target, CancelAfter(3), renderer=renderer, cache=cache, workers=1)
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_a_file_that_cannot_be_written_gives_a_message(tmp_path: Path, renderer, cache) -> None:
    labels = make_labels(3)
    (tmp_path / "out" / labels[1].file_name).mkdir(parents=True)  # in the way, e.g. a folder of that name
    with pytest.raises(ExportWriteFailed) as raised:
        export_qr_folder(labels, tmp_path / "out", TaskState(), renderer=renderer, cache=cache, workers=1)
    assert raised.value.path == str(tmp_path / "out" / labels[1].file_name)
    assert "无法写入文件" in raised.value.message and "已有同名的文件夹" in raised.value.message
    assert leftovers(tmp_path) == []


def test_a_folder_target_that_is_a_file_gives_a_message(tmp_path: Path, renderer, cache) -> None:
    (tmp_path / "out").write_text("a file where the folder should be")
    with pytest.raises(ExportWriteFailed) as raised:
        export_qr_folder(make_labels(2), tmp_path / "out", TaskState(), renderer=renderer, cache=cache, workers=1)
    assert raised.value.message.startswith(f"无法写入文件 {tmp_path / 'out'}：已有同名的文件，不能用作文件夹")


def test_a_file_open_elsewhere_says_so(tmp_path: Path) -> None:
    from firmdesk.services.progress import write_failed

    denied = PermissionError(13, "Permission denied", str(tmp_path / "a.xlsx"))
    assert "正被其他程序（如 Excel）打开" in write_failed(tmp_path / "a.xlsx", denied).message
