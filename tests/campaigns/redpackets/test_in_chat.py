"""A red packet inside the chat: it opens as a sheet over the chat (HTMX), is grabbed there,
and its chat card shows the grabs so far — stored with the message (a reloaded chat draws it
right) and sent to the connected clients as a `card` frame."""

from __future__ import annotations

from typing import Any

from django.test import Client

from quanzi.campaigns.redpackets import services
from quanzi.circles.models import Message
from quanzi.circles.services import chat
from tests.campaigns.redpackets.conftest import Room, room  # noqa: F401 (fixture)

HTMX = {"HX-Request": "true", "Accept-Language": "en"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _sent(room: Room, django_capture_on_commit_callbacks: Any, count: int = 2) -> Any:  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        return services.send_packet(
            room.alice, room.circle.pk, total=200, count=count, kind="equal"
        )


def test_the_packet_opens_as_a_sheet_and_is_grabbed_in_it(
    room: Room,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
):
    # given a packet in the circle, opened from its chat card (HTMX)
    packet = _sent(room, django_capture_on_commit_callbacks)
    client = _client(room.bob)
    sheet = client.get(f"/redpackets/{packet.pk}/", headers=HTMX).content.decode()
    # then it is a sheet over the chat, with the grab button
    assert sheet.lstrip().startswith('<div class="sheet-layer"') and "<header" not in sheet
    assert 'data-testid="redpacket-grab"' in sheet and 'hx-post="/redpackets/' in sheet
    # when bob grabs in the sheet
    with django_capture_on_commit_callbacks(execute=True):
        after = client.post(f"/redpackets/{packet.pk}/grab/", headers=HTMX)
    # then the packet comes back (to swap in place) with his amount and who got what
    html = after.content.decode()
    assert 'data-testid="redpacket"' in html and "sheet-layer" not in html
    assert after.status_code == 200 and 'data-testid="redpacket-mine">¥1.00' in html
    assert html.count('data-testid="redpacket-grab-line"') == 1


def test_a_refused_grab_says_why_in_the_sheet(room: Room, django_capture_on_commit_callbacks):  # noqa: F811
    # given a packet of one share, already grabbed by bob
    packet = _sent(room, django_capture_on_commit_callbacks, count=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.grab(room.bob, packet.pk)
    # when the store owner tries in the sheet
    response = _client(room.owner).post(f"/redpackets/{packet.pk}/grab/", headers=HTMX)
    # then the sheet shows the reason (200: HTMX swaps in only successful answers)
    assert response.status_code == 200
    assert 'data-testid="redpacket-error"' in response.content.decode()


def test_the_card_keeps_the_newest_count_of_grabs(room: Room, django_capture_on_commit_callbacks):  # noqa: F811
    # given a packet of two shares posted in the chat with 0 grabbed
    packet = _sent(room, django_capture_on_commit_callbacks)
    packet.refresh_from_db()
    message = Message.objects.get(pk=packet.message_id)
    assert message.card["grabbed"] == 0 and message.card["count"] == 2
    # when bob and the owner grab
    for person in (room.bob, room.owner):
        with django_capture_on_commit_callbacks(execute=True):
            services.grab(person, packet.pk)
    # then the stored card says 2 of 2 (what a reloaded chat draws)
    message.refresh_from_db()
    assert message.card["grabbed"] == 2
    # and an older state arriving late does not undo it
    stale = services.card_of(packet, grabbed=1)
    assert chat.refresh_card(message.pk, stale, version="grabbed") is False
    message.refresh_from_db()
    assert message.card["grabbed"] == 2


def test_a_card_refresh_is_sent_to_the_circle(
    room: Room,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
):
    # given a posted packet and the chat's publishing watched
    packet = _sent(room, django_capture_on_commit_callbacks)
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(chat, "publish", lambda circle_id, event: sent.append((circle_id, event)))
    # when bob grabs
    with django_capture_on_commit_callbacks(execute=True):
        services.grab(room.bob, packet.pk)
    # then the circle's clients are told the packet's card, with 1 grabbed
    packet.refresh_from_db()
    assert sent == [
        (
            room.circle.pk,
            {"type": "chat.card", "id": packet.message_id, "card": services.card_of(packet, 1)},
        )
    ]
