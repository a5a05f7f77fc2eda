"""FirmDesk: the accounting firm's desktop tool for the CPA annual inspection (年检)."""

__version__ = "0.1.0"
