"""The segment builder in Debian's Chromium, at phone width: the merchant builds "asked for
无糖款 and not in the circle" from conditions, sees the live size change (the API's preview,
fetched by the static script under the CSP), saves it and exports it."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quanzi.circles.models import Circle, Membership
from quanzi.customers.models import Segment
from quanzi.needs.models import TextItem, Wish, WishMention
from quanzi.orders.models import Order
from tests.browser.people import log_in
from tests.factories import UserFactory, store_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_a_segment_from_a_wish(new_page):  # type: ignore[no-untyped-def]
    # given a store whose circle has three members, two of whom asked for 无糖款
    owner = UserFactory(username="ameimei")
    store = store_with_owner(owner, name="阿梅小店")
    circle = Circle.objects.create(name="阿梅咖啡圈", store=store, owner=owner, invite_code="b1")
    wish = Wish.objects.create(store=store, label="无糖款", mention_count=2, asker_count=2)
    now = timezone.now()
    askers = []
    for n in range(3):
        person = UserFactory(nickname=f"成员{n}")
        Membership.objects.create(circle=circle, user=person, state="active")
        if n < 2:
            askers.append(person)
            item = TextItem.objects.create(
                store=store, source="chat", source_id=str(n), author=person,
                text="想要无糖款", written_at=now,
            )  # fmt: skip
            WishMention.objects.create(
                wish=wish, item=item, user=person, start=2, end=5, text="无糖款", written_at=now
            )
    assert not Order.objects.exists()
    merchant = new_page("en")
    log_in(merchant, "ameimei")

    # when the merchant opens the builder: an empty "all of" is everyone
    merchant.goto(f"/customers/console/{store.pk}/segments/new/")
    live = merchant.get_by_test_id("segment-live")
    expect(live).to_contain_text("3")
    # and adds the condition "has wish 无糖款"
    merchant.get_by_test_id("add-condition").click()
    merchant.get_by_test_id("condition-kind").last.select_option("wish")
    merchant.get_by_test_id("condition-value").last.select_option(wish.pk)
    # then the live size is the two who asked, with them in the sample
    expect(live).to_contain_text("2")
    expect(merchant.get_by_test_id("segment-sample")).not_to_contain_text("成员2")
    sample = merchant.get_by_test_id("segment-sample").inner_text()
    assert "成员0" in sample and "成员1" in sample and "成员2" not in sample
    assert re.search(r"\b2\b", live.inner_text())

    # when they save it under a name
    merchant.get_by_test_id("segment-name").fill("想要无糖款")
    merchant.get_by_test_id("segment-save").click()
    merchant.wait_for_load_state()
    # then the segment is stored with its definition and has the two askers
    segment = Segment.objects.get()
    assert segment.definition["kind"] == "and"
    assert segment.definition["of"] == [{"kind": "wish", "wish": wish.pk}]
    from quanzi.customers.services.segments import members_of

    assert members_of(segment) == sorted(p.pk for p in askers)
    with merchant.expect_download() as download:
        merchant.get_by_test_id("segment-export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
