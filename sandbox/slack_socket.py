"""Socket Mode in the Slack stand-in: ``apps.connections.open`` and the WebSocket it names.

An app asks ``apps.connections.open`` (with its app-level token) for a ``ws://`` URL, connects,
and is greeted with Slack's ``hello``. The stand-in then sends each click as an ``interactive``
envelope (``envelope_id``, ``type``, ``payload``, ``accepts_response_payload``,
``retry_attempt``, ``retry_reason``) over the newest connection and waits for the app to
acknowledge it by sending ``{"envelope_id": ...}`` back, as Slack does.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from dataclasses import dataclass

from starlette.websockets import WebSocket, WebSocketDisconnect

from sandbox.slack_faults import ApiError, JsonObject

PATH = "/socket-mode"
ACK_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class _Connection:
    socket: WebSocket
    loop: asyncio.AbstractEventLoop


class SocketModeServer:
    """Open Socket Mode connections, the tickets that admit them and the acknowledgements."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self._lock = threading.Lock()
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._acks: dict[str, threading.Event] = {}

    def open(self, host: str) -> JsonObject:
        """``apps.connections.open``: a one-time WebSocket URL on this server."""
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        return {"ok": True, "url": f"ws://{host}{PATH}?ticket={ticket}&app_id={self.app_id}"}

    @property
    def connections(self) -> int:
        """How many apps are connected now."""
        with self._lock:
            return len(self._connections)

    async def endpoint(self, websocket: WebSocket) -> None:
        """Admit a connection with a fresh ticket, greet it, and record its acknowledgements."""
        ticket = websocket.query_params.get("ticket", "")
        with self._lock:
            admitted = ticket in self._tickets
            self._tickets.discard(ticket)
        if not admitted:
            await websocket.close(code=4001)
            return
        await websocket.accept()
        connection = _Connection(websocket, asyncio.get_running_loop())
        with self._lock:
            self._connections.append(connection)
        await websocket.send_json({
            "type": "hello", "num_connections": self.connections,
            "debug_info": {"host": "standin", "build_number": 1,
                           "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        })  # fmt: skip
        try:
            while True:
                self._acknowledged(await websocket.receive_text())
        except WebSocketDisconnect:
            pass
        finally:
            with self._lock:
                self._connections.remove(connection)

    def _acknowledged(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            return
        envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
        with self._lock:
            waiting = self._acks.get(str(envelope_id))
        if waiting is not None:
            waiting.set()

    def send(self, payload: JsonObject, *, timeout: float = ACK_TIMEOUT_SECONDS) -> str:
        """Send an ``interactive`` envelope to the newest connection; its id once acknowledged.

        Call from any thread but the server's. Raises ``ApiError`` when no app is connected or
        the app does not acknowledge within ``timeout`` seconds.
        """
        envelope_id = str(uuid.uuid4())
        acked = threading.Event()
        with self._lock:
            if not self._connections:
                raise ApiError("no_socket_mode_connection")
            connection = self._connections[-1]
            self._acks[envelope_id] = acked
        envelope = {
            "envelope_id": envelope_id, "type": "interactive", "payload": payload,
            "accepts_response_payload": False, "retry_attempt": 0, "retry_reason": "",
        }  # fmt: skip
        try:
            asyncio.run_coroutine_threadsafe(
                connection.socket.send_text(json.dumps(envelope)), connection.loop
            ).result(timeout)
            if not acked.wait(timeout):
                raise ApiError("envelope_not_acknowledged")
        finally:
            with self._lock:
                self._acks.pop(envelope_id, None)
        return envelope_id
