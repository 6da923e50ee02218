"""Helpers for simulator tests: serve an ASGI app on loopback, optionally over TLS."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import trustme
import uvicorn
from starlette.types import ASGIApp

from sandbox.clock import SimulatedClock

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


class SteppedClock(SimulatedClock):
    """Simulated time that moves only when the test moves it, so no test races a busy machine."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start, speed=1.0)
        self.instant = start

    def now(self) -> datetime:
        """The instant the test has moved the clock to."""
        return self.instant


@contextmanager
def serve(app: ASGIApp, tls_dir: Path | None = None) -> Iterator[tuple[str, Path | None]]:
    """Run ``app`` with uvicorn on a free 127.0.0.1 port; yield (base URL, CA file or None).

    With ``tls_dir`` the server speaks HTTPS with a throwaway trustme CA written there.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    ssl: dict[str, str] = {}
    ca_file: Path | None = None
    if tls_dir is not None:
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        ca_file = tls_dir / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        cert_file = tls_dir / "server.pem"
        cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
        ssl = {"ssl_certfile": str(cert_file)}
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", ws="none", access_log=False, **ssl
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    scheme = "https" if tls_dir is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}", ca_file
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
