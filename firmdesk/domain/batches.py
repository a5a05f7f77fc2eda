"""Batch numbers: `{firm number}-{year}-{seq}`, e.g. 50010028-2025-3."""

from __future__ import annotations


def batch_number(firm_number: str, year: int, seq: int) -> str:
    return f"{firm_number}-{year}-{seq}"


def parse_batch_number(number: str) -> tuple[str, int, int]:
    firm, year, seq = number.rsplit("-", 2)
    return firm, int(year), int(seq)
