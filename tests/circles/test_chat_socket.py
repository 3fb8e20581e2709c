"""Chat over the WebSocket: who may connect, catch-up after reconnect, one message per
client_id, recall/remove reaching every client, muted members, errors."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone

from quanzi.asgi import application
from quanzi.circles.models import Circle, Membership, Message
from quanzi.circles.services import chat
from tests.circles.conftest_chat import ChatCircle, Socket, chat_circle_fixture  # noqa: F401
from tests.loops import run

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(fn: Callable[[], Any]) -> Any:
    """Run sync setup that publishes to the channel layer off the main thread (see run)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def url(cc: ChatCircle, after: int | None = None) -> str:
    return f"/ws/circles/{cc.id}/" + (f"?after={after}" if after is not None else "")


async def joined(cc: ChatCircle, user: Any, after: int | None = None) -> Socket:
    """A connected socket that has received its backlog."""
    socket = Socket(url(cc, after), user)
    connected, _ = await socket.connect()
    assert connected
    await socket.receive_until("caught_up")
    return socket


send = database_sync_to_async(chat.send_message)


def test_non_member_and_anonymous_cannot_connect(cc: ChatCircle) -> None:
    async def scenario() -> list[int]:
        results = []
        for user in (cc.outsider, None):
            socket = Socket(url(cc), user)
            results.append(await socket.refused())
        unknown = Socket("/ws/circles/nosuchcircle1234/", cc.alice)
        results.append(await unknown.refused())
        return results

    # when an outsider, an anonymous visitor and someone with an unknown id connect
    # then each handshake is accepted and closed at once with the code saying why (a close
    # before the accept reaches a browser as an HTTP 403, without any code)
    assert run(scenario) == [4403, 4401, 4404]


