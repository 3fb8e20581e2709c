"""Hostile frames on the chat socket: each is answered with an error frame, the sender's socket
stays open and usable, and the other members keep receiving live messages (issue 9, point 4).

The sockets are asgiref communicators (`Socket` of conftest_chat, the base of Channels'
WebsocketCommunicator, which cannot be imported without Daphne). The same frames through the real
protocol stack (uvicorn) are in test_chat_socket_live.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError

from quanzi.asgi import application
from quanzi.circles import consumers
from quanzi.circles.models import Circle, Membership, Message
from quanzi.circles.services import chat
from tests.circles.conftest_chat import ChatCircle, Socket, chat_circle_fixture  # noqa: F401
from tests.circles.test_chat_socket import joined, run, url

pytestmark = pytest.mark.django_db(transaction=True)

EIGHT_MB = 8 * 1024 * 1024
DEEP = 100_000

# (what it is, the frame, the error frame's `reason`, its `client_id`)
HOSTILE_FRAMES: list[tuple[str, str | bytes, str, str | None]] = [
    ("malformed JSON", '{"type": "send", "client_id": "m1", "text": ', "not_json", None),
    ("an 8 MB text frame", '{"type": "ping", "pad": "' + "x" * EIGHT_MB + '"}', "too_large", None),
    ("a binary frame", b'{"type": "ping"}\x00\xff', "binary", None),
    ("JSON nested 100,000 deep", "[" * DEEP + "]" * DEEP, "too_large", None),
    # within the size limit, but deeper than the JSON parser's recursion limit
    ("JSON nested 20,000 deep", '{"type": "ping", "x": ' + "[" * 20_000 + "]" * 20_000 + "}",
     "not_json", None),
    ("a NUL in a text", '{"type": "send", "client_id": "nul", "text": "a\\u0000b"}',
     "nul_character", "nul"),
    ("a lone surrogate", '{"type": "send", "client_id": "sur", "text": "\\ud800"}',
     "invalid_unicode", "sur"),
    ("a lone surrogate in a key", '{"type": "ping", "\\udfff": 1}', "invalid_unicode", None),
    ("not an object", "[1, 2, 3]", "not_object", None),
    ("an unknown type", '{"type": "delete_everything"}', "unknown_type", None),
]  # fmt: skip


async def send_and_confirm(attacker: Socket, member: Socket, n: int) -> None:
    """The attacker's socket still works (a valid send is acked) and the member receives it."""
    await attacker.send_json({"type": "send", "client_id": f"ok{n}", "text": f"still here {n}"})
    frames = [await attacker.receive_json(), await attacker.receive_json()]
    assert {f["type"] for f in frames} == {"ack", "message"}, frames
    live = await member.receive_json()
    assert (live["type"], live["message"]["text"]) == ("message", f"still here {n}")


def test_each_hostile_frame_gets_an_error_while_another_member_keeps_receiving(cc: ChatCircle):
    # given alice (the attacker) and bob connected to the same circle
    Circle.objects.filter(pk=cc.id).update(flood_per_minute=1000)

    async def scenario() -> list[dict[str, Any]]:
        alice = await joined(cc, cc.alice)
        bob = await joined(cc, cc.bob)
        errors = []
        for n, (_what, frame, _reason, _client_id) in enumerate(HOSTILE_FRAMES):
            # when alice sends a hostile frame
            if isinstance(frame, bytes):
                await alice.send_bytes(frame)
            else:
                await alice.send_text(frame)
            errors.append(await alice.receive_json())
            # then her socket still carries a valid message, and bob receives it live
            await send_and_confirm(alice, bob, n)
        assert await bob.receive_nothing(0.1)
        await alice.close()
        await bob.close()
        return errors

    errors = run(scenario)
    # then each hostile frame was answered with the documented error frame
    for (what, _frame, reason, client_id), error in zip(HOSTILE_FRAMES, errors, strict=True):
        assert error["type"] == "error", what
        assert (error["code"], error["reason"], error["client_id"]) == (
            "invalid_frame",
            reason,
            client_id,
        ), what
        assert error["detail"], what
    too_large = errors[1]
    limit = settings.QUANZI_WS_MAX_FRAME_CHARS
    assert too_large["limit"] == limit
    # in the language of the handshake (English here), with the limit
    assert too_large["detail"] == f"A frame can have at most {limit} characters."
    # and only the valid messages were stored
    assert sorted(Message.objects.values_list("text", flat=True)) == sorted(
        f"still here {n}" for n in range(len(HOSTILE_FRAMES))
    )


