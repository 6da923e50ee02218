"""Serve several ASGI apps with uvicorn in one asyncio loop, beside a periodic background job.

The sandbox runs four simulated APIs and a log writer together; one loop keeps them on the
same simulated clock without threads, and one stop event shuts them all down together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator, Mapping

import uvicorn
from starlette.types import ASGIApp

logger = logging.getLogger(__name__)

_POLL_SECONDS = 0.02


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to the runtime, which owns several servers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Install nothing: each server would otherwise replace the others' handlers."""
        yield


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it a mid-sized response waits ~40 ms
    # on keep-alive connections (Nagle against the client's delayed ACK).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def _tick_forever(tick: Callable[[], None], interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        # File writes may take a while on the first catch-up; keep the servers answering.
        await asyncio.to_thread(tick)


async def run_servers(
    apps: Mapping[str, ASGIApp],
    ports: Mapping[str, int],
    *,
    host: str = "127.0.0.1",
    tick: Callable[[], None] | None = None,
    tick_interval: float = 1.0,
    on_ready: Callable[[dict[str, str]], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve each app on its port (0: any free port) until ``stop`` is set.

    ``tick`` runs once before ``on_ready`` receives the base URL of every app, then every
    ``tick_interval`` seconds. A server or tick that fails stops everything and re-raises.
    """
    stop = stop or asyncio.Event()
    sockets: dict[str, socket.socket] = {}
    try:
        for name in apps:
            sockets[name] = _bind(host, ports[name])
    except OSError:
        for sock in sockets.values():
            sock.close()
        raise
    servers = {
        name: _Server(uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning"))
        for name, app in apps.items()
    }
    tasks = [
        asyncio.create_task(servers[name].serve(sockets=[sockets[name]]), name=f"serve-{name}")
        for name in apps
    ]
    try:
        while not all(s.started for s in servers.values()):
            failed = [t for t in tasks if t.done()]
            if failed:
                failed[0].result()
                raise RuntimeError(f"{failed[0].get_name()} stopped before it started")
            await asyncio.sleep(_POLL_SECONDS)
        if tick is not None:
            await asyncio.to_thread(tick)
            tasks.append(asyncio.create_task(_tick_forever(tick, tick_interval), name="tick"))
        urls = {name: f"http://{host}:{sock.getsockname()[1]}" for name, sock in sockets.items()}
        logger.info("sandbox serving %s", urls)
        if on_ready is not None:
            on_ready(urls)
        stopper = asyncio.create_task(stop.wait(), name="stop")
        done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        for task in done:
            if task is not stopper:
                task.result()
                raise RuntimeError(f"{task.get_name()} stopped on its own")
    finally:
        for server in servers.values():
            server.should_exit = True
        for task in tasks:
            if task.get_name() == "tick":
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sock in sockets.values():
            sock.close()
