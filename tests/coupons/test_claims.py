"""Claiming (领取) and system grants: the quantity, the per-person limit, system-only and ended
coupons, validity fixed at hand-out, the Idempotency-Key of the claim POST, and `grant_coupon`
(which share rewards call) answering None when it cannot give."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quanzi.core.errors import Conflict, NotAuthenticated, NotFound
from quanzi.coupons import coupons
from quanzi.coupons.models import CouponSource, UserCoupon
from tests.coupons.conftest import MakeCoupon, claim, later, written
from tests.factories import UserFactory
from tests.orders.conftest import Shop

pytestmark = pytest.mark.django_db


def test_a_claim_gives_a_copy_valid_from_now_for_its_days(shop: Shop, make_coupon: MakeCoupon):
    coupon = make_coupon(valid_days=3)
    copy = claim(shop.buyer, coupon)
    assert (copy.user, copy.store, copy.source, copy.status) == (
        shop.buyer,
        shop.store,
        "claimed",
        "unused",
    )
    assert copy.expires_at - copy.valid_from == timedelta(days=3)
    coupon.refresh_from_db()
    assert coupon.issued == 1


def test_one_person_holds_at_most_the_limit(shop: Shop, make_coupon: MakeCoupon):
    coupon = make_coupon(per_user_limit=2)
    claim(shop.buyer, coupon)
    claim(shop.buyer, coupon)
    with pytest.raises(Conflict) as refused:
        claim(shop.buyer, coupon)
    assert refused.value.code == "coupon_limit_reached"
    assert UserCoupon.objects.filter(user=shop.buyer).count() == 2
    # and the limit is per person: someone else still gets one
    claim(shop.other, coupon)


def test_the_quantity_is_never_exceeded(shop: Shop, make_coupon: MakeCoupon):
    coupon = make_coupon(total=2)
    claim(shop.buyer, coupon)
    claim(shop.other, coupon)
    before = written()
    with pytest.raises(Conflict) as refused:
        claim(UserFactory(), coupon)
    assert refused.value.code == "coupon_sold_out"
    assert written() == before
    coupon.refresh_from_db()
    assert (coupon.issued, coupon.total) == (2, 2)


def test_system_only_unknown_and_anonymous_claims_are_refused(shop: Shop, make_coupon: MakeCoupon):
    hidden = make_coupon(claimable=False)
    for coupon_id in (hidden.pk, "forged0000000000", "../../etc", ""):
        with pytest.raises(NotFound):
            coupons.claim_coupon(shop.buyer, coupon_id)
    with pytest.raises(NotAuthenticated):
        coupons.claim_coupon(None, make_coupon().pk)
    assert UserCoupon.objects.count() == 0


def test_a_window_coupon_is_claimable_until_it_ends_and_keeps_its_dates(
    shop: Shop, make_coupon: MakeCoupon
):
    # given a coupon valid from tomorrow for two days
    start = timezone.now() + timedelta(days=1)
    coupon = make_coupon(validity="window", valid_from=start, valid_until=start + timedelta(days=2))
    # when it is claimed today, the copy holds the coupon's own dates
    copy = claim(shop.buyer, coupon)
    assert (copy.valid_from, copy.expires_at) == (coupon.valid_from, coupon.valid_until)
    # and once the window is over nobody can claim it
    with later(days=4), pytest.raises(Conflict) as refused:
        claim(shop.other, coupon)
    assert refused.value.code == "coupon_ended"


def test_a_copy_expires_by_its_own_date(shop: Shop, make_coupon: MakeCoupon):
    copy = claim(shop.buyer, make_coupon(valid_days=1))
    assert coupons.state_of(copy) == "unused"
    with later(days=1, seconds=1):
        assert coupons.state_of(copy) == "expired"
        assert coupons.my_coupons(shop.buyer, "expired").items == [copy]
        assert coupons.my_coupons(shop.buyer, "usable").count == 0


def test_the_claim_post_honours_the_idempotency_key(api, shop: Shop, make_coupon: MakeCoupon):
    # given a coupon of 2 per person
    coupon = make_coupon(per_user_limit=2)
    client = api(shop.buyer)
    headers = {"Idempotency-Key": "claim-tap-1"}
    # when the same claim is posted twice with one key
    first = client.post(f"campaigns/coupons/{coupon.pk}/claim", headers=headers)
    again = client.post(f"campaigns/coupons/{coupon.pk}/claim", headers=headers)
    # then one copy exists and the replay is the first answer
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert UserCoupon.objects.filter(user=shop.buyer).count() == 1
    # and a new key claims the second copy
    third = client.post(
        f"campaigns/coupons/{coupon.pk}/claim", headers={"Idempotency-Key": "claim-tap-2"}
    )
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]


def test_grant_respects_quantity_and_limit_and_answers_none(shop: Shop, make_coupon: MakeCoupon):
    # given a system-only coupon of 2 copies, 1 per person
    coupon = make_coupon(claimable=False, total=2)
    # when the system grants it
    first = coupons.grant_coupon(coupon, shop.buyer, source=CouponSource.SHARE_REWARD)
    assert first is not None and first.source == "share_reward"
    # then a second grant to the same person, and a grant beyond the quantity, give None
    assert coupons.grant_coupon(coupon, shop.buyer, source=CouponSource.SHARE_REWARD) is None
    assert coupons.grant_coupon(coupon, shop.other, source=CouponSource.GRANTED) is not None
    assert coupons.grant_coupon(coupon, UserFactory(), source=CouponSource.GRANTED) is None
    coupon.refresh_from_db()
    assert coupon.issued == 2
    # and a deactivated coupon is never granted
    spare = make_coupon(claimable=False)
    coupons.deactivate_coupon(shop.owner, spare.pk)
    spare.refresh_from_db()
    assert coupons.grant_coupon(spare, shop.buyer, source=CouponSource.GRANTED) is None


def test_grant_refuses_a_claim_as_its_source(shop: Shop, make_coupon: MakeCoupon):
    with pytest.raises(ValueError):
        coupons.grant_coupon(make_coupon(), shop.buyer, source=CouponSource.CLAIMED)
