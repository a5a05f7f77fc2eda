"""A crowd of clients at once (200 firms polling) is served, never deadlocked on the database pool."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.helpers.server_world import World


@pytest.mark.slow
def test_two_hundred_simultaneous_polls_all_answer(world: World) -> None:
    headers = {"Authorization": world.firm_client().headers["Authorization"]}
    cursor = world.firm_client().get("/firm/changes").json()["cursor"]

    async def crowd() -> list[int | str]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=f"{world.server.base_url}/api/v1", timeout=60, limits=limits) as client:

            async def poll() -> int | str:
                try:
                    answer = await client.get("/firm/changes", params={"since": cursor}, headers=headers)
                except httpx.TransportError as error:
                    return type(error).__name__
                return answer.status_code

            return list(await asyncio.gather(*(poll() for _ in range(200))))

    statuses = asyncio.run(crowd())
    assert statuses == [200] * 200
