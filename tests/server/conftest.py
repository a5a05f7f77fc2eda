"""A small world for the server tests (tests/helpers/server_world.py): one institute, two firms with CPAs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from firmdesk.server.runner import ServerThread
from tests.helpers.server import ServerBuilder
from tests.helpers.server_world import World


@pytest.fixture
def world(live_server: ServerThread, server_builder: ServerBuilder) -> Iterator[World]:
    institute = server_builder.institute()
    firm = server_builder.firm(institute)
    other_firm = server_builder.firm(institute, "50010031", "重庆两江会计师事务所")
    cpas = server_builder.cpas(firm, 4)
    other_cpa = server_builder.cpa(other_firm, "外所注师")
    world = World(live_server, server_builder, institute, firm, other_firm, cpas, other_cpa)
    yield world
    world.close()
