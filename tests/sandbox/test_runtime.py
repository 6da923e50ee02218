"""run_servers: several simulators in one loop, a periodic tick, and a clean stop."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from starlette.types import ASGIApp

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.profile import TransportFaults
from sandbox.runtime import run_servers
from sandbox.stripe.app import create_stripe_app
from sandbox.zendesk.app import create_zendesk_app
from testkit.servers import bound_socket
from tests.sandbox.stripe_world import NOW, build_world

KEY = "sk_test_runtime0000000000001234"
ZD_AUTH = "Basic " + base64.b64encode(b"a@example.com/token:t").decode()


def two_apps(world: World) -> dict[str, ASGIApp]:
    clock = SimulatedClock(NOW)
    return {
        "stripe": create_stripe_app(world, clock, 1, TransportFaults(), KEY),
        "zendesk": create_zendesk_app(world, clock, 1, TransportFaults(), "a@example.com", "t"),
    }


def test_serves_every_app_ticks_and_stops_cleanly() -> None:
    ticks: list[int] = []
    seen: dict[str, int] = {}

    async def scenario() -> dict[str, str]:
        stop = asyncio.Event()
        ready: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
        runner = asyncio.create_task(
            run_servers(
                two_apps(build_world()),
                {"stripe": 0, "zendesk": 0},
                tick=lambda: ticks.append(len(ticks)),
                tick_interval=0.05,
                on_ready=ready.set_result,
                stop=stop,
            )
        )
        urls = await asyncio.wait_for(ready, 10)
        async with httpx.AsyncClient() as http:
            customers = await http.get(
                f"{urls['stripe']}/v1/customers", headers={"Authorization": f"Bearer {KEY}"}
            )
            orgs = await http.get(
                f"{urls['zendesk']}/api/v2/incremental/organizations.json?start_time=0",
                headers={"Authorization": ZD_AUTH},
            )
        seen.update(stripe=customers.status_code, zendesk=orgs.status_code)
        await asyncio.sleep(0.2)
        stop.set()
        await asyncio.wait_for(runner, 10)
        return urls

    urls = asyncio.run(scenario())
    assert seen == {"stripe": 200, "zendesk": 200}
    assert len(ticks) >= 3  # one before ready, then every 50 ms
    for url in urls.values():
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=1)


def test_a_busy_port_fails_fast() -> None:
    taken = bound_socket()
    taken.listen()
    try:
        port = taken.getsockname()[1]
        with pytest.raises(OSError):
            asyncio.run(run_servers(two_apps(World()), {"stripe": 0, "zendesk": port}))
    finally:
        taken.close()


def test_a_failing_tick_stops_the_servers() -> None:
    calls: list[int] = []

    def tick() -> None:
        calls.append(1)
        if len(calls) > 1:
            raise ValueError("log directory vanished")

    with pytest.raises(ValueError, match="log directory vanished"):
        asyncio.run(
            asyncio.wait_for(
                run_servers(
                    two_apps(World()),
                    {"stripe": 0, "zendesk": 0},
                    tick=tick,
                    tick_interval=0.05,
                ),
                10,
            )
        )
