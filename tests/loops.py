"""Running asyncio code from a sync test."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def run(coro: Callable[[], Awaitable[Any]]) -> Any:
    """Run a scenario on a fresh event loop in its own thread: the test's own thread may have a
    loop running already (Playwright's sync API, used by the browser tests of the same worker,
    leaves one), and `asyncio.run` refuses to start inside it."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro()).result()
