"""Reputation alerts: complaints that come faster than the store's usual, about the store or one
of its products, or one complaint shared across its circles, open an alert and notify the
merchant within the window, with the messages to answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quanzi.circles.models import Notification, NotificationKind
from quanzi.needs.models import Source, TextItem
from quanzi.needs.services.analysis import reanalyse_store
from quanzi.orders.models import OrderStatus
from quanzi.reviews import services as reviews
from quanzi.trust.models import AlertItem, AlertKind, AlertStatus, ReputationAlert
from quanzi.trust.services import alerts, complaints
from quanzi.trust.services.alert_responses import resolve_alert
from quanzi.trust.services.settings import current
from tests.reviews.conftest import first_item, make_order
from tests.trust.alert_helpers import (
    CHATTER,
    COMPLAINTS,
    KETTLE_COMPLAINTS,
    Shop,
    build_shop,
    past_complaint,
)


@pytest.fixture
def shop(db: None, django_capture_on_commit_callbacks: Any) -> Shop:
    return build_shop(django_capture_on_commit_callbacks)


def test_complaints_in_a_circle_open_an_alert_and_notify_the_merchant_within_the_window(
    shop: Shop,
) -> None:
    # given: the default thresholds (5 complaints in an hour, 3 times the usual)
    window = timedelta(minutes=current().alert_window_minutes)
    first = shop.say(shop.customers[0], COMPLAINTS[0])
    # when: four more customers complain in the store's circle, and the analysis runs
    for i, text in enumerate(COMPLAINTS[1:5], start=1):
        shop.say(shop.customers[i], text)
    shop.analyse()
    # then: one alert about the store, with the five messages to answer
    (alert,) = shop.alerts()
    assert (alert.kind, alert.status, alert.product_id) == (AlertKind.STORE, AlertStatus.OPEN, None)
    assert alert.negative_count == 5 and alert.baseline_per_window == 0
    texts = set(
        TextItem.objects.filter(pk__in=alert.items.values("item_id")).values_list("text", flat=True)
    )
    assert texts == set(COMPLAINTS[:5])
    # and the owner and the staff who see the customers are told, within the window
    for person in (shop.owner, shop.staff):
        (notice,) = shop.trust_notices(person)
        assert notice.url == f"/trust/console/{shop.store.pk}/alerts/{alert.pk}/"
        assert "5" in notice.text
        assert notice.created_at - first.created_at < window
    assert shop.trust_notices(shop.plain_staff) == []
    assert shop.trust_notices(shop.other_owner) == []
    assert not any(shop.trust_notices(c) for c in shop.customers)


def test_the_same_volume_of_neutral_chatter_opens_no_alert(shop: Shop) -> None:
    shop.complain(CHATTER[:5])
    shop.complain(CHATTER[5:])
    assert TextItem.objects.filter(store=shop.store, analysed_at__isnull=False).count() == 7
    assert shop.alerts() == []
    assert not Notification.objects.filter(kind=NotificationKind.TRUST).exists()


def test_fewer_complaints_than_the_minimum_open_no_alert(shop: Shop) -> None:
    shop.complain(COMPLAINTS[:4])
    assert shop.alerts() == []


def test_one_person_complaining_alone_opens_no_alert(shop: Shop) -> None:
    for text in COMPLAINTS[:6]:
        shop.say(shop.customers[0], text)
    shop.analyse()
    assert shop.alerts() == []


def test_a_store_whose_baseline_is_high_needs_more_complaints(shop: Shop) -> None:
    # given: a day of history with about four complaints an hour
    shop.settings(alert_baseline_days=1)
    now = timezone.now()
    for i in range(96):
        past_complaint(shop, now - timedelta(minutes=61 + 15 * i))
    # when: six complaints come in the hour (enough for a quiet store)
    shop.complain(COMPLAINTS[:6])
    # then: not for this one: three times its usual is about twelve
    assert shop.alerts() == []
    # when: eight more come
    shop.complain([*COMPLAINTS[:7], COMPLAINTS[0]])
    # then: the alert opens, with the usual count it was measured against
    (alert,) = shop.alerts()
    assert alert.kind == AlertKind.STORE
    assert alert.negative_count == 14
    assert 3.5 < alert.baseline_per_window < 4.5


def test_five_complaints_about_one_product_in_an_hour_open_a_product_alert(shop: Shop) -> None:
    shop.complain(KETTLE_COMPLAINTS[:5])
    # then: an alert about the kettle (the store's alert is not opened for the same words)
    (alert,) = shop.alerts()
    assert (alert.kind, alert.product_id) == (AlertKind.PRODUCT, shop.kettle.pk)
    assert alert.items.count() == 5
    (notice,) = shop.trust_notices(shop.owner)
    assert "手冲壶" in notice.text and "5" in notice.text


def test_reviews_and_after_sales_count_for_their_product(shop: Shop) -> None:
    from quanzi.orders.services import aftersales

    # given: three buyers of the beans: two reviews, one after-sales request, two chat words
    buyers = shop.customers[:3]
    orders = [make_order(b, shop.beans.skus.first(), OrderStatus.RECEIVED) for b in buyers]
    shop.commit(
        reviews.write_review, buyers[0], orders[0].pk, first_item(orders[0]).pk, 1, "太差了"
    )
    shop.commit(reviews.write_review, buyers[1], orders[1].pk, first_item(orders[1]).pk, 2, "失望")
    shop.commit(
        aftersales.request_after_sale,
        buyers[2],
        orders[2].pk,
        kind="refund_only",
        amount=100,
        reason="豆子受潮结块了",
    )
    shop.say(shop.customers[3], "冷萃咖啡豆发霉了")
    shop.say(shop.customers[4], "冷萃咖啡豆过期了吧")
    shop.analyse()
    (alert,) = shop.alerts()
    assert (alert.kind, alert.product_id, alert.items.count()) == (
        AlertKind.PRODUCT,
        shop.beans.pk,
        5,
    )
    sources = set(alert.items.values_list("item__source", flat=True))
    assert sources == {Source.REVIEW, Source.AFTER_SALE, Source.CHAT}
    # and the suggestions lead to the buyers' orders and the after-sales request
    kinds = [s["kind"] for s in alert.suggestions]
    assert {"reply", "review", "after_sale", "coupon"} <= set(kinds)
    urls = {s["url"] for s in alert.suggestions}
    assert f"/orders/console/{shop.store.pk}/{orders[2].pk}/" in urls
    assert f"/coupons/console/{shop.store.pk}/new/" in urls


def test_a_negative_message_shared_across_circles_is_a_reshared_alert(shop: Shop) -> None:
    # when: a complaint is said in one circle and forwarded into the other
    shop.say(shop.customers[0], "大家注意：这家店的手冲壶用了一周就漏水，千万别买")
    shop.say(
        shop.customers[1], "【转】大家注意：这家店的手冲壶用了一周就漏水，千万别买！", shop.circle2
    )
    shop.analyse()
    # then: an alert that it is spreading (two complaints are too few for the product's)
    (alert,) = shop.alerts()
    assert (alert.kind, alert.product_id) == (AlertKind.RESHARED, shop.kettle.pk)
    assert alert.items.count() == 2
    circles = {s["circle_id"] for s in alert.suggestions if s["kind"] == "reply"}
    assert circles == {shop.circle.pk, shop.circle2.pk}
    (notice,) = shop.trust_notices(shop.owner)
    assert "2" in notice.text


def test_the_same_complaint_twice_in_one_circle_is_not_reshared(shop: Shop) -> None:
    shop.say(shop.customers[0], "大家注意：这家店的手冲壶用了一周就漏水，千万别买")
    shop.say(shop.customers[1], "大家注意：这家店的手冲壶用了一周就漏水，千万别买")
    shop.analyse()
    assert shop.alerts() == []


def test_a_negative_review_shared_into_two_circles_is_a_reshared_alert(shop: Shop) -> None:
    buyer = shop.customers[0]
    order = make_order(buyer, shop.kettle.skus.first(), OrderStatus.RECEIVED)
    review = shop.commit(
        reviews.write_review, buyer, order.pk, first_item(order).pk, 1, "手冲壶漏水，质量差"
    )
    shop.analyse()
    # when: the review card is shared into one circle, then another
    shop.share_review(shop.customers[1], review.pk, shop.circle)
    assert shop.alerts() == []
    shop.share_review(shop.customers[2], review.pk, shop.circle2)
    # then: the review is the complaint shared again
    (alert,) = shop.alerts()
    assert (alert.kind, alert.product_id) == (AlertKind.RESHARED, shop.kettle.pk)
    (item,) = alert.items.all()
    assert (item.item.source, item.item.source_id) == (Source.REVIEW, review.pk)
    circles = {s["circle_id"] for s in alert.suggestions if s["kind"] == "reply"}
    assert circles == {shop.circle.pk, shop.circle2.pk}
    assert len(shop.trust_notices(shop.owner)) == 1
    # and a third share does not open another
    shop.share_review(shop.customers[3], review.pk, shop.circle2)
    assert len(shop.alerts()) == 1 and len(shop.trust_notices(shop.owner)) == 1


def test_later_complaints_join_the_open_alert(shop: Shop) -> None:
    shop.complain(KETTLE_COMPLAINTS[:5])
    (alert,) = shop.alerts()
    # when: another complaint about the kettle comes, and more about the store
    shop.complain(KETTLE_COMPLAINTS[5:])
    # then: it joins the alert, which told the merchant once
    assert shop.alerts(kind=AlertKind.PRODUCT) == [alert]
    assert alert.items.count() == 6
    assert len(shop.trust_notices(shop.owner)) == 1


def test_analysing_again_does_not_duplicate_an_alert(shop: Shop) -> None:
    shop.complain(KETTLE_COMPLAINTS[:5])
    (alert,) = shop.alerts()
    # when: the store's texts are analysed again (a better model landed)
    shop.commit(reanalyse_store, shop.store.pk)
    alerts.sweep()
    # then: still one alert with its five items, one notice each
    assert shop.alerts() == [alert]
    assert AlertItem.objects.filter(alert=alert).count() == 5
    assert len(shop.trust_notices(shop.owner)) == 1


def test_a_resolved_alert_is_not_opened_again_by_the_same_complaints(shop: Shop) -> None:
    shop.complain(KETTLE_COMPLAINTS[:5])
    (alert,) = shop.alerts()
    resolve_alert(shop.owner, shop.store.pk, alert.pk, "已联系顾客换货")
    shop.commit(reanalyse_store, shop.store.pk)
    shop.complain(KETTLE_COMPLAINTS[5:])
    assert shop.alerts() == [alert]
    assert len(shop.trust_notices(shop.owner)) == 1


def test_old_text_analysed_late_opens_no_alert(shop: Shop) -> None:
    # given: complaints from yesterday, collected by a backfill and analysed now
    yesterday = timezone.now() - timedelta(days=1)
    ids = []
    for i, text in enumerate(COMPLAINTS[:6]):
        item = past_complaint(shop, yesterday + timedelta(minutes=i), text)
        item.author = shop.customers[i]
        item.save()
        ids.append(item.pk)
    assert alerts.check_items(ids) == []


def test_another_stores_complaints_do_not_alert_this_store(shop: Shop) -> None:
    shop.complain(COMPLAINTS[:5], shop.other_circle)
    assert shop.alerts() == []
    (alert,) = ReputationAlert.objects.filter(store=shop.other_store)
    assert shop.trust_notices(shop.other_owner) and not shop.trust_notices(shop.owner)
    assert alert.kind == AlertKind.STORE


def test_members_who_left_the_totals_do_not_count(shop: Shop) -> None:
    from quanzi.needs.models import ProfilingPreference

    ProfilingPreference.objects.create(user=shop.customers[0], in_aggregates=False)
    shop.complain(COMPLAINTS[:5])  # one of the five is theirs
    assert shop.alerts() == []


def test_a_batch_costs_the_same_queries_whatever_its_size(shop: Shop) -> None:
    current()

    def batch(n: int, store: Any, circle: Any) -> list[int]:
        return [
            TextItem.objects.create(
                store=store,
                source=Source.CHAT,
                source_id=f"m{store.pk}{i}",
                circle=circle,
                author=shop.customers[i % 6],
                text=COMPLAINTS[i % 5],
                written_at=timezone.now(),
                sentiment="negative",
                analysed_at=timezone.now(),
            ).pk
            for i in range(n)
        ]

    small = batch(5, shop.store, shop.circle)
    large = batch(25, shop.other_store, shop.other_circle)
    with CaptureQueriesContext(connection) as few:
        assert len(alerts.check_items(small)) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(alerts.check_items(large)) == 1
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_failure_never_reaches_needs(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ids: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(alerts, "check_items", broken)
    shop.complain(COMPLAINTS[:5])  # the analysis commits and its signal is sent
    assert not TextItem.objects.filter(analysed_at=None).exists()
    assert shop.alerts() == []


def test_bad_ids_are_ignored(db: None) -> None:
    assert alerts.check_items(["x", None, True, 10**12]) == []
    alerts.on_text_analysed(None, item_ids=object())  # logged, never raised


def test_given_a_product_title_when_chat_names_its_head_noun_then_it_is_that_product() -> None:
    # given: a store's products, two of them sharing a word
    matcher = complaints.ProductMatcher.of(
        [("cake", "玫瑰鲜花饼 12枚装"), ("gift", "野生菌菇礼盒"), ("tea", "普洱茶礼盒")]
    )
    # then: what people say in chat finds the product, a shared word finds none
    assert matcher.find("这次的鲜花饼压碎了好几个") == "cake"
    assert matcher.find("菌菇礼盒收到了，包装破了") == "gift"
    assert matcher.find("礼盒都挺好看") is None
