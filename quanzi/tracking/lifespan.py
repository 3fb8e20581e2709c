"""The ASGI lifespan of the server process: events still in the recorder's buffer are written
when the server shuts down.

uvicorn, on SIGTERM or SIGINT, shuts down gracefully and then raises the signal again with
its default action, so the process ends without running `atexit` handlers: a buffer flushed
only at exit would be lost at every restart. uvicorn sends `lifespan.shutdown` first, and this
app answers it by flushing (in a thread: the write is synchronous ORM code).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections

from quanzi.tracking import recorder

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _write_and_close() -> None:
    """Write the buffer, then close the thread's database connections: the server is going."""
    try:
        recorder.flush()
    finally:
        connections.close_all()


async def lifespan(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await sync_to_async(_write_and_close, thread_sensitive=True)()
            finally:
                await send({"type": "lifespan.shutdown.complete"})
            return
