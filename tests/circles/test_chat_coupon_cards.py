"""A store's coupon inside the chat: shared as a card (value, condition, how many are left,
until when) that members claim in place (领取, the coupons' own endpoint); the card is redrawn
for everyone after each claim, when the coupon runs out, is deactivated or its time ends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from quanzi.circles import tasks
from quanzi.circles.models import Circle, Message
from quanzi.circles.services import chat
from quanzi.circles.services import coupons as circle_coupons
from quanzi.core.errors import Conflict, NotFound, PermissionDenied
from quanzi.coupons import coupons
from quanzi.coupons.models import Coupon
from tests.circles.conftest_chat import ChatCircle, chat_circle_fixture  # noqa: F401
from tests.factories import store_with_owner

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def a_coupon(owner: Any, store_id: str, **fields: Any) -> Coupon:
    """满 50 减 10 until a week from now, 2 copies, one per person."""
    now = timezone.now()
    terms: dict[str, Any] = {
        "name": "满50减10",
        "kind": "threshold",
        "amount_off": 1000,
        "min_spend": 5000,
        "validity": "window",
        "valid_from": now - timedelta(hours=1),
        "valid_until": now + timedelta(days=7),
        "total": 2,
        "per_user_limit": 1,
    }
    return coupons.create_coupon(owner, store_id, coupons.CouponFields(**(terms | fields)))


def share(user: Any, cc: ChatCircle, coupon_id: str, client_id: str = "k1") -> Message:
    return chat.send_message(
        user,
        cc.id,
        kind="campaign",
        card_type="coupon",
        target_id=coupon_id,
        client_id=client_id,
    )


@pytest.fixture
def coupon(cc: ChatCircle) -> Coupon:
    Circle.objects.filter(pk=cc.id).update(commercial_share_percent=100)
    return a_coupon(cc.owner, cc.circle.store_id)


def test_the_store_shares_its_coupon_as_a_card(cc: ChatCircle, coupon: Coupon):
    # when the store's owner shares the coupon in the circle
    message = share(cc.owner, cc, coupon.pk)
    # then the card has its value, condition, what is left and until when, and a claim link
    card = chat.message_json(message)["card"]
    assert (card["type"], card["coupon_id"], card["name"]) == ("coupon", coupon.pk, "满50减10")
    assert (card["kind"], card["amount_off"], card["min_spend"]) == ("threshold", 1000, 5000)
    assert (card["left"], card["total"], card["state"]) == (2, 2, "open")
    assert card["ends_at"] == coupon.valid_until.isoformat()
    assert card["claim_url"] == f"/api/v1/campaigns/coupons/{coupon.pk}/claim"
    # and the store's own card is commercial
    assert message.is_commercial is True and message.card_ref == f"coupon:{coupon.pk}"


def test_claims_from_the_chat_redraw_the_card_until_it_runs_out(
    cc: ChatCircle,
    coupon: Coupon,
    api: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
):
    # given the coupon shared by a member, and the chat's publishing watched
    message = share(cc.alice, cc, coupon.pk)
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(chat, "publish", lambda circle_id, event: sent.append(event))
    # when bob taps 领取 on the card (the coupons' own endpoint)
    with django_capture_on_commit_callbacks(execute=True):
        r = api(cc.bob).post(message.card["claim_url"], {}, headers=EN)
    assert r.status_code == 201, r.content
    # then the card says one is left, for everyone
    message.refresh_from_db()
    assert (message.card["left"], message.card["version"]) == (1, 1)
    assert sent == [{"type": "chat.card", "id": message.pk, "card": message.card}]
    # when alice claims the last one
    with django_capture_on_commit_callbacks(execute=True):
        coupons.claim_coupon(cc.alice, coupon.pk)
    # then the card says they are all taken
    message.refresh_from_db()
    assert (message.card["left"], message.card["state"]) == (0, "sold_out")
    # and a claim after that is refused with the reason
    late = api(cc.admin).post(message.card["claim_url"], {}, headers=EN)
    assert (late.status_code, late.json()["code"]) == (409, "coupon_sold_out")


def test_a_deactivated_coupon_and_one_whose_time_ended_read_ended(
    cc: ChatCircle, coupon: Coupon, django_capture_on_commit_callbacks: Any
):
    from django_tasks import default_task_backend

    # given the coupon shared (its card's redraw scheduled for when its time ends) ...
    default_task_backend.clear()  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        message = share(cc.owner, cc, coupon.pk)
    [timer] = default_task_backend.results  # type: ignore[attr-defined]
    assert timer.task.func is tasks.refresh_coupon_cards.func
    assert (list(timer.args), timer.task.run_after) == ([coupon.pk], coupon.valid_until)
    # ... and another one shared that the store then deactivates
    other = a_coupon(cc.owner, cc.circle.store_id, name="立减5元", kind="fixed", amount_off=500)
    other_message = share(cc.owner, cc, other.pk, client_id="k2")
    with django_capture_on_commit_callbacks(execute=True):
        coupons.deactivate_coupon(cc.owner, other.pk)
    other_message.refresh_from_db()
    assert (other_message.card["state"], other_message.card["version"]) == ("ended", 1)
    # when the first coupon's time ends and its timer runs
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    assert tasks.refresh_coupon_cards.call(coupon.pk) == 1
    # then its card reads ended too, and running the timer again changes nothing
    message.refresh_from_db()
    assert message.card["state"] == "ended"
    assert circle_coupons.refresh_coupon_cards(coupon.pk) == 0


def test_what_cannot_be_shared(cc: ChatCircle, coupon: Coupon):
    # a forged id, or a coupon only the system hands out: 404
    hidden = a_coupon(cc.owner, cc.circle.store_id, name="回馈券", claimable=False)
    for coupon_id in ("nope", "Q" * 16, hidden.pk):
        with pytest.raises(NotFound):
            share(cc.alice, cc, coupon_id)
    # another store's coupon in this store's circle: 403
    elsewhere = store_with_owner()
    foreign = a_coupon(elsewhere.staff.get().user, elsewhere.pk)
    with pytest.raises(PermissionDenied) as refused:
        share(cc.alice, cc, foreign.pk)
    assert refused.value.code == "card_not_here"
    # someone not in the circle: 403
    with pytest.raises(PermissionDenied):
        share(cc.outsider, cc, coupon.pk)
    # a coupon all taken: 409
    Coupon.objects.filter(pk=coupon.pk).update(issued=2)
    with pytest.raises(Conflict) as taken:
        share(cc.alice, cc, coupon.pk)
    assert taken.value.code == "coupon_sold_out"
    assert not Message.objects.filter(kind="campaign").exists()


def test_the_picker_offers_the_store_coupons(cc: ChatCircle, coupon: Coupon, api: Any):
    # when a member opens the composer's picker, then the claimable coupon is offered
    r = api(cc.alice).get(f"circles/{cc.id}/chat-cards", headers=EN)
    options = [o for o in r.json() if o["card_type"] == "coupon"]
    assert [o["target_id"] for o in options] == [coupon.pk]
    assert options[0]["title"] == "满50减10" and "¥10.00" in options[0]["detail"]
