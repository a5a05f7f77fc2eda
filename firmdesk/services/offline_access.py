"""离线打开: opening the firm's cached data when the server cannot be reached at login.

After each online login the firm's local cache keeps an Argon2id hash of the password (never the password
itself). When a later login finds no server, the typed password is checked against that hash and the window
opens on the cached rows and the drafts; the client then logs in by itself at the first call that reaches
the server (`CmisClient.defer_login`), and the sync and the drafts marked 联网后发送 follow as usual.
Everything here is local disk and CPU work (the hash takes ~0.1 s on purpose): call it off the UI thread.

The firm's info and the hash are also kept in `offline_login.json` beside the cache (written whole, then
renamed into place): a damaged cache is set aside and rebuilt, and 离线打开 must survive that. A damaged
cache still offers 离线打开 (`OfflineCache.cache_damaged`): the window then opens on the drafts alone.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from firmdesk.domain.states import Role
from firmdesk.services.api_client import CmisClient, DeferredLogin, normalize_server_url
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.errors import OfflineOpenRefused
from firmdesk.services.local_store import CACHE_FILE, CacheDamaged, LocalStore, StoreUnavailable, store_folder, to_json
from firmdesk.services.models import FirmInfo, LoginResult
from firmdesk.services.session import FirmSession

log = logging.getLogger(__name__)

NO_CACHE = "本机没有该事务所在此服务器上的缓存数据，无法离线打开；请联网登录一次"
WRONG_PASSWORD = "密码与本机上次联网登录时的密码不一致，无法离线打开"
#: A damaged cache written by a FirmDesk that kept the password's hash only inside it.
DAMAGED_NO_VERIFIER = (
    "本地缓存已损坏，且其中保存的离线登录信息无法读取，无法离线打开；草稿未受影响，请在服务器恢复后联网登录"
)
OFFLINE_LOGIN_FILE = "offline_login.json"


@dataclass(frozen=True)
class OfflineCache:
    """What a login dialog offers to open offline."""

    firm: FirmInfo
    last_sync: datetime | None  # aware, UTC; None: the firm was cached but never synced
    cache_damaged: bool = False  # the cached rows cannot be read: only the drafts open (the sync rebuilds it)


class OfflineAccess:
    """The cache folders of one user (`root`; `server_alias` names the demo's folder whatever its port)."""

    def __init__(
        self, root: Path | None = None, server_alias: str | None = None, hasher: PasswordHasher | None = None
    ) -> None:
        self.root = root
        self.server_alias = server_alias
        self._hasher = hasher or PasswordHasher()

    def folder(self, server: str, member_no: str) -> Path:
        return store_folder(self.server_alias or normalize_server_url(server), member_no.strip(), self.root)

    def remember(self, session: FirmSession, password: str) -> None:
        """After an online login: keep the firm's info and the password's hash for a later 离线打开.

        Best effort: a cache that cannot be written only means no 离线打开 later (logged, never raised).
        """
        folder = self.folder(session.server, session.member_no)
        verifier = self._hasher.hash(password)
        try:
            _write_login_file(folder, session.firm, verifier)
        except Exception as e:
            log.warning("cannot write the offline login of %s: %r", session.member_no, e)
        try:
            store = LocalStore.open(folder)
            try:
                store.save_firm(session.firm)
                store.save_password_verifier(verifier)
            finally:
                store.close()
        except Exception as e:
            log.warning("cannot prepare the offline cache of %s: %r", session.member_no, e)

    def cached(self, server: str, member_no: str) -> OfflineCache | None:
        """The cache 离线打开 would show, or None when there is none to open (never logged in online here)."""
        found = self._read(server, member_no)
        return OfflineCache(found[0], found[2], found[3]) if found is not None else None

    def open(
        self, server: str, member_no: str, password: str, *, remember: bool, credentials: CredentialStore
    ) -> FirmSession:
        """A session on the cached data once `password` matches; raises `OfflineOpenRefused` otherwise."""
        member_no = member_no.strip()
        found = self._read(server, member_no)
        if found is None:
            raise OfflineOpenRefused(NO_CACHE)
        firm, verifier, _, _ = found
        try:
            self._hasher.verify(verifier, password)
        except (VerificationError, InvalidHashError):
            raise OfflineOpenRefused(WRONG_PASSWORD) from None
        client = CmisClient(server)
        session = FirmSession(client, firm, member_no=member_no, name=firm.name, credentials=credentials)
        session.opened_offline = True

        def logged_in(result: LoginResult) -> None:
            session.expires_at = result.expires_at
            session.remember_login(password, result.token, remember)
            log.info("the session opened offline is now logged in to %s", session.server)

        client.defer_login(DeferredLogin(Role.FIRM.value, member_no, password, logged_in))
        return session

    def _read(self, server: str, member_no: str) -> tuple[FirmInfo, str, datetime | None, bool] | None:
        """The cached firm, password hash, last sync and whether the cache is damaged; None when there is
        nothing to open (a missing cache is not made, a damaged one is not touched here)."""
        folder = self.folder(server, member_no)
        login = _read_login_file(folder)
        firm, verifier, last_sync, damaged = None, None, None, False
        if (folder / CACHE_FILE).exists():
            try:
                store = LocalStore.open(folder, repair=False)
            except (CacheDamaged, StoreUnavailable) as e:
                log.warning("the offline cache of %s cannot be read: %s", member_no, e)
                damaged = True
            else:
                try:
                    firm, verifier, last_sync = store.firm(), store.password_verifier(), store.last_synced_any()
                except CacheDamaged:
                    damaged = True
                finally:
                    store.close()
        elif login is None:
            return None
        if login is not None:
            firm, verifier = firm or login[0], login[1]  # the file is written last: the newest hash
        if firm is None or verifier is None:
            if damaged:
                raise OfflineOpenRefused(DAMAGED_NO_VERIFIER)
            return None
        return firm, verifier, last_sync, damaged


def _write_login_file(folder: Path, firm: FirmInfo, verifier: str) -> None:
    """`offline_login.json`, written to a temporary file first and renamed: never half-written."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / OFFLINE_LOGIN_FILE
    text = json.dumps({"firm": to_json(firm), "password_verifier": verifier}, ensure_ascii=False)
    temporary = path.with_name(f"{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def _read_login_file(folder: Path) -> tuple[FirmInfo, str] | None:
    try:
        data = json.loads((folder / OFFLINE_LOGIN_FILE).read_text(encoding="utf-8"))
        return FirmInfo.from_json(data["firm"]), str(data["password_verifier"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("the offline login file in %s cannot be read: %r", folder, e)
        return None
