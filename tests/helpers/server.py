"""Fixtures that run the real reference server on a temporary SQLite file over real HTTP (filled in by the server work)."""
