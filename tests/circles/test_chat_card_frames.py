"""A card message redrawn by its domain (chat.refresh_card) reaches every connected member as
a `card` frame (docs/chat-protocol.md)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from quanzi.circles.models import Message
from quanzi.circles.services import chat
from tests.circles.conftest_chat import ChatCircle, Socket, chat_circle_fixture  # noqa: F401
from tests.loops import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refreshed_card_reaches_the_connected_members(cc: ChatCircle) -> None:
    # given a card message in the circle and alice connected
    with ThreadPoolExecutor(1) as pool:
        message: Message = pool.submit(
            chat.post_card,
            cc.owner,
            cc.circle,
            card={"type": "red_packet", "grabbed": 0, "count": 3},
            text="红包",
            client_id="rp-1",
        ).result()

    async def scenario() -> dict[str, Any]:
        socket = Socket(f"/ws/circles/{cc.id}/", cc.alice)
        connected, _ = await socket.connect()
        assert connected
        await socket.receive_until("caught_up")
        # when its domain redraws the card with one grab
        from channels.db import database_sync_to_async

        await database_sync_to_async(chat.refresh_card)(
            message.pk, {"type": "red_packet", "grabbed": 1, "count": 3}, version="grabbed"
        )
        frames = await socket.receive_until("card")
        await socket.close()
        return frames[-1]

    # then alice gets the card frame with the new state
    frame = run(scenario)
    assert frame == {
        "type": "card",
        "id": message.pk,
        "card": {"type": "red_packet", "grabbed": 1, "count": 3},
    }
