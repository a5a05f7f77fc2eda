"""The attachment cache: fetched once by content hash, verified, atomic, safe names, saving to a folder."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from firmdesk.services.attachment_cache import AttachmentCache, AttachmentCorrupt, display_name
from firmdesk.services.models import Attachment

PDF = b"%PDF-1.4\n" + b"x" * 100


def attachment(data: bytes, *, id: int = 1, name: str = "社保证明.pdf", file_type: str = "pdf") -> Attachment:
    return Attachment(
        id=id,
        material="社保证明材料",
        original_name=name,
        file_type=file_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_at=datetime(2026, 2, 9, 8, 30, tzinfo=UTC),
    )


class CountingFetch:
    def __init__(self, data: dict[int, bytes]) -> None:
        self.data = data
        self.calls: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, attachment_id: int) -> bytes:
        with self._lock:
            self.calls.append(attachment_id)
        return self.data[attachment_id]


def test_a_file_is_fetched_once_and_then_served_from_disk(tmp_path: Path) -> None:
    cache = AttachmentCache(tmp_path)
    fetch = CountingFetch({1: PDF})
    first = cache.get(attachment(PDF), fetch)
    second = AttachmentCache(tmp_path).get(attachment(PDF), fetch)  # a new process: still cached
    assert first == second
    assert first.read_bytes() == PDF
    assert first.name == "社保证明.pdf"
    assert fetch.calls == [1]


def test_same_content_under_another_name_is_not_fetched_again(tmp_path: Path) -> None:
    cache = AttachmentCache(tmp_path)
    fetch = CountingFetch({1: PDF, 2: PDF})
    cache.get(attachment(PDF, id=1), fetch)
    other = cache.get(attachment(PDF, id=2, name="另一个.pdf"), fetch)
    assert other.name == "另一个.pdf"
    assert other.read_bytes() == PDF
    assert fetch.calls == [1]


def test_bytes_that_do_not_match_the_hash_are_refused_and_not_kept(tmp_path: Path) -> None:
    cache = AttachmentCache(tmp_path)
    with pytest.raises(AttachmentCorrupt) as e:
        cache.get(attachment(PDF), CountingFetch({1: PDF + b"tampered"}))
    assert "校验失败" in e.value.message
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_damaged_cached_file_is_fetched_again(tmp_path: Path) -> None:
    fetch = CountingFetch({1: PDF})
    path = AttachmentCache(tmp_path).get(attachment(PDF), fetch)
    path.write_bytes(b"damaged on disk")
    again = AttachmentCache(tmp_path).get(attachment(PDF), fetch)
    assert again.read_bytes() == PDF
    assert fetch.calls == [1, 1]


def test_concurrent_gets_of_one_file_fetch_it_once(tmp_path: Path) -> None:
    cache = AttachmentCache(tmp_path)
    fetch = CountingFetch({1: PDF})
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(attachment(PDF), fetch))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    assert fetch.calls == [1]


def test_no_partial_file_is_left_when_the_fetch_fails(tmp_path: Path) -> None:
    def failing(_id: int) -> bytes:
        raise OSError("connection reset")

    with pytest.raises(OSError):
        AttachmentCache(tmp_path).get(attachment(PDF), failing)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_hostile_names_are_made_safe_and_get_the_extension_of_their_type() -> None:
    assert display_name(attachment(PDF, name="..\\..\\CON.pdf")) == "_CON.pdf"
    assert display_name(attachment(PDF, name="scan", file_type="png")) == "scan.png"
    assert display_name(attachment(PDF, name="a.jpeg", file_type="jpg")) == "a.jpeg"


def test_saving_to_a_folder_never_overwrites(tmp_path: Path) -> None:
    cache = AttachmentCache(tmp_path / "cache")
    out = tmp_path / "out"
    out.mkdir()
    (out / "社保证明.pdf").write_bytes(b"the user's own file")
    other = b"\x89PNG\r\n\x1a\n" + b"y" * 50
    fetch = CountingFetch({1: PDF, 2: other, 3: PDF})
    saved = cache.save_to(
        [attachment(PDF, id=1), attachment(other, id=2, name="社保证明.pdf", file_type="png"), attachment(PDF, id=3)],
        fetch,
        out,
    )
    assert [p.name for p in saved] == ["社保证明 (2).pdf", "社保证明.pdf.png", "社保证明 (3).pdf"]
    assert (out / "社保证明.pdf").read_bytes() == b"the user's own file"
    assert saved[1].read_bytes() == other
