"""What a person does in the browser tests again and again."""

from __future__ import annotations

from tests.factories import PASSWORD


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    """Log in on the login page as a factory user (their password is factories.PASSWORD)."""
    page.goto("/accounts/login/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
