"""The server's OpenAPI document, built once at collection time (tests parametrised over its operations)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from firmdesk.server.config import fast_test_settings


def openapi_document() -> dict[str, Any]:
    from firmdesk.server.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(fast_test_settings(Path(folder)))
        try:
            return app.openapi()
        finally:
            app.state.cmis.engine.dispose()
