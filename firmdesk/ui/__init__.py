"""FirmDesk's Qt user interface: windows, dialogs, table models and the task runner (no HTTP, no SQL)."""

from firmdesk.ui import refcount_guard as _refcount_guard

# Before any Qt call: see refcount_guard for the shiboken6 6.12 bug on CPython 3.11 this shields from.
_refcount_guard.apply()