def test_session_cookie_through_the_full_asgi_stack(cc: ChatCircle) -> None:
    # given alice logged in through the site (session cookie)
    client = Client()
    client.force_login(cc.alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario() -> tuple[Any, Any]:
        headers = [(b"cookie", cookie), (b"origin", b"http://testserver")]
        socket = Socket(url(cc), None, application)
        socket.scope["headers"] = headers
        del socket.scope["user"]  # the auth middleware finds her from the cookie
        logged_in = await socket.connect()
        anonymous = Socket(url(cc), None, application)
        anonymous.scope["headers"] = [(b"origin", b"http://testserver")]
        del anonymous.scope["user"]
        return logged_in, await anonymous.refused()

    # when she and an anonymous visitor open the socket through quanzi.asgi
    logged_in, anonymous = run(scenario)
    # then she is in and the visitor is refused
    assert logged_in == (True, None)
    assert anonymous == 4401


def test_send_over_socket_acks_and_reaches_every_member(cc: ChatCircle) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
        a = await joined(cc, cc.alice)
        b = await joined(cc, cc.bob)
        await a.send_json({"type": "send", "client_id": "x1", "kind": "text", "text": "你好"})
        frames_a = [await a.receive_json(), await a.receive_json()]
        got_b = await b.receive_json()
        assert await b.receive_nothing(0.2)
        await a.close()
        await b.close()
        ack = next(f for f in frames_a if f["type"] == "ack")
        return frames_a, ack, got_b

    # when alice sends over her socket
    frames_a, ack, got_b = run(scenario)
    # then she gets an ack with the seq, and both see the message once
    assert ack == {"type": "ack", "client_id": "x1", "seq": 1, "id": Message.objects.get().pk}
    assert {f["type"] for f in frames_a} == {"ack", "message"}
    assert got_b["type"] == "message" and got_b["seq"] == 1
    assert got_b["message"]["text"] == "你好"


def test_resend_same_client_id_one_message_one_broadcast(cc: ChatCircle) -> None:
    async def scenario() -> list[dict[str, Any]]:
        b = await joined(cc, cc.bob)
        a = await joined(cc, cc.alice)
        frame = {"type": "send", "client_id": "same", "kind": "text", "text": "once"}
        await a.send_json(frame)
        first = {(await a.receive_json())["type"], (await a.receive_json())["type"]}
        assert first == {"ack", "message"}
        await a.send_json(frame)  # the network hiccuped: the client sends it again
        acks = [await a.receive_json()]
        assert await a.receive_nothing(0.3)
        received = [await b.receive_json()]
        while not await b.receive_nothing(0.3):
            received.append(await b.receive_json())
        await a.close()
        await b.close()
        assert [f["type"] for f in acks] == ["ack"] and acks[0]["seq"] == 1
        return received

    # when alice sends the same client_id twice, then bob receives it exactly once
    received = run(scenario)
    assert [(f["type"], f["seq"]) for f in received] == [("message", 1)]
    assert Message.objects.count() == 1


def test_reconnect_with_after_delivers_exactly_the_missed_messages(cc: ChatCircle) -> None:
    # given 2 messages bob has seen
    in_thread(
        lambda: [
            chat.send_message(cc.alice, cc.id, kind="text", text=f"seen {i}", client_id=f"s{i}")
            for i in range(2)
        ]
    )

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        b = await joined(cc, cc.bob, after=0)
        await b.close()  # bob goes offline after seq 2
        for i in range(3):
            await send(cc.alice, cc.id, kind="text", text=f"missed {i}", client_id=f"m{i}")
        b = await joined_frames(cc, after=2)
        backlog = b[1]
        live_socket = b[0]
        await send(cc.alice, cc.id, kind="text", text="live", client_id="live")
        live = [await live_socket.receive_json()]
        assert await live_socket.receive_nothing(0.3)
        await live_socket.close()
        return backlog, live

    async def joined_frames(cc: ChatCircle, after: int) -> tuple[Socket, list[dict[str, Any]]]:
        socket = Socket(url(cc, after), cc.bob)
        assert (await socket.connect())[0]
        return socket, await socket.receive_until("caught_up")

    # when bob reconnects with ?after=2 while alice keeps posting
    backlog, live = run(scenario)
    # then he receives exactly the 3 missed messages in order, then the live one
    assert [(f["type"], f["seq"]) for f in backlog] == [
        ("message", 3),
        ("message", 4),
        ("message", 5),
        ("caught_up", 5),
    ]
    assert [f["message"]["text"] for f in backlog[:3]] == ["missed 0", "missed 1", "missed 2"]
    assert [(f["type"], f["seq"]) for f in live] == [("message", 6)]


def test_backlog_larger_than_a_batch_is_complete(cc: ChatCircle) -> None:
    # given 130 messages (more than one catch-up batch)
    Circle.objects.filter(pk=cc.id).update(flood_per_minute=1000)
    in_thread(
        lambda: [
            chat.send_message(cc.alice, cc.id, kind="text", text=f"m{i}", client_id=f"b{i}")
            for i in range(130)
        ]
    )

    async def scenario() -> list[dict[str, Any]]:
        socket = Socket(url(cc, 5), cc.bob)
        assert (await socket.connect())[0]
        frames = await socket.receive_until("caught_up")
        await socket.close()
        return frames

    # when bob connects after seq 5, then he gets 6..130 in order
    frames = run(scenario)
    assert [f["seq"] for f in frames[:-1]] == list(range(6, 131))


def test_recall_and_remove_reach_every_connected_client(cc: ChatCircle) -> None:
    async def scenario() -> list[list[dict[str, Any]]]:
        sockets = [await joined(cc, u) for u in (cc.alice, cc.bob, cc.admin)]
        m1 = await send(cc.alice, cc.id, kind="text", text="oops", client_id="r1")
        m2 = await send(cc.bob, cc.id, kind="text", text="bad", client_id="r2")
        for s in sockets:
            await s.receive_json()
            await s.receive_json()
        await database_sync_to_async(chat.recall_message)(cc.alice, cc.id, m1.pk)
        await database_sync_to_async(chat.remove_message)(cc.admin, cc.id, m2.pk)
        events = [[await s.receive_json(), await s.receive_json()] for s in sockets]
        for s in sockets:
            await s.close()
        return events

    # when alice recalls her message and the admin removes bob's
    events = run(scenario)
    # then every client is told to delete both
    for per_client in events:
        assert [(e["type"], e["seq"], e["reason"]) for e in per_client] == [
            ("message.deleted", 1, "recalled"),
            ("message.deleted", 2, "removed"),
        ]


def test_muted_member_cannot_send_over_socket(cc: ChatCircle) -> None:
    # given alice is muted
    until = timezone.now() + timedelta(minutes=30)
    Membership.objects.filter(user=cc.alice).update(muted_until=until)

    async def scenario() -> dict[str, Any]:
        a = await joined(cc, cc.alice)
        await a.send_json({"type": "send", "client_id": "m", "kind": "text", "text": "hi"})
        frame = await a.receive_json()
        await a.close()
        return frame

    # when she sends, then she gets an error with the end of the mute, nothing is stored
    frame = run(scenario)
    assert frame["type"] == "error" and frame["code"] == "muted"
    assert frame["client_id"] == "m"
    # the message (in the handshake's language, Chinese by default) says when the mute ends
    assert timezone.localtime(until).strftime("%H:%M") in frame["detail"]
    assert frame["muted_until"]
    assert not Message.objects.exists()


def test_blocked_word_and_flood_errors_over_socket(cc: ChatCircle) -> None:
    Circle.objects.filter(pk=cc.id).update(blocked_words=["广告"], flood_per_minute=1)

    async def scenario() -> list[dict[str, Any]]:
        a = await joined(cc, cc.alice)
        out = []
        for cid, text in (("b", "加我看广告"), ("ok", "hi"), ("f", "again")):
            await a.send_json({"type": "send", "client_id": cid, "kind": "text", "text": text})
            frames = await a.receive_until("error") if cid != "ok" else await a.receive_until("ack")
            out.append(frames[-1])
        await a.close()
        return out

    # when alice writes a blocked word, then a fine message, then one more within the minute
    blocked, ok, flood = run(scenario)
    # then the first is refused naming the word, the second acked, the third rate-limited
    assert (blocked["code"], blocked["word"]) == ("blocked_word", "广告")
    assert ok["type"] == "ack"
    assert flood["code"] == "rate_limited"


def test_read_frame_moves_the_read_position(cc: ChatCircle) -> None:
    in_thread(
        lambda: [
            chat.send_message(cc.alice, cc.id, kind="text", text=f"m{i}", client_id=f"u{i}")
            for i in range(3)
        ]
    )

    async def scenario() -> list[dict[str, Any]]:
        b = await joined(cc, cc.bob)
        out = []
        for frame in ({"type": "read", "seq": 2}, {"type": "read", "seq": "x"}, {"type": "?"}):
            await b.send_json(frame)
            out.append(await b.receive_json())
        await b.close()
        return out

    # when bob's page reports reading up to 2, then sends bad frames
    unread, bad_seq, unknown = run(scenario)
    # then 1 is unread and the bad frames get errors without closing the socket
    assert unread == {"type": "unread", "count": 1}
    assert bad_seq["type"] == unknown["type"] == "error"
    assert Membership.objects.get(user=cc.bob).last_read_seq == 2


def test_removed_member_socket_is_closed(cc: ChatCircle) -> None:
    async def scenario() -> dict[str, Any]:
        b = await joined(cc, cc.bob)

        def remove_bob() -> None:
            from django.db import transaction

            with transaction.atomic():
                Membership.objects.filter(user=cc.bob).update(state="removed")
                chat.disconnect_member(cc.id, cc.bob)

        await database_sync_to_async(remove_bob)()
        out: dict[str, Any] = await b.receive_output(2)
        return out

    # when bob is removed from the circle, then his open socket is closed
    assert run(scenario) == {"type": "websocket.close", "code": 4403}
