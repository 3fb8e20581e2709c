"""The chat socket of a circle: /ws/circles/<circle_id>/?after=<last seq seen>.

Thin: every rule lives in quanzi.circles.services.chat. The protocol is in
docs/chat-protocol.md.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import get_supported_language_variant

from quanzi.accounts.models import User
from quanzi.circles.models import Circle
from quanzi.circles.services import chat
from quanzi.circles.services.access import access_circle
from quanzi.core.errors import DomainError, NotAuthenticated, NotFound

CATCH_UP_BATCH = 100
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def _language(headers: list[tuple[bytes, bytes]]) -> str:
    """The first supported language of the handshake's Accept-Language header."""
    for name, value in headers:
        if name.lower() != b"accept-language":
            continue
        for part in value.decode("latin-1").split(","):
            code = part.split(";")[0].strip()
            if not code or code == "*":
                continue
            try:
                return get_supported_language_variant(code.lower())
            except LookupError:
                continue
    return str(settings.LANGUAGE_CODE)


def _after(query_string: bytes) -> int:
    raw = parse_qs(query_string.decode("latin-1")).get("after", ["0"])[0]
    return int(raw) if raw.isdecimal() and len(raw) < 18 else 0


class ChatConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """One connected client of one circle."""

    circle_id: str
    user: User
    group: str
    language: str
    caught_up_seq: int = 0

    async def connect(self) -> None:
        self.circle_id = str(self.scope["url_route"]["kwargs"]["circle_id"])
        self.language = _language(self.scope.get("headers", []))
        user = self.scope.get("user")
        code = await database_sync_to_async(self._refusal)(user)
        if code:
            await self.close(code=code)
            return
        self.user = user
        self.group = chat.circle_group(self.circle_id)
        # Join the group first, then read the backlog: a message committed in between is both
        # in the backlog and live, and the live copy is dropped (its seq is already sent).
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._catch_up(_after(self.scope.get("query_string", b"")))

    def _refusal(self, user: Any) -> int:
        """The close code refusing this connection, or 0."""
        try:
            access_circle(user if isinstance(user, User) else None, self.circle_id, need="member")
        except NotAuthenticated:
            return CLOSE_NOT_AUTHENTICATED
        except NotFound:
            return CLOSE_NOT_FOUND
        except DomainError:
            return CLOSE_FORBIDDEN
        return 0

    async def _catch_up(self, after: int) -> None:
        """Send every stored message with seq > after, in order, then `caught_up`."""
        while True:
            batch, more = await database_sync_to_async(self._backlog)(after)
            for message in batch:
                await self.send_json({"type": "message", "seq": message["seq"], "message": message})
                after = message["seq"]
            if not more:
                break
        self.caught_up_seq = after
        await self.send_json({"type": "caught_up", "seq": after})

    def _backlog(self, after: int) -> tuple[list[dict[str, Any]], bool]:
        circle = Circle.objects.get(pk=self.circle_id)
        rows, more = chat.history_page(circle, after_seq=after, limit=CATCH_UP_BATCH)
        return [chat.message_json(m) for m in rows], more

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    # --- client → server --------------------------------------------------------------------

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self._error(None, "invalid_frame", "Frames are JSON objects.")
            return
        kind = content.get("type")
        if kind == "send":
            await self._send_message(content)
        elif kind == "read":
            await self._read(content)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._error(None, "invalid_frame", "Unknown frame type.")

    async def _send_message(self, frame: dict[str, Any]) -> None:
        client_id = frame.get("client_id")
        try:
            seq, message_id = await database_sync_to_async(self._store)(frame)
        except DomainError as exc:
            await self._domain_error(client_id, exc)
            return
        await self.send_json({"type": "ack", "client_id": client_id, "seq": seq, "id": message_id})

    def _store(self, frame: dict[str, Any]) -> tuple[int, str]:
        def text(name: str) -> str:
            value = frame.get(name)
            return value if isinstance(value, str) else ""

        message = chat.send_message(
            self.user,
            self.circle_id,
            kind=text("kind") or "text",
            text=text("text"),
            client_id=text("client_id"),
            product_id=text("product_id") or None,
            order_id=text("order_id") or None,
            review_id=text("review_id") or None,
            reply_to_id=text("reply_to") or None,
        )
        return message.seq, message.pk

    async def _read(self, frame: dict[str, Any]) -> None:
        seq = frame.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int):
            await self._error(None, "invalid_frame", "read needs an integer seq.")
            return
        try:
            unread = await database_sync_to_async(chat.mark_read)(self.user, self.circle_id, seq)
        except DomainError as exc:
            await self._domain_error(None, exc)
            return
        await self.send_json({"type": "unread", "count": unread})

    async def _domain_error(self, client_id: Any, exc: DomainError) -> None:
        with translation.override(self.language):
            body = exc.as_dict()
        await self.send_json({"type": "error", "client_id": client_id, **body})
        if exc.code == "not_member":
            await self.close(code=CLOSE_FORBIDDEN)

    async def _error(self, client_id: Any, code: str, detail: str) -> None:
        await self.send_json(
            {"type": "error", "client_id": client_id, "code": code, "detail": detail}
        )

    # --- group events → client ----------------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        message = event["message"]
        if message["seq"] <= self.caught_up_seq:
            return  # already sent from the backlog
        await self.send_json({"type": "message", "seq": message["seq"], "message": message})

    async def chat_deleted(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "message.deleted",
                "seq": event["seq"],
                "id": event["id"],
                "reason": event["reason"],
            }
        )

    async def member_removed(self, event: dict[str, Any]) -> None:
        if event.get("user_id") == self.user.pk:
            await self.close(code=CLOSE_FORBIDDEN)