def test_nul_and_surrogate_are_refused_with_the_same_text_as_over_http(cc: ChatCircle):
    # given alice's socket in English
    async def scenario() -> list[dict[str, Any]]:
        alice = await joined(cc, cc.alice)
        out = []
        for text in ("a\\u0000b", "\\ud83d only half"):
            await alice.send_text(f'{{"type": "send", "client_id": "c", "text": "{text}"}}')
            out.append(await alice.receive_json())
        await alice.close()
        return out

    # when she sends a NUL and half a surrogate pair
    nul, half = run(scenario)
    # then the details are those of the HTTP guard (quanzi.core.text)
    assert nul["detail"] == "Text must not contain NUL characters."
    assert half["detail"] == "Text must not contain invalid Unicode characters."
    assert not Message.objects.exists()


def test_hostile_but_valid_frames(cc: ChatCircle):
    # given two messages in the circle and alice connected, bob listening
    Circle.objects.filter(pk=cc.id).update(flood_per_minute=1000)
    for i in range(2):
        chat.send_message(cc.owner, cc.id, kind="text", text=f"m{i}", client_id=f"o{i}")
    frames: list[dict[str, Any]] = [
        {"type": "send", "client_id": "long", "text": "字" * 100_000},
        {"type": "send", "client_id": "long2", "text": "x" * 3000},
        {"type": "read", "seq": -5},
        {"type": "read", "seq": 10**30},
        {"type": "read", "seq": 1.5},
        {"type": "read", "seq": True},
        {"type": "send", "client_id": {"nested": {"object": 1}}, "text": "hi"},
        {"type": "send", "client_id": "t", "text": ["a", "list"]},
        {"type": "send", "client_id": "k", "kind": 7, "text": "hi"},
        {"type": "send", "client_id": "extra", "text": "hi", "seq": 999, "admin": True},
        {"type": "ping", "unknown": {"keys": [1, 2]}},
    ]

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        alice = await joined(cc, cc.alice)
        bob = await joined(cc, cc.bob)
        answers = []
        for frame in frames:
            await alice.send_json(frame)
            answer = await alice.receive_json()
            if answer["type"] == "message":  # her own message, before or after the ack
                answer = await alice.receive_json()
            answers.append(answer)
        live = [await bob.receive_json()]
        assert await bob.receive_nothing(0.1)
        await alice.close()
        await bob.close()
        return answers, live

    # when alice sends each frame
    answers, live = run(scenario)
    # then every frame got its answer on the open socket
    summary = [(a["type"], a.get("code"), a.get("reason"), a.get("field")) for a in answers]
    assert summary == [
        ("error", "invalid_frame", "too_large", None),
        ("error", "text_too_long", None, None),
        ("unread", None, None, None),
        ("unread", None, None, None),
        ("error", "invalid_frame", "wrong_type", "seq"),
        ("error", "invalid_frame", "wrong_type", "seq"),
        ("error", "invalid_frame", "wrong_type", "client_id"),
        ("error", "invalid_frame", "wrong_type", "text"),
        ("error", "invalid_frame", "wrong_type", "kind"),
        ("ack", None, None, None),
        ("pong", None, None, None),
    ]
    # a service's message with a value is in the handshake's language too (English here)
    assert answers[1]["detail"] == "A message can have at most 2000 characters."
    # a negative seq does not move the read position back, a huge one stops at the last message
    assert answers[2]["count"] == 2 and answers[3]["count"] == 0
    # an error echoes only a client_id that is one (text), never the object sent
    assert answers[6]["client_id"] is None
    assert answers[1]["client_id"] == "long2" and answers[7]["client_id"] == "t"
    # unknown keys are ignored: the message got the next seq, not the one sent
    assert answers[9]["seq"] == 3
    assert [(f["type"], f["seq"]) for f in live] == [("message", 3)]
    assert Membership.objects.get(user=cc.alice).last_read_seq == 3


def test_many_frames_fast_hold_the_chat_rate_limit(cc: ChatCircle):
    # given a circle that allows 5 messages per member per minute
    Circle.objects.filter(pk=cc.id).update(flood_per_minute=5)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        bob = await joined(cc, cc.bob)
        sockets = [await joined(cc, cc.alice), await joined(cc, cc.alice)]
        # when alice fires 12 sends over two sockets without waiting, and 50 pings
        for n in range(12):
            await sockets[n % 2].send_json({"type": "send", "client_id": f"f{n}", "text": "spam"})
        for _ in range(25):
            for s in sockets:
                await s.send_json({"type": "ping"})
        answers = []
        for s in sockets:
            while not await s.receive_nothing(0.3):
                answers.append(await s.receive_json())
        received = []
        while not await bob.receive_nothing(0.3):
            received.append(await bob.receive_json())
        for s in [*sockets, bob]:
            await s.close()
        return answers, received

    answers, received = run(scenario)
    # then 5 are acked, 7 refused as rate-limited, every ping answered, both sockets open
    kinds = [a["type"] if a["type"] != "error" else a["code"] for a in answers]
    assert kinds.count("ack") == 5
    assert kinds.count("rate_limited") == 7
    assert kinds.count("pong") == 50
    # and bob received exactly the 5 stored messages
    assert [f["type"] for f in received] == ["message"] * 5
    assert Message.objects.count() == 5


