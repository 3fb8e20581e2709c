"""Concurrent senders on PostgreSQL: seq stays gapless and a raced resend is one message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from quanzi.circles.models import Circle, Message
from quanzi.circles.services import chat
from tests.circles.conftest_chat import ChatCircle, chat_circle_fixture  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _send(args: tuple[ChatCircle, str, str]) -> int:
    made, who, client_id = args
    try:
        message = chat.send_message(
            getattr(made, who), made.id, kind="text", text=client_id, client_id=client_id
        )
        return message.seq
    finally:
        connection.close()


def test_concurrent_senders_get_gapless_unique_seqs(cc: ChatCircle) -> None:
    Circle.objects.filter(pk=cc.id).update(flood_per_minute=1000)
    # when 4 members send 40 messages at the same time
    jobs = [
        (cc, who, f"{who}-{i}") for i in range(10) for who in ("alice", "bob", "admin", "owner")
    ]
    with ThreadPoolExecutor(8) as pool:
        seqs = list(pool.map(_send, jobs))
    # then the seqs are exactly 1..40 and the circle's counter agrees
    assert sorted(seqs) == list(range(1, 41))
    assert sorted(Message.objects.values_list("seq", flat=True)) == list(range(1, 41))
    assert Circle.objects.get(pk=cc.id).last_message_seq == 40


def test_raced_resends_of_one_client_id_make_one_message(cc: ChatCircle) -> None:
    # when the same message is sent 8 times at once (a client retrying hard)
    with ThreadPoolExecutor(8) as pool:
        seqs = list(pool.map(_send, [(cc, "alice", "same-id")] * 8))
    # then one message exists and every attempt answered with its seq
    assert Message.objects.count() == 1
    assert set(seqs) == {1}
    assert Circle.objects.get(pk=cc.id).last_message_seq == 1
