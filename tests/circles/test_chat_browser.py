"""The chat page in Chromium against a real ASGI server (uvicorn in a child process, its own
file SQLite database): live delivery, reconnect catch-up without doubles, and XSS payloads
rendered as text.

pytest-django's live_server (behind the `new_page` fixture) serves HTTP only, so these tests
use the shared `browser` fixture with contexts of their own on the uvicorn server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.circles.conftest_chat import LiveSite, make_live_site, open_chat

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveSite, str]]:
    live = make_live_site(Path(tmp_path_factory.mktemp("chat-live")))
    base = live.start()
    yield live, base
    live.stop()


def post_from_page(page: Any, text: str) -> None:
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()


def texts_after(page: Any, seq: int) -> list[tuple[int, str]]:
    rows: list[tuple[int, str]] = page.eval_on_selector_all(
        "[data-testid=chat-message]",
        "els => els.map(e => [Number(e.dataset.seq), e.querySelector('.chat-text')?.textContent])",
    )
    return [(s, t) for s, t in rows if s > seq]


def test_live_delivery_then_offline_catch_up_exactly_once(browser, site) -> None:
    # given members A and B with the chat open
    ctx_a, page_a = open_chat(browser, site, "alice")
    ctx_b, page_b = open_chat(browser, site, "bob")
    try:
        start = page_b.eval_on_selector_all(
            "[data-testid=chat-message]", "els => Math.max(0, ...els.map(e => +e.dataset.seq))"
        )
        # when A posts, then B sees it live
        post_from_page(page_a, "hello B")
        page_b.get_by_test_id("chat-message").filter(has_text="hello B").wait_for()
        # when B's page goes offline (network down: the page closes its socket)
        ctx_b.set_offline(True)
        page_b.wait_for_selector("[data-testid=chat-status][data-state=offline]")
        # and A posts 3 more
        for word in ("one", "two", "three"):
            post_from_page(page_a, word)
            page_a.get_by_test_id("chat-message").filter(has_text=word).wait_for()
        assert [t for _, t in texts_after(page_b, start)] == ["hello B"]
        # when B is back online
        ctx_b.set_offline(False)
        page_b.wait_for_selector("[data-testid=chat-status][data-state=online]")
        page_b.get_by_test_id("chat-message").filter(has_text="three").wait_for()
        page_b.wait_for_timeout(500)  # any late duplicate would arrive now
        # then B shows exactly those 3, once each, in order, after the first
        rows = texts_after(page_b, start)
        assert [t for _, t in rows] == ["hello B", "one", "two", "three"]
        seqs = [s for s, _ in rows]
        assert seqs == sorted(seqs) and len(set(seqs)) == 4
    finally:
        ctx_a.close()
        ctx_b.close()


XSS = "<img src=x onerror=alert(1)><script>window.__xss=1</script>"


def test_html_and_script_in_messages_render_as_text(browser, site) -> None:
    # given B's chat is open and records any dialog
    ctx_a, page_a = open_chat(browser, site, "alice")
    ctx_b, page_b = open_chat(browser, site, "bob")
    dialogs: list[str] = []
    page_b.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        # when A posts an HTML/script payload
        post_from_page(page_a, XSS)
        live = page_b.get_by_test_id("chat-message").filter(has_text="window.__xss=1")
        live.wait_for()
        # then B sees the payload as text, nothing ran and no element was created from it
        page_b.wait_for_timeout(300)
        assert XSS in live.inner_text()
        assert page_b.evaluate("window.__xss") is None
        assert page_b.locator("[data-testid=chat-list] img[src=x]").count() == 0
        assert page_b.locator("[data-testid=chat-list] script").count() == 0
        # and the same holds when the history is loaded over HTTP after a reload
        page_b.reload()
        page_b.wait_for_selector("[data-testid=chat-status][data-state=online]")
        again = page_b.get_by_test_id("chat-message").filter(has_text="window.__xss=1")
        assert XSS in again.last.inner_text()
        assert page_b.evaluate("window.__xss") is None
        assert dialogs == []
    finally:
        ctx_a.close()
        ctx_b.close()


def test_product_card_buy_button_and_recall(browser, site) -> None:
    live, base = site
    # given the admin shares the store's product through the picker
    ctx, page = open_chat(browser, site, "admin")
    ctx_b, page_b = open_chat(browser, site, "bob")
    try:
        # (the budget allows one card among enough conversation)
        for i in range(4):
            live.post(
                base,
                "alice",
                f"circles/{live.seed['circle']}/messages",
                {"client_id": f"warm-{i}", "text": f"chat {i}"},
            )
        page.get_by_test_id("chat-products").click()
        page.get_by_test_id("chat-share-product").first.click()
        # then members see a card with the price and a one-click buy button
        card = page_b.get_by_test_id("chat-product").last
        card.wait_for()
        assert "耶加雪菲" in card.inner_text() and "¥59.00" in card.inner_text()
        assert card.get_by_test_id("chat-buy").count() == 1
        # when the admin recalls it, then it disappears for bob too
        own = page.get_by_test_id("chat-message").filter(has=page.get_by_test_id("chat-product"))
        own.last.get_by_test_id("message-recall").click()
        page_b.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=chat-message]')].at(-1)"
            ".classList.contains('gone')"
        )
        assert page_b.get_by_test_id("chat-product").count() == 0
    finally:
        ctx.close()
        ctx_b.close()
