"""加入社群返现: a store's join cashback coupon is given automatically to someone joining one of
its circles for the first time (by the page, the link, or an approved request), once per person
per store, ever: leaving and joining again, or joining a second circle of the store, gives
nothing. The coupon goes out after the join commits (`circles.signals.member_joined`)."""

from __future__ import annotations

import pytest

from quanzi.circles.models import Circle
from quanzi.circles.services import membership
from quanzi.coupons import coupons
from quanzi.coupons.models import Coupon, UserCoupon
from tests.coupons.conftest import MakeCoupon
from tests.factories import UserFactory
from tests.orders.conftest import Shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def cashback(shop: Shop, make_coupon: MakeCoupon) -> Coupon:
    """A system-only 满50减8 set as the store's join cashback."""
    coupon = make_coupon(name="入群礼", amount_off=800, claimable=False, total=3)
    coupons.update_campaign_settings(
        shop.owner, shop.store.pk, coupons_on_campaign_price=False, join_cashback_id=coupon.pk
    )
    return coupon


@pytest.fixture
def circle(shop: Shop) -> Circle:
    return membership.create_circle(
        shop.owner, membership.CircleInput(name="山野老朋友", store_id=shop.store.pk)
    )


def joined_copies(user) -> list[UserCoupon]:  # type: ignore[no-untyped-def]
    return list(UserCoupon.objects.filter(user=user, source="join_cashback"))


def test_joining_gives_the_cashback_once_after_the_join_commits(
    shop: Shop, cashback: Coupon, circle: Circle, django_capture_on_commit_callbacks
):
    # when a customer joins the store's circle
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcome = membership.join_circle(shop.buyer, circle.pk)
        # then nothing is given before the join commits
        assert joined_copies(shop.buyer) == []
    assert outcome.status == "joined" and callbacks
    # and after it, the buyer holds the cashback coupon
    [copy] = joined_copies(shop.buyer)
    assert (copy.coupon_id, copy.store_id, copy.status) == (cashback.pk, shop.store.pk, "unused")


def test_leaving_and_joining_again_gives_nothing(
    shop: Shop, cashback: Coupon, circle: Circle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership.join_circle(shop.buyer, circle.pk)
    with django_capture_on_commit_callbacks(execute=True):
        membership.leave_circle(shop.buyer, circle.pk)
        membership.join_by_code(shop.buyer, circle.invite_code)
    assert len(joined_copies(shop.buyer)) == 1


def test_a_second_circle_of_the_same_store_gives_nothing_more(
    shop: Shop, cashback: Coupon, circle: Circle, django_capture_on_commit_callbacks
):
    second = membership.create_circle(
        shop.staff, membership.CircleInput(name="山野咖啡", store_id=shop.store.pk)
    )
    with django_capture_on_commit_callbacks(execute=True):
        membership.join_circle(shop.buyer, circle.pk)
        membership.join_circle(shop.buyer, second.pk)
    assert len(joined_copies(shop.buyer)) == 1


def test_even_with_another_coupon_as_cashback_a_person_gets_one_per_store(
    shop: Shop,
    cashback: Coupon,
    circle: Circle,
    make_coupon: MakeCoupon,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        membership.join_circle(shop.buyer, circle.pk)
    newer = make_coupon(name="新入群礼", claimable=False)
    coupons.update_campaign_settings(
        shop.owner, shop.store.pk, coupons_on_campaign_price=False, join_cashback_id=newer.pk
    )
    second = membership.create_circle(
        shop.staff, membership.CircleInput(name="山野咖啡", store_id=shop.store.pk)
    )
    with django_capture_on_commit_callbacks(execute=True):
        membership.join_circle(shop.buyer, second.pk)
    assert [c.coupon_id for c in joined_copies(shop.buyer)] == [cashback.pk]


def test_an_approved_request_gives_the_cashback(
    shop: Shop, cashback: Coupon, django_capture_on_commit_callbacks
):
    circle = membership.create_circle(
        shop.owner,
        membership.CircleInput(name="审核圈", store_id=shop.store.pk, join_policy="approval"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        membership.join_circle(shop.buyer, circle.pk, message="老顾客")
    assert joined_copies(shop.buyer) == []  # a request is not a join
    request = circle.join_requests.get(user=shop.buyer)
    with django_capture_on_commit_callbacks(execute=True):
        membership.decide_join_request(shop.owner, circle.pk, request.pk, approve=True)
    assert len(joined_copies(shop.buyer)) == 1


def test_no_cashback_without_a_setting_in_an_interest_circle_or_when_all_taken(
    shop: Shop, make_coupon: MakeCoupon, django_capture_on_commit_callbacks
):
    # a store circle without a join cashback, and an interest circle
    store_circle = membership.create_circle(
        shop.owner, membership.CircleInput(name="山野", store_id=shop.store.pk)
    )
    interest = membership.create_circle(UserFactory(), membership.CircleInput(name="跑步"))
    with django_capture_on_commit_callbacks(execute=True):
        membership.join_circle(shop.buyer, store_circle.pk)
        membership.join_circle(shop.buyer, interest.pk)
    assert joined_copies(shop.buyer) == []
    # a join cashback of one copy: the second newcomer joins fine but gets nothing
    one = make_coupon(claimable=False, total=1)
    coupons.update_campaign_settings(
        shop.owner, shop.store.pk, coupons_on_campaign_price=False, join_cashback_id=one.pk
    )
    first, late = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        membership.join_circle(first, store_circle.pk)
        outcome = membership.join_circle(late, store_circle.pk)
    assert outcome.status == "joined"
    assert (len(joined_copies(first)), len(joined_copies(late))) == (1, 0)


def test_the_circle_page_announces_the_cashback_then_shows_it_received(
    client, shop: Shop, cashback: Coupon, circle: Circle, django_capture_on_commit_callbacks
):
    client.force_login(shop.buyer)
    page = client.get(f"/circles/{circle.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert 'data-testid="join-cashback-offer"' in page and "入群礼" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/circles/{circle.pk}/join/")
    page = client.get(f"/circles/{circle.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert 'data-testid="join-cashback-received"' in page
    assert 'data-testid="join-cashback-offer"' not in page
