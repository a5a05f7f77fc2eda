"""FirmDesk's Qt user interface: windows, dialogs, table models and the task runner (no HTTP, no SQL)."""
