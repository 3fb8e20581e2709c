"""The chat socket of a circle: /ws/circles/<circle_id>/?after=<last seq seen>.

Thin: every rule lives in quanzi.circles.services.chat. The protocol is in
docs/chat-protocol.md. No client frame can end the socket: each one is answered (an error frame
for what cannot be read or done) and only the server closes, with a documented code.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.circles.errors import CircleCode
from quanzi.circles.models import Circle
from quanzi.circles.services import chat
from quanzi.circles.services.access import access_circle
from quanzi.core.errors import CoreCode, DomainError, InvalidInput, NotAuthenticated, NotFound
from quanzi.core.text import check_text

logger = logging.getLogger("quanzi.circles")

CATCH_UP_BATCH = 100
CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455: the server cannot serve now (the database is down)
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404

# The fields of a `send` frame: each is text when present.
SEND_FIELDS = (
    "kind",
    "text",
    "client_id",
    "product_id",
    "order_id",
    "review_id",
    "reply_to",
    "card_type",
    "target_id",
)


class InvalidFrame(InvalidInput):
    """A frame the socket cannot read: an `invalid_frame` error frame with a `reason`."""

    code = CircleCode.INVALID_FRAME

    def __init__(self, message: Any, reason: str, **extra: Any) -> None:
        super().__init__(message, reason=reason, **extra)


def unavailable() -> DomainError:
    return DomainError(
        _("The chat is unavailable for a moment. Please try again shortly."),
        code=CoreCode.UNAVAILABLE,
    )


def server_error() -> DomainError:
    return DomainError(
        _("The chat could not handle this. Please try again."), code=CoreCode.SERVER_ERROR
    )


def read_frame(text_data: str | None) -> dict[str, Any]:
    """The JSON object a client frame carries; InvalidFrame for anything else. The size is
    checked before parsing; a parser's RecursionError (deep nesting) is a bad frame too."""
    if text_data is None:
        raise InvalidFrame(_("Frames are JSON text, not binary."), "binary")
    limit = settings.QUANZI_WS_MAX_FRAME_CHARS
    if len(text_data) > limit:
        raise InvalidFrame(
            _("A frame can have at most %(n)d characters.") % {"n": limit}, "too_large", limit=limit
        )
    try:
        content = json.loads(text_data)
    except (ValueError, RecursionError):
        raise InvalidFrame(_("Frames are JSON objects."), "not_json") from None
    if not isinstance(content, dict):
        raise InvalidFrame(_("Frames are JSON objects."), "not_object")
    return content


def check_frame_text(frame: dict[str, Any]) -> None:
    """The rule for text over HTTP (quanzi.core.text): no NUL, no lone surrogate, anywhere."""
    try:
        check_text(frame)
    except InvalidInput as exc:
        raise InvalidFrame(exc.message, exc.code) from None


