"""The merchant's coupons: creating each kind, the checks on every field (a 400 naming the
field, nothing written), terms frozen once a copy is out, the quantity never below what was
handed out, deactivation, and the store's campaign settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quanzi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quanzi.core.validation import typed_input
from quanzi.coupons import coupons
from quanzi.coupons.models import Coupon, StoreCampaignSettings
from tests.coupons.conftest import DEFAULTS, MakeCoupon, claim
from tests.orders.conftest import Shop

pytestmark = pytest.mark.django_db


def test_each_kind_is_created_with_only_its_own_terms(shop: Shop, make_coupon: MakeCoupon):
    # given a fixed, a percentage and a threshold coupon, each sent with stray fields
    fixed = make_coupon(kind="fixed", amount_off=500, min_spend=0, percent_off=30, max_off=9)
    percent = make_coupon(kind="percent", percent_off=12, max_off=2000, amount_off=700)
    now = timezone.now()
    window = make_coupon(
        validity="window", valid_from=now, valid_until=now + timedelta(days=3), valid_days=9
    )
    # then the terms that do not apply to a kind or a validity are zeroed
    assert (fixed.amount_off, fixed.percent_off, fixed.max_off) == (500, 0, 0)
    assert (percent.amount_off, percent.percent_off, percent.max_off) == (0, 12, 2000)
    assert window.valid_days == 0 and window.valid_until > window.valid_from
    assert Coupon.objects.filter(store=shop.store).count() == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "bogus"}, "kind"),
        ({"kind": "percent", "percent_off": 0}, "percent_off"),
        ({"kind": "percent", "percent_off": 100}, "percent_off"),
        ({"kind": "fixed", "amount_off": 0}, "amount_off"),
        ({"amount_off": 5000, "min_spend": 4999}, "min_spend"),  # 满 49.99 减 50
        ({"amount_off": "ten"}, "amount_off"),
        ({"amount_off": True}, "amount_off"),
        ({"amount_off": -1}, "amount_off"),
        ({"total": 0}, "total"),
        ({"total": 10**9}, "total"),
        ({"per_user_limit": 0}, "per_user_limit"),
        ({"validity": "forever"}, "validity"),
        ({"valid_days": 0}, "valid_days"),
        ({"valid_days": 366}, "valid_days"),
        ({"validity": "window"}, "valid_until"),
        ({"validity": "window", "valid_from": "tomorrow"}, "valid_from"),
        ({"name": "   "}, "name"),
        ({"name": "券" * 41}, "name"),
        ({"claimable": "yes"}, "claimable"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_a_400_naming_the_field_and_write_nothing(
    shop: Shop, fields: dict, field: str
):
    with pytest.raises(InvalidInput) as refused:
        coupons.create_coupon(
            shop.owner, shop.store.pk, typed_input(coupons.CouponFields, DEFAULTS | fields)
        )
    assert refused.value.extra.get("field") == field
    assert Coupon.objects.count() == 0


def test_a_window_must_end_after_it_starts_and_in_the_future(shop: Shop):
    now = timezone.now()
    for start, end in [(now, now), (now, now - timedelta(days=1)), (now - timedelta(days=9), now)]:
        with pytest.raises(InvalidInput):
            coupons.create_coupon(
                shop.owner,
                shop.store.pk,
                coupons.CouponFields(
                    **(DEFAULTS | {"validity": "window", "valid_from": start, "valid_until": end})
                ),
            )
    assert Coupon.objects.count() == 0


def test_a_copy_claimed_while_the_terms_change_still_freezes_them(
    shop: Shop, make_coupon: MakeCoupon, monkeypatch: pytest.MonkeyPatch
):
    # given a coupon the merchant opened before anyone held it, and a claim landing after
    coupon = make_coupon(total=5)
    stale = Coupon.objects.get(pk=coupon.pk)
    claim(shop.buyer, coupon)
    monkeypatch.setattr(coupons, "access_coupon", lambda *args, **kwargs: stale)
    # when the merchant saves a new discount from what they opened
    with pytest.raises(Conflict) as refused:
        coupons.update_coupon(shop.staff, coupon.pk, coupons.CouponFields(amount_off=2000))
    # then it is refused as frozen and the held copy keeps its promise
    assert refused.value.code == "terms_frozen"
    assert Coupon.objects.get(pk=coupon.pk).amount_off == DEFAULTS["amount_off"]


def test_terms_are_frozen_once_a_copy_is_out_but_name_and_quantity_change(
    shop: Shop, make_coupon: MakeCoupon
):
    # given a coupon one person holds
    coupon = make_coupon(total=5)
    claim(shop.buyer, coupon)
    # when the merchant changes its discount, it is refused and nothing changes
    with pytest.raises(Conflict) as refused:
        coupons.update_coupon(shop.staff, coupon.pk, coupons.CouponFields(amount_off=2000))
    assert refused.value.code == "terms_frozen"
    # and the same terms sent again, the name, the quantity and the limit still change
    updated = coupons.update_coupon(
        shop.staff,
        coupon.pk,
        coupons.CouponFields(amount_off=1000, name="满50减10·加量", total=9, per_user_limit=2),
    )
    assert (updated.name, updated.total, updated.per_user_limit, updated.amount_off) == (
        "满50减10·加量",
        9,
        2,
        1000,
    )


def test_terms_change_freely_before_anyone_holds_it(shop: Shop, make_coupon: MakeCoupon):
    coupon = make_coupon()
    updated = coupons.update_coupon(
        shop.owner, coupon.pk, coupons.CouponFields(kind="percent", percent_off=15)
    )
    assert (updated.kind, updated.percent_off, updated.amount_off) == ("percent", 15, 0)


def test_the_quantity_cannot_go_below_what_was_handed_out(shop: Shop, make_coupon: MakeCoupon):
    coupon = make_coupon(total=5, per_user_limit=2)
    claim(shop.buyer, coupon)
    claim(shop.buyer, coupon)
    with pytest.raises(Conflict) as refused:
        coupons.update_coupon(shop.owner, coupon.pk, coupons.CouponFields(total=1))
    assert refused.value.code == "total_below_issued"
    coupon.refresh_from_db()
    assert coupon.total == 5
    assert coupons.update_coupon(shop.owner, coupon.pk, coupons.CouponFields(total=2)).total == 2


def test_deactivating_stops_claims_and_the_join_cashback_but_held_copies_stay(
    shop: Shop, make_coupon: MakeCoupon
):
    # given a coupon that is the join cashback and that the buyer holds
    coupon = make_coupon(per_user_limit=2)
    held = claim(shop.buyer, coupon)
    coupons.update_campaign_settings(
        shop.owner, shop.store.pk, coupons_on_campaign_price=False, join_cashback_id=coupon.pk
    )
    # when the staff deactivates it
    coupons.deactivate_coupon(shop.staff, coupon.pk)
    # then nobody can claim it any more, nor edit it, and it is no longer the join cashback
    with pytest.raises(NotFound):
        claim(shop.other, coupon)
    with pytest.raises(NotFound):
        claim(shop.buyer, coupon)
    with pytest.raises(Conflict):
        coupons.update_coupon(shop.owner, coupon.pk, coupons.CouponFields(name="again"))
    assert StoreCampaignSettings.objects.get(store=shop.store).join_cashback is None
    # and the copy already held is still the buyer's to use
    held.refresh_from_db()
    assert coupons.state_of(held) == "unused"


def test_campaign_settings_are_the_owners_and_read_through_one_function(
    shop: Shop, make_coupon: MakeCoupon
):
    # given the default: coupons do not cover campaign-priced items
    assert coupons.coupon_allowed_on_campaign_price(shop.store) is False
    # when the staff tries to change the settings, they are refused
    with pytest.raises(PermissionDenied):
        coupons.update_campaign_settings(
            shop.staff, shop.store.pk, coupons_on_campaign_price=True, join_cashback_id=None
        )
    # when the owner turns it on
    coupons.update_campaign_settings(
        shop.owner, shop.store.pk, coupons_on_campaign_price=True, join_cashback_id=None
    )
    assert coupons.coupon_allowed_on_campaign_price(shop.store) is True


def test_the_join_cashback_must_be_an_active_coupon_of_the_store(
    shop: Shop, make_coupon: MakeCoupon
):
    from tests.factories import store_with_owner

    elsewhere = coupons.create_coupon(
        shop.other, store_with_owner(shop.other).pk, coupons.CouponFields(**DEFAULTS)
    )
    for bad in (elsewhere.pk, "forged0000000000", "x" * 40):
        with pytest.raises(InvalidInput):
            coupons.update_campaign_settings(
                shop.owner, shop.store.pk, coupons_on_campaign_price=False, join_cashback_id=bad
            )
    assert not StoreCampaignSettings.objects.exists()
