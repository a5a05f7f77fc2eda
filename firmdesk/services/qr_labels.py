"""What a QR label shows, as plain data (no imaging library: the UI imports it at start-up)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from firmdesk.domain.files import safe_file_name


@dataclass(frozen=True)
class QrLabel:
    """What one label shows: the code of `url`, and under it the CPA's name and certificate number."""

    url: str
    name: str
    cert_no: str

    @property
    def file_name(self) -> str:
        """`{certificate number}_{name}.png`, safe on Windows."""
        # safe_file_name keeps only the last part of a path; a slash in a name is not a folder here.
        stem = f"{self.cert_no}_{self.name}".replace("/", "_").replace("\\", "_")
        return safe_file_name(f"{stem}.png", fallback="二维码")


class CpaIdentity(Protocol):
    """What a label needs of a CPA (a `models.CpaRow` has it)."""

    @property
    def cert_no(self) -> str: ...

    @property
    def name(self) -> str: ...


def labels_for(cpas: Iterable[CpaIdentity], url_of: Callable[[CpaIdentity], str]) -> list[QrLabel]:
    """One label per CPA, in the given order; `url_of` gives the CPA's public verification URL."""
    return [QrLabel(url_of(cpa), cpa.name, cpa.cert_no) for cpa in cpas]
