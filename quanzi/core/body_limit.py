"""An upper bound on the HTTP request bodies the server keeps.

Django's ASGI handler reads a whole request body (into a temporary file past
FILE_UPLOAD_MAX_MEMORY_SIZE) before any middleware runs, and a chunked body declares no size, so
neither Django nor RequestGuardMiddleware could refuse one before all of it was on disk.
BodySizeLimit, around the ASGI application, keeps at most QUANZI_MAX_REQUEST_BYTES of a body:
past that it reads and drops the rest (a client still sending would otherwise see its connection
reset instead of the answer) and marks the request, which RequestGuardMiddleware then answers
with the 413 in the user's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OVER_LIMIT = "quanzi.body_over_limit"


def body_over_limit(request: HttpRequest) -> bool:
    """Whether BodySizeLimit cut this request's body off (only ASGI requests have a scope)."""
    scope = getattr(request, "scope", None)
    return bool(scope and scope.get(OVER_LIMIT))


class BodySizeLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)  # ours to mark, before Django builds the request from it
        limit: int = settings.QUANZI_MAX_REQUEST_BYTES
        kept = 0

        async def bounded_receive() -> Message:
            nonlocal kept
            message = await receive()
            if message["type"] != "http.request" or scope.get(OVER_LIMIT):
                return message
            kept += len(message.get("body", b""))
            if kept <= limit:
                return message
            scope[OVER_LIMIT] = True
            while message.get("more_body", False):
                message = await receive()
                if message["type"] != "http.request":
                    return message  # the client went away
            return {"type": "http.request", "body": b"", "more_body": False}

        await self.app(scope, bounded_receive, send)
