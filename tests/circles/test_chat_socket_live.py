"""Hostile frames and refused handshakes through the real protocol stack: a uvicorn process
started with the arguments of `manage.py serve`, and the `websockets` client (issue 9, point 4).

Here the 8 MB frame meets uvicorn's own message size limit (--ws-max-size) and a binary frame
is a real binary opcode; close codes are what a browser would see.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.circles.conftest_chat import LiveSite, make_live_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveSite, str]]:
    live = make_live_site(Path(tmp_path_factory.mktemp("chat-live")))
    try:
        yield live, live.start()
    finally:
        live.stop()


def ws_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


@contextmanager
def socket_of(live: LiveSite, base: str, who: str | None, **kwargs: Any) -> Iterator[Any]:
    """A client logged in as `who` (None: anonymous) with the site's Origin."""
    headers = {"Origin": base}
    if who is not None:
        headers["Cookie"] = f"sessionid={live.seed['people'][who]['session']}"
    path = kwargs.pop("path", f"/ws/circles/{live.seed['circle']}/?after=0")
    with connect(ws_url(base, path), additional_headers=headers, **kwargs) as conn:
        yield conn


def frame(conn: ClientConnection) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(conn.recv(timeout=10))
    return data


def until(conn: ClientConnection, kind: str) -> list[dict[str, Any]]:
    frames = [frame(conn)]
    while frames[-1]["type"] != kind:
        frames.append(frame(conn))
    return frames


def close_code(conn: ClientConnection) -> int | None:
    """The code of the server's close frame (waits for it)."""
    with pytest.raises(ConnectionClosed) as closed:
        conn.recv(timeout=10)
    return closed.value.rcvd.code if closed.value.rcvd else None


def test_hostile_frames_through_uvicorn_while_another_member_keeps_receiving(site):
    live, base = site
    # given bob listening and alice (the attacker) connected, both past their backlog
    with socket_of(live, base, "bob") as bob, socket_of(live, base, "alice") as alice:
        until(bob, "caught_up")
        until(alice, "caught_up")
        hostile: list[tuple[str | bytes, str]] = [
            ('{"type": "send", "client_id": ', "not_json"),
            (b"\x00\x01\x02 binary", "binary"),
            ("[" * 100_000 + "]" * 100_000, "too_large"),
            ('{"type": "ping", "x": ' + "[" * 20_000 + "]" * 20_000 + "}", "not_json"),
            ('{"type": "send", "client_id": "nul", "text": "a\\u0000b"}', "nul_character"),
            ('{"type": "send", "client_id": "sur", "text": "\\ud800"}', "invalid_unicode"),
        ]
        for n, (hostile_frame, reason) in enumerate(hostile):
            # when alice sends a hostile frame
            alice.send(hostile_frame)
            error = frame(alice)
            # then she gets the error frame and her socket still carries a valid message
            assert (error["type"], error["code"], error["reason"]) == (
                "error",
                "invalid_frame",
                reason,
            )
            alice.send(json.dumps({"type": "send", "client_id": f"ok{n}", "text": f"ok {n}"}))
            assert {f["type"] for f in [frame(alice), frame(alice)]} == {"ack", "message"}
            # and bob receives it live
            got = frame(bob)
            assert (got["type"], got["message"]["text"]) == ("message", f"ok {n}")

        # when a second socket of alice sends 8 MB, over the server's message size limit
        assert settings.QUANZI_WS_MAX_MESSAGE_BYTES < 8 * 1024 * 1024
        with socket_of(live, base, "alice", max_size=None) as big:
            until(big, "caught_up")
            big.send('{"type": "send", "client_id": "big", "text": "' + "x" * 8_000_000 + '"}')
            # then the server closes that socket with 1009 (message too big)
            assert close_code(big) == 1009
        # and alice's first socket and bob's are still open and live
        alice.send(json.dumps({"type": "send", "client_id": "after", "text": "after the big one"}))
        assert "ack" in {f["type"] for f in [frame(alice), frame(alice)]}
        assert frame(bob)["message"]["text"] == "after the big one"


def test_refused_handshakes_reach_the_client_as_close_codes(site):
    live, base = site
    circle = f"/ws/circles/{live.seed['circle']}/"
    # when an outsider, an anonymous visitor, someone with an unknown circle, someone with an
    # unknown socket path and someone with a hostile circle id connect
    cases = [
        ("outsider", circle),
        (None, circle),
        ("alice", "/ws/circles/nosuchcircle1234/"),
        ("alice", "/ws/nowhere/"),
        ("alice", "/ws/circles/%00%ED%A0%80/"),  # a NUL and an encoded surrogate in the id
    ]
    codes = []
    for who, path in cases:
        with socket_of(live, base, who, path=path) as conn:
            codes.append(close_code(conn))
    # then each handshake completes and the close code says why
    assert codes == [4403, 4401, 4404, 4404, 4404]


def test_a_foreign_origin_is_refused_at_the_handshake(site):
    live, base = site
    # when a page of another site opens alice's socket (her cookie rides along)
    headers = {
        "Origin": "http://evil.example",
        "Cookie": f"sessionid={live.seed['people']['alice']['session']}",
    }
    url = ws_url(base, f"/ws/circles/{live.seed['circle']}/")
    # then the upgrade itself is refused with HTTP 403 (docs/chat-protocol.md: no code is owed
    # to a foreign page)
    with pytest.raises(InvalidStatus) as refused, connect(url, additional_headers=headers):
        pass
    assert refused.value.response.status_code == 403
