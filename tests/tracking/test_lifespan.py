"""The server's lifespan: events waiting in the recorder's buffer are written when the server
shuts down (uvicorn ends the process with the signal's default action, so `atexit` never runs
under it)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from quanzi.tracking import recorder
from quanzi.tracking.lifespan import lifespan
from quanzi.tracking.models import Event, EventKind

pytestmark = pytest.mark.django_db(transaction=True)


def test_shutting_down_writes_what_waits(settings: Any):
    # given a big batch size and a long flush interval, and two events waiting
    settings.TRACKING_BATCH = 1000
    settings.TRACKING_FLUSH_SECONDS = 3600
    recorder.record(EventKind.PRODUCT_VIEW, store_id="s1")
    recorder.record(EventKind.STORE_VIEW, store_id="s1")
    assert recorder.pending() == 2 and Event.objects.count() == 0
    sent: list[dict[str, Any]] = []
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # when the server starts and then shuts down
    asyncio.run(lifespan({"type": "lifespan"}, receive, send))

    # then both startup and shutdown completed, and the events are written
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert recorder.pending() == 0
    assert Event.objects.filter(store_id="s1").count() == 2
