from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_signs_up_and_switches_language(new_page):
    # given a visitor on the home page
    page = new_page()
    page.goto("/")
    # when they sign up
    page.get_by_test_id("nav-login").click()
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", "xiaomei")
    page.fill("input[name=password]", "correct-horse-42")
    page.click("button[type=submit]")
    # then they are logged in, in Chinese by default: 我的 greets them by name
    page.get_by_test_id("tab-me").click()
    assert page.get_by_test_id("me-name").inner_text() == "xiaomei"
    assert page.get_by_test_id("tab-me").inner_text() == "我的"
    # and the English switch in 我的 works
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_test_id("tab-me").inner_text() == "Me"
