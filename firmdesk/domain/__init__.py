"""Domain rules of the CPA annual inspection, shared by the client and the reference server (no Qt, HTTP or SQL)."""
