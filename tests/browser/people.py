"""What a person does in the browser tests again and again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.management import call_command

from tests.factories import PASSWORD


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    """Log in on the login page as a factory user (their password is factories.PASSWORD)."""
    page.goto("/accounts/login/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def demo_merchant(new_page) -> tuple[Any, list[str]]:  # type: ignore[no-untyped-def]
    """The demo data loaded (off the browser's thread) and its merchant signed in on a phone:
    the page, and the list the console errors and page errors are gathered in."""
    from quanzi.demo.data import DEMO_PASSWORD

    with ThreadPoolExecutor(1) as pool:
        pool.submit(call_command, "load_demo").result()
    page = new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/accounts/login/")
    page.fill("input[name=identifier]", "merchant")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page, errors
