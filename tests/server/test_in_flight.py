"""A crowd of clients at once (200 firms polling) is served, never deadlocked on the database pool."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from firmdesk.server.api.in_flight import InFlightLimit
from firmdesk.server.db.session import make_engine, make_session_factory
from firmdesk.server.services.changes import take_write_turn
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


@pytest.fixture
def one_request_in_flight(world: World) -> None:
    world.server.switch_settings(world.server.settings.model_copy(update={"requests_in_flight": 1}))


def test_reads_go_on_while_writers_wait_for_their_turn(world: World, one_request_in_flight: None) -> None:
    """Reads and writes have a limit each: a writer waiting for the write turn never holds up a read."""
    firm = world.firm_client()
    application = world.builder.application(world.cpas[0])
    factory = make_session_factory(make_engine(world.server.settings), immediate=False)
    answers: dict[str, httpx.Response] = {}
    holder = factory()
    take_write_turn(holder)  # someone else's use case holds the turn
    try:
        headers = {"Authorization": firm.headers["Authorization"]}

        def writer() -> None:
            with httpx.Client(base_url=str(firm.base_url), headers=headers, timeout=30) as client:
                body = {"items": [{"application_id": application.id}], "reason": "材料不全"}
                answers["write"] = client.post("/firm/returns", json=body)

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        time.sleep(0.3)  # the writer is inside, waiting for its turn
        assert "write" not in answers
        read = firm.get("/firm/changes", timeout=5)
        assert read.status_code == 200, read.text
    finally:
        holder.rollback()
        holder.close()
    thread.join(30)
    assert answers["write"].status_code == 200, answers["write"].text


def test_a_download_gives_its_place_back_when_its_file_starts() -> None:
    """A slow line downloading a file must not keep the worker's one place (the database work is done)."""

    class Settings:
        requests_in_flight = 1

    class Context:
        settings = Settings()
        engine = type("Engine", (), {"pool": object()})()

    entered: list[str] = []
    file_started = asyncio.Event()
    finish_file = asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        entered.append(scope["path"])
        if scope["path"] == "/file":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-disposition", b"x")]})
            file_started.set()
            await finish_file.wait()  # the body still streaming to a slow client
        else:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    limit = InFlightLimit(app)
    state = type("State", (), {"cmis": Context()})()

    def scope(path: str) -> Scope:
        return {"type": "http", "method": "GET", "path": path, "headers": [], "app": type("App", (), {"state": state})}

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(_message: Message) -> None:
        pass

    async def run() -> None:
        download = asyncio.create_task(limit(scope("/file"), receive, send))
        await asyncio.wait_for(file_started.wait(), 5)
        await asyncio.wait_for(limit(scope("/poll"), receive, send), 5)  # went in while the file streams
        finish_file.set()
        await download

    asyncio.run(run())
    assert entered == ["/file", "/poll"]
