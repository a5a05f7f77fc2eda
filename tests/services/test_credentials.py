"""Remembered passwords and tokens live in the OS keyring only; no keyring means a clear refusal, not a file."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null

from firmdesk.services.credentials import CredentialStore, StoredCredentials
from firmdesk.services.errors import KeyringUnavailable
from tests.helpers.memory_keyring import MemoryKeyring

SERVER = "http://127.0.0.1:8000"


def test_password_and_token_round_trip(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore()
    store.save(SERVER, "50010028", "demo1234", token="tok-abc")
    stored = store.load(SERVER + "/", "50010028")
    assert stored == StoredCredentials(SERVER, "50010028", "demo1234", "tok-abc")
    assert store.load(SERVER, "50010031") is None
    assert {service for service, _ in memory_keyring.items} == {"FirmDesk"}


def test_forget_token_keeps_the_password_and_forget_drops_both() -> None:
    store = CredentialStore()
    store.save(SERVER, "50010028", "demo1234", token="tok-abc")
    store.forget_token(SERVER, "50010028")
    assert store.load(SERVER, "50010028") == StoredCredentials(SERVER, "50010028", "demo1234", None)
    store.forget(SERVER, "50010028")
    assert store.load(SERVER, "50010028") is None
    store.forget(SERVER, "50010028")  # forgetting twice is fine


def test_saving_without_a_token_drops_a_stale_one() -> None:
    store = CredentialStore()
    store.save(SERVER, "50010028", "old", token="tok-old")
    store.save(SERVER, "50010028", "new")
    assert store.load(SERVER, "50010028") == StoredCredentials(SERVER, "50010028", "new", None)


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring], ids=["no-keyring", "null-keyring"])
def test_no_usable_keyring_is_refused_with_a_chinese_message(backend: type, tmp_path: Path) -> None:
    keyring.set_keyring(backend())
    store = CredentialStore()
    assert not store.available()
    for call in (
        lambda: store.save(SERVER, "50010028", "demo1234", token="t"),
        lambda: store.load(SERVER, "50010028"),
        lambda: store.forget(SERVER, "50010028"),
    ):
        with pytest.raises(KeyringUnavailable) as e:
            call()
        assert e.value.message == "本系统没有可用的密码保管服务，无法记住密码"


def test_a_keyring_that_raises_no_keyring_error_is_reported() -> None:
    class Refusing(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.NoKeyringError("no backend")

    keyring.set_keyring(Refusing())
    with pytest.raises(KeyringUnavailable):
        CredentialStore().save(SERVER, "50010028", "demo1234")


def test_a_keyring_that_keeps_nothing_is_reported() -> None:
    class Forgetful(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            pass

    keyring.set_keyring(Forgetful())
    with pytest.raises(KeyringUnavailable):
        CredentialStore().save(SERVER, "50010028", "demo1234")


def test_secrets_stay_out_of_logs_and_reprs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = CredentialStore()
    store.save(SERVER, "50010028", "s3cret-pw", token="s3cret-token")
    stored = store.load(SERVER, "50010028")
    store.forget(SERVER, "50010028")
    assert "s3cret" not in caplog.text
    assert "s3cret" not in repr(stored)
