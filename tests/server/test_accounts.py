"""People in the model: accounts sign in for their organisation, a disabled one is shut out, events name
the person, and the migration to accounts keeps every existing password and token working."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import text

from firmdesk.server.config import Settings, fast_test_settings
from firmdesk.server.db.session import alembic_config, make_engine, migrate
from firmdesk.server.runner import ServerThread
from firmdesk.server.security import hash_password, new_token, token_hash
from firmdesk.server.services.clock import utcnow
from tests.helpers.server import FIRM_PASSWORD, api_login
from tests.helpers.server_world import World


def _login(base_url: str, user_type: str, member_no: str, password: str) -> httpx.Response:
    body = {"user_type": user_type, "member_no": member_no, "password": password}
    return httpx.post(f"{base_url}/api/v1/auth/login", json=body)


def _me(base_url: str, token: str) -> httpx.Response:
    return httpx.get(f"{base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def _organisation(me: dict[str, str]) -> dict[str, str]:
    """Who `/auth/me` acts for (the person signed in is there besides it)."""
    return {key: me[key] for key in ("role", "member_no", "name")}


# --- Accounts at work ---


def test_a_second_account_signs_in_for_its_firm_and_the_trail_names_each_person(world: World) -> None:
    world.builder.account(world.firm, "zhaomin", "赵敏", password="reviewer-pass")
    application = world.builder.application(world.cpas[0])
    other = world.builder.application(world.cpas[1])
    reviewer = api_login(world.server.base_url, "firm", "zhaomin", "reviewer-pass")
    # Signed in as a person, acting for the firm: the firm is who the client sees.
    assert reviewer.get("/auth/me").json() == {
        "role": "firm",
        "member_no": world.firm.number,
        "name": world.firm.name,
        # and the person signed in
        "login": "zhaomin",
        "person_name": "赵敏",
        "account_role": "reviewer",
        "account_role_label": "审核员",
    }

    reviewer.post("/firm/returns", json={"items": [{"application_id": application.id}], "reason": "请补充"})
    world.firm_client().post("/firm/returns", json={"items": [{"application_id": other.id}], "reason": "请补充"})
    reviewer.close()

    firm = world.firm_client()
    by_reviewer = firm.get(f"/firm/applications/{application.id}/trail").json()[-1]
    by_admin = firm.get(f"/firm/applications/{other.id}/trail").json()[-1]
    # What users see stays the firm; the person is there besides it.
    for event in (by_reviewer, by_admin):
        assert (event["action"], event["actor_role"], event["actor_id"]) == ("firm_return", "firm", world.firm.number)
        assert event["actor_name"] == world.firm.name
    assert (by_reviewer["actor_person"], by_admin["actor_person"]) == ("赵敏", "王主管")


def test_a_cpas_events_name_the_cpa_as_the_person(world: World) -> None:
    cpa = world.cpas[0]
    application = world.builder.application(cpa, "firm_returned", reason="请补充")
    world.cpa_client(cpa).post(f"/cpa/applications/{application.id}/resubmit").raise_for_status()
    event = world.firm_client().get(f"/firm/applications/{application.id}/trail").json()[-1]
    assert (event["action"], event["actor_name"], event["actor_person"]) == ("resubmit", cpa.name, cpa.name)


def test_a_disabled_account_cannot_sign_in_and_its_tokens_stop_working(world: World) -> None:
    base_url = world.server.base_url
    token = _login(base_url, "firm", world.firm.number, FIRM_PASSWORD).json()["token"]
    assert _me(base_url, token).status_code == 200

    world.builder.set_disabled("firm", world.firm.number)
    answer = _me(base_url, token)
    assert (answer.status_code, answer.json()) == (
        401,
        {"detail": "该账户已停用，请联系管理员", "code": "unauthorized"},
    )
    refused = _login(base_url, "firm", world.firm.number, FIRM_PASSWORD)
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "该账户已停用，请联系管理员", "code": "account_disabled"},
    )
    # Only whoever knows the password learns that the account is disabled.
    wrong = _login(base_url, "firm", world.firm.number, "wrong")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "bad_credentials")
    # Other accounts are untouched.
    assert _login(base_url, "firm", world.other_firm.number, FIRM_PASSWORD).status_code == 200

    world.builder.set_disabled("firm", world.firm.number, disabled=False)
    assert _me(base_url, token).status_code == 200
    assert _login(base_url, "firm", world.firm.number, FIRM_PASSWORD).status_code == 200


# --- The migration to accounts (0001 → 0002) ---

OLD_PASSWORDS = {"institute": "old-institute", "firm": "old-firm", "cpa": "old-cpa"}


def _database(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if kind == "sqlite":
        return fast_test_settings(tmp_path / "cmis")
    return fast_test_settings(tmp_path / "cmis", database_url=request.getfixturevalue("postgres_url"))


def _world_at_0001(settings: Settings) -> dict[str, str]:
    """Institute 50, firm 50010028 and one CPA, as revision 0001 stored them, each with a live token."""
    migrate(settings, "0001")
    now = utcnow()
    tokens = {role: new_token() for role in OLD_PASSWORDS}
    hashes = {role: hash_password(password, settings) for role, password in OLD_PASSWORDS.items()}
    engine = make_engine(settings)
    with engine.begin() as connection:
        run = connection.execute
        run(
            text(
                "INSERT INTO institutes (id, code, name, password_hash, current_year, window_start, deadline,"
                " notice_start, notice_success, materials_working, materials_retired, min_training_hours)"
                " VALUES (1, '50', '重庆市注册会计师协会', :hash, 2025, '2026-01-05', '2026-04-30', '', '',"
                " '[]', '[]', 40)"
            ),
            {"hash": hashes["institute"]},
        )
        run(
            text(
                "INSERT INTO firms (id, number, name, password_hash, institute_id)"
                " VALUES (1, '50010028', '重庆山城会计师事务所', :hash, 1)"
            ),
            {"hash": hashes["firm"]},
        )
        run(
            text(
                "INSERT INTO cpas (id, cert_no, name, password_hash, firm_id, ethnicity, gender, id_type, id_number,"
                " native_place, region, hukou, political_status, phone, retired, qr_token, change_seq)"
                " VALUES (1, '500100280001', '李四', :hash, 1, '汉族', '男', '居民身份证', '', '', '', '', '群众', '',"
                " :retired, 'qr-1', 0)"
            ),
            {"hash": hashes["cpa"], "retired": False},
        )
        for role, token in tokens.items():
            run(
                text(
                    "INSERT INTO auth_tokens (token_hash, role, subject_id, created_at, expires_at)"
                    " VALUES (:digest, :role, 1, :now, :expires)"
                ),
                {"digest": token_hash(token), "role": role, "now": now, "expires": now + timedelta(hours=6)},
            )
    engine.dispose()
    return tokens


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrading_to_accounts_keeps_every_password_and_token(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = _database(kind, tmp_path, request)
    tokens = _world_at_0001(settings)
    migrate(settings)  # to the latest revision, as the server does when it starts
    expected = {
        "institute": ("50", "重庆市注册会计师协会"),
        "firm": ("50010028", "重庆山城会计师事务所"),
        "cpa": ("500100280001", "李四"),
    }
    with ServerThread(settings) as server:
        for role, (member_no, name) in expected.items():
            me = {"role": role, "member_no": member_no, "name": name}
            # The token handed out before the upgrade still works, as the same organisation.
            assert _organisation(_me(server.base_url, tokens[role]).json()) == me
            # The password set before the upgrade still signs in.
            answer = _login(server.base_url, role, member_no, OLD_PASSWORDS[role])
            assert answer.status_code == 200, answer.text
            assert _organisation(_me(server.base_url, answer.json()["token"]).json()) == me
            assert _login(server.base_url, role, member_no, "wrong").status_code == 401
        # The firm's old token acts for the firm.
        firm = httpx.Client(base_url=f"{server.base_url}/api/v1", headers={"Authorization": f"Bearer {tokens['firm']}"})
        assert firm.get("/firm").json()["number"] == "50010028"
        firm.close()


def test_downgrading_from_accounts_gives_the_organisations_their_passwords_back(tmp_path: Path) -> None:
    """`seed-demo --reset` migrates down: the way back keeps the data consistent too."""
    settings = fast_test_settings(tmp_path / "cmis")
    tokens = _world_at_0001(settings)
    migrate(settings)
    engine = make_engine(settings)
    with engine.connect() as connection:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        connection.commit()
    engine.dispose()
    migrate(settings)  # and up again: still the same passwords and tokens
    with ServerThread(settings) as server:
        assert _me(server.base_url, tokens["firm"]).json()["member_no"] == "50010028"
        assert _login(server.base_url, "cpa", "500100280001", OLD_PASSWORDS["cpa"]).status_code == 200
