"""The countdown banner's clock ticks in Chromium (countdown.js on the server-rendered banner)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from quanzi.circles.models import Announcement
from tests.circles.conftest_announcements import (  # noqa: F401
    countdown_fixture,
    new_product_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SCRIPT = Path(__file__).parents[2] / "quanzi/circles/static/circles/countdown.js"
CLOCK = "[data-testid=countdown] [data-countdown-clock]"


def _show(browser: Any, announcement: Announcement) -> Any:
    """A page holding the banner as the server renders it, with countdown.js running."""
    with translation.override("en"):
        html = render_to_string("circles/announcements_banner.html", {"announcement": announcement})
    page = browser.new_page()
    page.set_content(re.sub(r"<script[^>]*></script>", "", html))
    page.add_script_tag(content=SCRIPT.read_text())
    return page


def test_the_clock_counts_down_every_second(browser, countdown):
    # given a launch three days ahead on the banner
    page = _show(browser, countdown)
    try:
        # when the script starts
        ticking = "t => /\\d\\d:\\d\\d:\\d\\d$/.test(document.querySelector(t).textContent)"
        page.wait_for_function(ticking, arg=CLOCK)
        shown = page.text_content(CLOCK)
        # then it shows days and h:m:s, and ticks
        assert re.fullmatch(r"(2d 23:59:\d\d|3d 00:00:00)", shown), shown
        page.wait_for_function(
            f"t => document.querySelector('{CLOCK}').textContent !== t", arg=shown
        )
    finally:
        page.close()


def test_a_passed_time_shows_on_sale_now(browser, countdown):
    # given the launch time is a second away
    Announcement.objects.filter(pk=countdown.pk).update(
        launch_at=timezone.now() + timedelta(seconds=1)
    )
    countdown.refresh_from_db()
    page = _show(browser, countdown)
    try:
        # when the time comes, then the clock says so
        page.wait_for_function(
            f"() => document.querySelector('{CLOCK}').textContent === 'On sale now'"
        )
    finally:
        page.close()
