"""Custom item data roles shared by the table models, the proxy and the views."""

from __future__ import annotations

from PySide6.QtCore import Qt

SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # a value that sorts correctly (numbers, ISO dates)
RECORD_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # the whole record (CpaRow or BatchRow)
STATUS_ROLE = int(Qt.ItemDataRole.UserRole) + 3  # the row's status code, for the status filter
RAW_ROLE = int(Qt.ItemDataRole.UserRole) + 4  # the typed value (date, datetime, float, int, str), for exports
