"""The key pages, in Chinese and English at phone size, show no internal text (key_pages.py);
with QUANZI_SCREENSHOTS_DIR set (`make screenshots`) each page is also saved as a PNG there."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.management import call_command

from quanzi.demo.data import DEMO_PASSWORD
from tests.browser.key_pages import KEY_PAGES, findings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_no_key_page_shows_internal_text(new_page):
    # given the demo data (loaded off the browser's thread: its event loop would refuse the
    # chat's async_to_sync), and each demo person signed in, in each language
    with ThreadPoolExecutor(1) as pool:
        pool.submit(call_command, "load_demo").result()
    folder = os.environ.get("QUANZI_SCREENSHOTS_DIR")
    problems: list[str] = []
    for lang in ("zh-hans", "en"):
        pages = {}
        for key in KEY_PAGES:
            if key.who not in pages:
                pages[key.who] = new_page(lang)
                _log_in(pages[key.who], key.who)
            page = pages[key.who]
            # when the page is opened
            response = page.goto(key.path())
            assert response is not None and response.status == 200, (key.name, lang)
            page.wait_for_load_state("networkidle")
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(folder) / f"{key.name}.{lang}.png"), full_page=True)
            # then its text holds no internal code, no raw amount, no English among Chinese
            text = page.locator("body").inner_text()
            problems += [f"{key.name} ({lang}): {f}" for f in findings(text, lang)]
    assert not problems, "\n".join(problems)