def send_fields(frame: dict[str, Any]) -> dict[str, str]:
    """The text fields of a `send` frame ("" when absent or null); a value of another JSON
    type is refused naming the field. Unknown keys are ignored."""
    fields = {}
    for name in SEND_FIELDS:
        value = frame.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidFrame(
                _("%(field)s must be text.") % {"field": name}, "wrong_type", field=name
            )
        fields[name] = value or ""
    return fields


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
    joined: bool = False  # accepted as a member, not closed since: frames and events flow

    async def connect(self) -> None:
        self.circle_id = str(self.scope["url_route"]["kwargs"]["circle_id"])
        self.language = _language(list(self.scope.get("headers", [])))
        user = self.scope.get("user")
        try:
            code = await database_sync_to_async(self._refusal)(user)
        except DatabaseError:
            logger.warning("chat socket refused: database error", exc_info=True)
            code = CLOSE_TRY_AGAIN_LATER
        if code:
            # Accept, then close: a close before the accept reaches the client as an HTTP 403
            # and a browser reports 1006, without the code that says why.
            await self.accept()
            await self.close(code=code)
            return
        self.user = cast(User, user)  # signed in: `_refusal` refused anonymous sockets
        self.group = chat.circle_group(self.circle_id)
        # Join the group first, then read the backlog: a message committed in between is both
        # in the backlog and live, and the live copy is dropped (its seq is already sent).
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.joined = True
        try:
            await self._catch_up(_after(self.scope.get("query_string", b"")))
        except DatabaseError:
            logger.warning("chat catch-up failed: database error", exc_info=True)
            await self._send_error(None, unavailable())
            await self._close(CLOSE_TRY_AGAIN_LATER)

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
        self.joined = False
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _close(self, code: int) -> None:
        self.joined = False
        await self.close(code=code)

    # --- client → server --------------------------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """Answer one client frame. Nothing raised here may escape: it would end the consumer
        and drop the socket (1011, or 1006 in a browser). Errors answer with an error frame
        echoing the frame's client_id (when it has one) so the client can match it."""
        if not self.joined:
            return  # frames sent behind a refused handshake or after a close
        client_id: str | None = None
        # The handshake's language for the whole frame: messages built with values ("muted
        # until %(time)s") are rendered when raised, also in the service's thread.
        with translation.override(self.language):
            try:
                frame = read_frame(text_data)
                value = frame.get("client_id")
                client_id = value if isinstance(value, str) else None
                check_frame_text(frame)
                await self._dispatch(frame)
            except DomainError as exc:
                await self._send_error(client_id, exc)
            except DatabaseError:
                logger.warning("chat frame failed: database error", exc_info=True)
                await self._send_error(client_id, unavailable())
            except Exception:
                logger.exception("chat frame failed")
                await self._send_error(client_id, server_error())

    async def _dispatch(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "send":
            await self._send_message(frame)
        elif kind == "read":
            await self._read(frame)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            raise InvalidFrame(_("Unknown frame type."), "unknown_type")

    async def _send_message(self, frame: dict[str, Any]) -> None:
        fields = send_fields(frame)
        seq, message_id = await database_sync_to_async(self._store)(fields)
        await self.send_json(
            {"type": "ack", "client_id": fields["client_id"] or None, "seq": seq, "id": message_id}
        )

    def _store(self, fields: dict[str, str]) -> tuple[int, str]:
        message = chat.send_message(
            self.user,
            self.circle_id,
            kind=fields["kind"] or "text",
            text=fields["text"],
            client_id=fields["client_id"],
            product_id=fields["product_id"] or None,
            order_id=fields["order_id"] or None,
            review_id=fields["review_id"] or None,
            reply_to_id=fields["reply_to"] or None,
            card_type=fields["card_type"] or None,
            target_id=fields["target_id"] or None,
        )
        return message.seq, message.pk

    async def _read(self, frame: dict[str, Any]) -> None:
        seq = frame.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise InvalidFrame(_("read needs a whole number seq."), "wrong_type", field="seq")
        # Any int: the service clamps it between the read position and the last message.
        unread = await database_sync_to_async(chat.mark_read)(self.user, self.circle_id, seq)
        await self.send_json({"type": "unread", "count": unread})

    async def _send_error(self, client_id: str | None, exc: DomainError) -> None:
        with translation.override(self.language):
            body = exc.as_dict()
        await self.send_json({"type": "error", "client_id": client_id, **body})
        if exc.code == "not_member":
            await self._close(CLOSE_FORBIDDEN)

    # --- group events → client ----------------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        message = event["message"]
        if not self.joined or message["seq"] <= self.caught_up_seq:
            return  # closed, or already sent from the backlog
        await self.send_json({"type": "message", "seq": message["seq"], "message": message})

    async def chat_deleted(self, event: dict[str, Any]) -> None:
        if not self.joined:
            return
        await self.send_json(
            {
                "type": "message.deleted",
                "seq": event["seq"],
                "id": event["id"],
                "reason": event["reason"],
            }
        )

    async def chat_card(self, event: dict[str, Any]) -> None:
        if self.joined:
            await self.send_json({"type": "card", "id": event["id"], "card": event["card"]})

    async def member_removed(self, event: dict[str, Any]) -> None:
        if self.joined and event.get("user_id") == self.user.pk:
            await self._close(CLOSE_FORBIDDEN)