def test_database_error_in_a_frame_is_an_unavailable_error_frame(cc: ChatCircle, monkeypatch):
    # given a database that fails the next send, then an unexpected bug on the one after
    real_send = chat.send_message
    failures: list[Exception] = [OperationalError("the database is gone"), KeyError("bug")]

    def flaky_send(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop(0)
        return real_send(*args, **kwargs)

    monkeypatch.setattr(chat, "send_message", flaky_send)

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        alice = await joined(cc, cc.alice)
        bob = await joined(cc, cc.bob)
        errors = []
        for cid in ("db", "bug"):
            await alice.send_json({"type": "send", "client_id": cid, "text": "hello"})
            errors.append(await alice.receive_json())
        # when the database is back, the same socket sends again
        await alice.send_json({"type": "send", "client_id": "db", "text": "hello"})
        await alice.receive_until("ack")
        live = await bob.receive_json()
        await alice.close()
        await bob.close()
        return errors, live

    errors, live = run(scenario)
    # then the database error was an `unavailable` error, the bug a `server_error`, both
    # echoing the client_id, and the retry went through to bob
    assert [(e["type"], e["code"], e["client_id"]) for e in errors] == [
        ("error", "unavailable", "db"),
        ("error", "server_error", "bug"),
    ]
    assert "database" not in errors[0]["detail"] and "bug" not in errors[1]["detail"]
    assert live["message"]["text"] == "hello"


def test_database_error_at_the_handshake_closes_with_try_again_later(cc: ChatCircle, monkeypatch):
    # given the database fails while the membership is checked
    def gone(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("the database is gone")

    monkeypatch.setattr(consumers, "access_circle", gone)
    # when alice connects, then the socket is accepted and closed with 1013 (try again later)
    assert run(lambda: Socket(url(cc), cc.alice).refused()) == 1013


def test_unknown_socket_path_is_closed_with_4404(cc: ChatCircle):
    async def scenario() -> int:
        socket = Socket("/ws/nothing-here/", None, application)
        socket.scope["headers"] = [(b"origin", b"http://testserver")]
        del socket.scope["user"]
        return await socket.refused()

    # when a client opens a socket path that does not exist, then it is closed with 4404
    assert run(scenario) == 4404


def test_frames_are_json_text_only(cc: ChatCircle):
    # given the size limit of a frame
    limit = settings.QUANZI_WS_MAX_FRAME_CHARS
    just_fits = json.dumps({"type": "ping", "pad": ""})
    just_fits = just_fits[:-2] + "x" * (limit - len(just_fits)) + '"}'
    assert len(just_fits) == limit

    async def scenario() -> list[dict[str, Any]]:
        alice = await joined(cc, cc.alice)
        out = []
        for frame in (just_fits, just_fits[:-2] + 'x"}', "", " "):
            await alice.send_text(frame)
            out.append(await alice.receive_json())
        await alice.close()
        return out

    # when alice sends a frame of exactly the limit, one character more, and empty frames
    fits, over, empty, blank = run(scenario)
    # then the first is answered, the second refused as too large, the empty ones as not JSON
    assert fits == {"type": "pong"}
    assert (over["code"], over["reason"]) == ("invalid_frame", "too_large")
    assert (empty["reason"], blank["reason"]) == ("not_json", "not_json")


def test_database_error_in_the_session_lookup_closes_with_try_again_later(
    cc: ChatCircle, monkeypatch
):
    # given the database fails while the auth middleware looks up the session
    import channels.auth

    async def gone(scope: Any) -> Any:
        raise OperationalError("the database is gone")

    monkeypatch.setattr(channels.auth, "get_user", gone)

    async def scenario() -> int:
        socket = Socket(url(cc), None, application)
        socket.scope["headers"] = [(b"origin", b"http://testserver"), (b"cookie", b"sessionid=x")]
        del socket.scope["user"]
        return await socket.refused()

    # when a client connects through quanzi.asgi, then the handshake is closed with 1013
    assert run(scenario) == 1013
