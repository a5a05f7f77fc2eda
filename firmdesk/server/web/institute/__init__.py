"""The institute's workbench (`/institute/…`): 待审核批次, a batch's review, 设置, 延期, 线下人工核验, 统计, over
the same use cases as `/api/v1/institute`."""

from fastapi import APIRouter

from firmdesk.server.web.institute import (
    application,
    batch,
    extensions,
    files,
    identity_checks,
    queue,
    settings,
    sign_in,
    statistics,
)

#: The workbench's routers, in the order the app includes them.
PAGE_ROUTERS: list[APIRouter] = [
    sign_in.router,
    queue.router,
    batch.router,
    application.router,
    files.router,
    settings.router,
    extensions.router,
    identity_checks.router,
    statistics.router,
]
