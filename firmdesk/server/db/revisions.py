"""Whether a database's Alembic revision is one this program knows: a database stamped by a newer version
(or a foreign one) must stop `serve` with a clear message, not a traceback from deep inside Alembic."""

from __future__ import annotations

from firmdesk.server.config import Settings
from firmdesk.server.db.schema import current_revision, head_revision
from firmdesk.server.db.session import alembic_config, make_engine


def unknown_revisions(settings: Settings) -> list[str]:
    """The revisions the database is stamped with that none of the shipped migrations has (empty: all known,
    or a new database). A database at the head (every start but the first after an upgrade) or a new one is
    answered without loading Alembic."""
    engine = make_engine(settings)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    if current is None or current == head_revision():
        return []
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(settings.effective_database_url))
    known = {revision.revision for revision in script.walk_revisions()}
    return [current] if current not in known else []


def unknown_revision_message(revisions: list[str]) -> str:
    shown = ", ".join(revisions)
    return (
        f"数据库的迁移版本（{shown}）不是本程序认识的版本：它可能由更新版本的 FirmDesk 服务器创建。"
        "请升级 firmdesk-server，或恢复与本版本相符的备份。\n"
        f"The database is at migration revision {shown}, which this version of firmdesk-server does not know "
        "(it was probably made by a newer version). Upgrade firmdesk-server or restore a matching backup."
    )
