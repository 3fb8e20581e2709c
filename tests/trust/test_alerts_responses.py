"""How the store answers an alert: the first answer of its people after it opened (in the circle,
to the review, in after-sales), each message answered directly, and the resolution with a note;
the figures of the last 30 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.orders.models import OrderStatus
from quanzi.orders.services import aftersales, thread
from quanzi.reviews import services as reviews
from quanzi.trust.errors import TrustCode
from quanzi.trust.models import AlertKind, AlertStatus, ReputationAlert
from quanzi.trust.services import alert_reads, alert_responses
from quanzi.trust.services.alert_responses import resolve_alert
from tests.reviews.conftest import first_item, make_order
from tests.trust.alert_helpers import KETTLE_COMPLAINTS, Shop, build_shop


@pytest.fixture
def shop(db: None, django_capture_on_commit_callbacks: Any) -> Shop:
    return build_shop(django_capture_on_commit_callbacks)


def _kettle_alert(shop: Shop) -> ReputationAlert:
    shop.complain(KETTLE_COMPLAINTS[:5])
    (alert,) = shop.alerts()
    return alert


def test_a_staff_reply_in_the_circle_is_the_first_response(shop: Shop) -> None:
    alert = _kettle_alert(shop)
    assert (alert.status, alert.first_response_at) == (AlertStatus.OPEN, None)
    said = alert.items.order_by("item__written_at").first()
    assert said is not None
    from quanzi.circles.models import Message

    complaint = Message.objects.get(pk=said.item.source_id)
    # when: the staff member answers that message in the circle
    answer = shop.say(shop.staff, "非常抱歉，我们马上给您换新", reply_to=complaint)
    # then: the alert is answered at that message's time; that message is, the others not yet
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ANSWERED
    assert alert.first_response_at == answer.created_at
    answered = {i.item_id: i.answered_at for i in alert.items.all()}
    assert answered.pop(said.item_id) == answer.created_at
    assert set(answered.values()) == {None}
    # and a later answer keeps the first response's time
    later = shop.say(shop.owner, "已经安排客服一一联系大家")
    alert.refresh_from_db()
    assert alert.first_response_at == answer.created_at < later.created_at


def test_a_customers_message_or_another_circle_is_no_response(shop: Shop) -> None:
    alert = _kettle_alert(shop)
    shop.say(shop.customers[5], "我的也是")
    shop.say(shop.staff, "大家好", shop.circle2)  # not where they complained
    alert.refresh_from_db()
    assert (alert.status, alert.first_response_at) == (AlertStatus.OPEN, None)


def test_the_answer_to_a_shared_review_is_a_response(shop: Shop) -> None:
    buyer = shop.customers[0]
    order = make_order(buyer, shop.kettle.skus.first(), OrderStatus.RECEIVED)
    review = shop.commit(
        reviews.write_review, buyer, order.pk, first_item(order).pk, 1, "手冲壶漏水，质量差"
    )
    shop.analyse()
    shop.share_review(shop.customers[1], review.pk, shop.circle)
    shop.share_review(shop.customers[2], review.pk, shop.circle2)
    (alert,) = shop.alerts(kind=AlertKind.RESHARED)
    # when: the owner answers the review in the console
    answered = shop.commit(reviews.reply, shop.owner, review.pk, "抱歉，已为您办理换新")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ANSWERED
    assert alert.first_response_at == answered.replied_at
    assert alert.items.get().answered_at == answered.replied_at


def test_a_reply_missed_by_its_signal_is_found_by_the_sweep(shop: Shop) -> None:
    buyer = shop.customers[0]
    order = make_order(buyer, shop.kettle.skus.first(), OrderStatus.RECEIVED)
    review = shop.commit(
        reviews.write_review, buyer, order.pk, first_item(order).pk, 1, "手冲壶漏水，质量差"
    )
    shop.analyse()
    shop.share_review(shop.customers[1], review.pk, shop.circle)
    shop.share_review(shop.customers[2], review.pk, shop.circle2)
    (alert,) = shop.alerts()
    reviews.reply(shop.owner, review.pk, "抱歉")  # its on-commit signal is not run here
    alert.refresh_from_db()
    assert alert.first_response_at is None
    assert alert_responses.sweep_review_replies() == 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ANSWERED


def test_an_after_sales_answer_is_a_response(shop: Shop) -> None:
    # given: one request is enough for this store
    shop.settings(alert_min_complaints=1)
    buyer = shop.customers[0]
    order = make_order(buyer, shop.kettle.skus.first(), OrderStatus.RECEIVED)
    request = shop.commit(
        aftersales.request_after_sale,
        buyer,
        order.pk,
        kind="refund_only",
        amount=100,
        reason="壶身有裂缝",
    )
    shop.analyse()
    (alert,) = shop.alerts()
    assert alert.product_id == shop.kettle.pk
    # when: the merchant answers in the request's thread
    shop.commit(
        thread.post_message,
        shop.owner,
        order.pk,
        request.pk,
        thread.MessageInput(text="抱歉，马上为您处理"),
        need="store",
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ANSWERED
    assert alert.items.get().answered_at == alert.first_response_at


def test_resolving_takes_a_note_and_happens_once(shop: Shop) -> None:
    alert = _kettle_alert(shop)
    with pytest.raises(InvalidInput) as empty:
        resolve_alert(shop.owner, shop.store.pk, alert.pk, "  ")
    assert empty.value.code == TrustCode.EMPTY_NOTE
    with pytest.raises(InvalidInput):
        resolve_alert(shop.owner, shop.store.pk, alert.pk, "长" * 501)
    done = resolve_alert(shop.staff, shop.store.pk, alert.pk, "已逐一换新，并补偿优惠券")
    assert (done.status, done.resolved_by, done.resolution) == (
        AlertStatus.RESOLVED,
        shop.staff,
        "已逐一换新，并补偿优惠券",
    )
    with pytest.raises(Conflict) as again:
        resolve_alert(shop.owner, shop.store.pk, alert.pk, "再次")
    assert again.value.code == TrustCode.ALERT_RESOLVED


def test_only_the_stores_people_who_see_customers_resolve_its_alerts(shop: Shop) -> None:
    from quanzi.core.errors import PermissionDenied

    alert = _kettle_alert(shop)
    for stranger in (shop.other_owner, shop.customers[0]):
        with pytest.raises(NotFound):
            resolve_alert(stranger, shop.other_store.pk, alert.pk, "x")
        with pytest.raises(NotFound):
            resolve_alert(stranger, shop.store.pk, alert.pk, "x")
    with pytest.raises(PermissionDenied):
        resolve_alert(shop.plain_staff, shop.store.pk, alert.pk, "x")
    with pytest.raises(NotFound):  # its own store, another store's alert id
        resolve_alert(shop.other_owner, shop.other_store.pk, alert.pk, "x")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_the_figures_are_the_medians_of_the_last_30_days(shop: Shop) -> None:
    now = timezone.now()

    def alert(opened_ago: int, response: int | None, resolution: int | None) -> None:
        made = ReputationAlert.objects.create(
            store=shop.store,
            kind=AlertKind.STORE,
            window_start=now,
            window_end=now,
            status=AlertStatus.RESOLVED if resolution else AlertStatus.OPEN,
        )
        opened = now - timedelta(days=opened_ago)
        ReputationAlert.objects.filter(pk=made.pk).update(
            created_at=opened,
            first_response_at=opened + timedelta(minutes=response) if response else None,
            resolved_at=opened + timedelta(minutes=resolution) if resolution else None,
        )

    alert(1, 10, 60)
    alert(2, 20, 120)
    alert(3, 90, None)
    alert(40, 1, 2)  # too old to count
    figures = alert_reads.figures(shop.store)
    assert figures.median_response == 20 * 60
    assert figures.median_resolution == 90 * 60
    assert (figures.open, figures.resolved, figures.alerts) == (1, 2, 3)
