"""Playwright in Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    return os.environ.get("QUANZI_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(chromium_path()):
        pytest.fail(
            f"Chromium not found at {chromium_path()}: install Debian's chromium "
            "(`apt-get install chromium`) or set QUANZI_CHROMIUM"
        )
    # Playwright's sync API runs an event loop in this thread; the test body still uses the ORM.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, live_server):  # type: ignore[no-untyped-def]
    """`new_page(lang="zh-hans")` opens a fresh browser context (its own cookies) on the server."""
    contexts = []

    def make(lang: str = "zh-hans"):  # type: ignore[no-untyped-def]
        ctx = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN" if lang.startswith("zh") else "en-US",
            extra_http_headers={"Accept-Language": "zh-CN" if lang.startswith("zh") else "en"},
            viewport={"width": 420, "height": 900},
        )
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()
