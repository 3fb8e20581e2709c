"""WebSocket routes; domains with consumers add theirs here, before the catch-all."""

from __future__ import annotations

import logging
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DatabaseError
from django.urls import re_path

from quanzi.circles.consumers import CLOSE_NOT_FOUND, CLOSE_TRY_AGAIN_LATER
from quanzi.circles.routing import websocket_urlpatterns as circles

logger = logging.getLogger("quanzi.core")


class NoSuchSocket(AsyncWebsocketConsumer):  # type: ignore[misc]
    """Any other path: accepted and closed with 4404 (Channels' router would raise, and the
    client would get an HTTP 500)."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)


class HandshakeGuard:
    """Around the auth middleware: a database error before the socket is accepted (the session
    lookup during an outage) closes an accepted handshake with 1013, "try again later", which
    the client backs off and retries on, instead of an HTTP 500 and a traceback per attempt."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        answered = False

        async def send_tracked(message: dict[str, Any]) -> None:
            nonlocal answered
            answered = True
            await send(message)

        try:
            return await self.application(scope, receive, send_tracked)
        except DatabaseError:
            if answered:
                raise
            logger.warning("socket handshake failed: database error", exc_info=True)
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})
            return None


# Channels routes ASGI applications with Django's re_path(), whose stubs expect a view.
websocket_urlpatterns: list[Any] = [*circles, re_path(r"", NoSuchSocket.as_asgi())]  # type: ignore[arg-type]
