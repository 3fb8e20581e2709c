"""Scale-out: two uvicorn processes on different ports share the Redis channel layer, so a
message sent through one reaches the clients of the other."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.circles.conftest_chat import LiveSite, make_live_site

pytestmark = pytest.mark.redis


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[LiveSite, str, str]]:
    import os

    redis_env = {"REDIS_URL": os.environ["REDIS_URL"], "QUANZI_CACHE_PREFIX": uuid.uuid4().hex}
    live = make_live_site(tmp_path)
    try:
        first = live.start(**redis_env)
        second = live.start(**redis_env)
        yield live, first, second
    finally:
        live.stop()


@contextmanager
def open_socket(live: LiveSite, base: str, who: str) -> Iterator[ClientConnection]:
    """A client of one server process, logged in as `who`, past its backlog."""
    ws_url = base.replace("http://", "ws://") + f"/ws/circles/{live.seed['circle']}/?after=0"
    session = live.seed["people"][who]["session"]
    headers = {"Cookie": f"sessionid={session}", "Origin": base}
    with connect(ws_url, additional_headers=headers) as conn:
        while frame(conn)["type"] != "caught_up":
            pass
        yield conn


def frame(conn: ClientConnection) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(conn.recv(timeout=10))
    return data


def test_message_sent_through_one_process_reaches_a_client_of_the_other(two_servers) -> None:
    live, first, second = two_servers
    # given bob connected to process 1 and alice connected to process 2
    with open_socket(live, first, "bob") as bob, open_socket(live, second, "alice") as alice:
        # when alice sends over HTTP to process 2
        sent = live.post(
            second,
            "alice",
            f"circles/{live.seed['circle']}/messages",
            {"client_id": "via-http", "text": "from process 2"},
        )
        # then bob, on process 1, receives it
        got = frame(bob)
        assert (got["type"], got["seq"]) == ("message", sent["seq"])
        assert got["message"]["text"] == "from process 2"
        # when bob sends over his socket on process 1, then alice on process 2 receives it
        bob.send(json.dumps({"type": "send", "client_id": "via-ws", "text": "from process 1"}))
        seen = [frame(alice), frame(alice)]
        texts = [f["message"]["text"] for f in seen if f["type"] == "message"]
        assert texts == ["from process 2", "from process 1"]
