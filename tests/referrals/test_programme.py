"""The distribution programme as people act on it: promoter rules (everyone, approved applicants,
spend threshold; approve and revoke), per-product rates, the settings' checks, the API's role
matrix, and the promoter centre and console pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from quanzi.orders.models import Order, OrderStatus
from quanzi.referrals.models import (
    Commission,
    DistributionConfig,
    ProductCommission,
    Promoter,
    PromoterRule,
    PromoterStatus,
)
from quanzi.referrals.services import programme
from quanzi.referrals.services.distribution import (
    bind,
    freeze_commissions,
    is_promoter,
    order_commission_amounts,
    promoter_of,
)
from tests.factories import SkuFactory, UserFactory, store_with_owner
from tests.payments.helpers import make_order
from tests.stores.roles import ROLES, make_cast

pytestmark = pytest.mark.django_db


def _config(store, **fields) -> DistributionConfig:
    defaults = {"enabled": True, "level1_rate_bp": 1000, "level2_rate_bp": 500}
    return DistributionConfig.objects.create(store=store, **{**defaults, **fields})


def _paid(order: Order) -> Order:
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID, paid_at=order.created_at)
    order.refresh_from_db()
    return order


# --- Rules ---------------------------------------------------------------------------------------


def test_under_approved_applicants_only_an_approved_person_binds_and_earns():
    # given a store whose promoters must be approved, and an applicant A
    cast = make_cast()
    config = _config(cast.store, promoters=PromoterRule.APPROVED)
    a = cast.customer
    programme.apply(a, cast.store.pk, "我有很多宝妈朋友")
    # when a customer comes through A before approval
    buyer = UserFactory()
    bind(buyer.pk, cast.store.pk, a.pk)
    # then nothing binds: A is not a promoter yet
    assert not is_promoter(a.pk, config)
    assert promoter_of(buyer.pk, cast.store.pk) is None
    # when the owner approves A and the customer comes again
    programme.decide(cast.owner, cast.store.pk, a.public_id, "approve")
    bind(buyer.pk, cast.store.pk, a.pk)
    # then the customer is A's, and A earns on the customer's paid order
    assert promoter_of(buyer.pk, cast.store.pk) == a.pk
    order = _paid(make_order(buyer, cast.store, total=20000))
    freeze_commissions(order.pk)
    assert Commission.objects.get(order=order, promoter=a).amount == 2000


def test_a_revoked_promoter_earns_no_more_but_keeps_the_team():
    # given A, a promoter with a bound customer in an 'everyone' store
    cast = make_cast()
    _config(cast.store)
    a, buyer = cast.customer, UserFactory()
    bind(buyer.pk, cast.store.pk, a.pk)
    # when the owner revokes A and the customer buys
    programme.decide(cast.owner, cast.store.pk, a.public_id, "revoke")
    order = _paid(make_order(buyer, cast.store, total=10000))
    freeze_commissions(order.pk)
    # then A earns nothing on it, and the binding stays (the owner may restore A later)
    assert not Commission.objects.filter(order=order).exists()
    assert promoter_of(buyer.pk, cast.store.pk) == a.pk


def test_under_the_spend_rule_a_customer_qualifies_once_completed_spending_reaches_it():
    # given a store whose promoters are customers who spent ¥100 on completed orders
    cast = make_cast()
    config = _config(cast.store, promoters=PromoterRule.SPENDERS, spend_threshold=10000)
    a = cast.customer
    first = make_order(a, cast.store, total=6000)
    Order.objects.filter(pk=first.pk).update(status=OrderStatus.COMPLETED)
    # then ¥60 is not enough, and unpaid or refunded money never counts
    assert not is_promoter(a.pk, config)
    second = make_order(a, cast.store, total=5000)
    Order.objects.filter(pk=second.pk).update(status=OrderStatus.COMPLETED, refunded_amount=1500)
    assert not is_promoter(a.pk, config)  # 60 + 35 = 95
    # when one more yuan of completed spending arrives, A qualifies
    third = make_order(a, cast.store, total=500)
    Order.objects.filter(pk=third.pk).update(status=OrderStatus.COMPLETED)
    assert is_promoter(a.pk, config)
    # and the centre shows the true figures
    where = programme.standing(a, config)
    assert (where.qualifies, where.spent, where.threshold) == (True, 10000, 10000)


def test_applications_are_refused_where_the_rule_is_not_approval():
    # given an 'everyone' store
    cast = make_cast()
    _config(cast.store)
    # when someone applies, then a clear 409 and nothing is written
    with pytest.raises(programme.Conflict):
        programme.apply(cast.customer, cast.store.pk)
    assert not Promoter.objects.exists()


def test_a_rejected_applicant_may_apply_again_and_waits_again():
    cast = make_cast()
    _config(cast.store, promoters=PromoterRule.APPROVED)
    programme.apply(cast.customer, cast.store.pk)
    programme.decide(cast.owner, cast.store.pk, cast.customer.public_id, "reject")
    # when they apply again
    row = programme.apply(cast.customer, cast.store.pk, "再试一次")
    # then it is pending again
    assert (row.status, row.reason) == (PromoterStatus.PENDING, "再试一次")


# --- Product rates ---------------------------------------------------------------------------


def test_product_rates_override_the_store_and_shipping_never_earns():
    # given a store paying 10 % / 5 %, a product at 20 % / 0 %, and an order of both plus ¥10
    # shipping
    cast = make_cast()
    config = _config(cast.store)
    order = make_order(UserFactory(), cast.store, total=10000)  # an item of ¥100 at store rates
    special = SkuFactory(product__store=cast.store, price=5000)
    order.items.create(
        sku=special,
        product=special.product,
        title="special",
        unit_price=5000,
        quantity=2,
    )
    Order.objects.filter(pk=order.pk).update(subtotal=20000, shipping_fee=1000, total=21000)
    order.refresh_from_db()
    programme.set_product_rates(cast.owner, cast.store.pk, special.product.pk, 2000, 0)
    # when the commissions are computed
    level1, level2 = order_commission_amounts(order, config)
    # then level 1 is 10 % of 100 + 20 % of 100, level 2 is 5 % of 100 only
    assert (level1, level2) == (3000, 500)
    # when the override is cleared, the product earns the store's rates again
    programme.clear_product_rates(cast.owner, cast.store.pk, special.product.pk)
    assert order_commission_amounts(order, config) == (2000, 1000)


def test_a_discounted_order_earns_on_what_was_paid_for_goods():
    # given a ¥200 order of which the buyer paid ¥150 for goods (a store discount) + ¥10 shipping
    cast = make_cast()
    config = _config(cast.store)
    order = make_order(UserFactory(), cast.store, total=20000)
    Order.objects.filter(pk=order.pk).update(shipping_fee=1000, discount=5000, total=16000)
    order.refresh_from_db()
    # then the commissions are 10 % and 5 % of ¥150
    assert order_commission_amounts(order, config) == (1500, 750)


@pytest.mark.parametrize(
    ("level1", "level2"), [(-1, 0), (10001, 0), (6000, 5000), ("ten", 0), (True, 0), (None, 0)]
)
def test_bad_product_rates_are_refused_and_nothing_is_written(level1, level2):
    cast = make_cast()
    _config(cast.store)
    product = SkuFactory(product__store=cast.store).product
    with pytest.raises(programme.InvalidInput):
        programme.set_product_rates(cast.owner, cast.store.pk, product.pk, level1, level2)
    assert not ProductCommission.objects.exists()


def test_another_stores_product_cannot_get_rates():
    cast, other = make_cast(), SkuFactory().product
    with pytest.raises(programme.NotFound):
        programme.set_product_rates(cast.owner, cast.store.pk, other.pk, 100, 0)


# --- The API -------------------------------------------------------------------------------------

OWNER_ONLY = {"owner": 200, "staff": 403, "customer": 403, "other_customer": 403, "anonymous": 401}
STAFF_READ = {"owner": 200, "staff": 200, "customer": 403, "other_customer": 403, "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_settings_api_role_matrix(api, role):
    cast = make_cast()
    client = api(cast.user(role))
    base = f"referrals/stores/{cast.store.pk}"
    assert client.get(f"{base}/distribution").status_code == STAFF_READ[role]
    assert client.get(f"{base}/promoters").status_code == STAFF_READ[role]
    assert client.get(f"{base}/product-rates").status_code == STAFF_READ[role]
    put = client.put(f"{base}/distribution", {"enabled": True, "level1_rate_bp": 800})
    assert put.status_code == OWNER_ONLY[role]
    assert DistributionConfig.objects.filter(enabled=True).exists() == (role == "owner")


def test_settings_api_saves_and_checks(api):
    cast = make_cast()
    client = api(cast.owner)
    base = f"referrals/stores/{cast.store.pk}/distribution"
    # when the owner turns the programme on with rates, a rule and withdrawal terms
    body = {
        "enabled": True,
        "level1_rate_bp": 1200,
        "level2_rate_bp": 300,
        "promoters": "spenders",
        "spend_threshold": 50000,
        "binding_mode": "time_limited",
        "binding_days": 15,
        "min_withdrawal": 1000,
        "withdrawal_fee_bp": 60,
    }
    saved = client.put(base, body)
    assert saved.status_code == 200, saved.content
    assert saved.json() == body
    # when later changes break the rules, then a clear 422/400 and nothing changes
    with translation.override("en"):
        for bad in (
            {"level1_rate_bp": 9800},
            {"binding_mode": "forever"},
            {"promoters": "friends"},
            {"withdrawal_fee_bp": 10000},
            {"level1_rate_bp": "lots"},
            {"binding_days": 0},
        ):
            answer = client.put(base, bad, headers={"Accept-Language": "en"})
            assert answer.status_code in (400, 422), (bad, answer.content)
    assert client.get(base).json() == body


def test_decision_api_is_the_owners_and_answers_unknown_people_with_404(api):
    cast = make_cast()
    _config(cast.store, promoters=PromoterRule.APPROVED)
    base = f"referrals/stores/{cast.store.pk}/promoters"
    assert api(cast.customer).post(f"referrals/stores/{cast.store.pk}/apply", {}).status_code == 200
    who = cast.customer.public_id
    assert (
        api(cast.staff).post(f"{base}/{who}/decision", {"decision": "approve"}).status_code == 403
    )
    assert (
        api(cast.owner)
        .post(f"{base}/nobody123456789/decision", {"decision": "approve"})
        .status_code
        == 404
    )
    assert api(cast.owner).post(f"{base}/{who}/decision", {"decision": "crown"}).status_code == 400
    answer = api(cast.owner).post(f"{base}/{who}/decision", {"decision": "approve"})
    assert answer.json()["status"] == "approved"
    listed = api(cast.staff).get(base).json()
    assert [row["user_id"] for row in listed["items"]] == [who]


def test_centre_api_shows_standing_balances_team_and_commissions(api):
    # given A with a bound customer who paid an order of ¥100
    cast = make_cast()
    _config(cast.store)
    a, buyer = cast.customer, UserFactory()
    bind(buyer.pk, cast.store.pk, a.pk)
    order = _paid(make_order(buyer, cast.store, total=10000))
    freeze_commissions(order.pk)
    # when A reads their centre
    centre = api(a).get(f"referrals/stores/{cast.store.pk}/centre").json()
    # then it shows the frozen commission, the team and the commission row
    assert (centre["qualifies"], centre["frozen"], centre["available"]) == (True, 1000, 0)
    assert (centre["team_level1"], centre["team_level2"]) == (1, 0)
    assert [c["amount"] for c in centre["commissions"]] == [1000]
    # and a store without a programme answers 404; anonymous 401
    assert api(a).get(f"referrals/stores/{store_with_owner().pk}/centre").status_code == 404
    assert api().get(f"referrals/stores/{cast.store.pk}/centre").status_code == 401


# --- Pages ---------------------------------------------------------------------------------------


def test_console_page_saves_percentages_and_yuan():
    # given the owner on the distribution console
    cast = make_cast()
    browser = Client()
    browser.force_login(cast.owner)
    url = f"/promote/console/{cast.store.pk}/"
    assert browser.get(url).status_code == 200
    # when they save 12.5 % / 2.55 %, ¥10 minimum and 0.6 % fee
    answer = browser.post(
        url,
        {
            "enabled": "on",
            "level1_rate_bp": "12.5",
            "level2_rate_bp": "2.55",
            "promoters": "everyone",
            "binding_mode": "permanent",
            "binding_days": "30",
            "spend_threshold": "0",
            "min_withdrawal": "10",
            "withdrawal_fee_bp": "0.6",
        },
    )
    # then they are stored as basis points and fen
    assert answer.status_code == 302
    config = DistributionConfig.objects.get(store=cast.store)
    assert (config.level1_rate_bp, config.level2_rate_bp) == (1250, 255)
    assert (config.min_withdrawal, config.withdrawal_fee_bp) == (1000, 60)
    # and the form shows them back as typed (a 10 % rate shows as 10, not 1)
    DistributionConfig.objects.filter(store=cast.store).update(level1_rate_bp=1000)
    shown = browser.get(url).content.decode()
    assert 'name="level1_rate_bp" value="10"' in shown
    assert 'name="level2_rate_bp" value="2.55"' in shown
    # when a bad percentage is typed, then the form answers 400 and nothing changes
    bad = browser.post(url, {"level1_rate_bp": "1e9999", "promoters": "everyone"})
    assert bad.status_code == 400
    assert DistributionConfig.objects.get(store=cast.store).level1_rate_bp == 1000


@pytest.mark.parametrize("role", ["staff", "customer"])
def test_console_page_is_not_for_customers_and_staff_cannot_save(role):
    cast = make_cast()
    browser = Client()
    browser.force_login(cast.user(role))
    url = f"/promote/console/{cast.store.pk}/"
    assert browser.get(url).status_code == (200 if role == "staff" else 403)
    answer = browser.post(url, {"enabled": "on", "promoters": "everyone"})
    assert answer.status_code == 403
    assert not DistributionConfig.objects.exists()


def test_promoter_centre_page_shows_the_products_to_share_and_the_application():
    # given an approval store and a customer who has not applied
    cast = make_cast()
    _config(cast.store, promoters=PromoterRule.APPROVED)
    SkuFactory(product__store=cast.store, product__min_price=9900, price=9900)
    browser = Client()
    browser.force_login(cast.customer)
    url = f"/promote/{cast.store.pk}/"
    page = browser.get(url).content.decode()
    # then the page offers the application and no products yet
    assert 'data-testid="apply-form"' in page and 'data-testid="promote-products"' not in page
    # when they apply and the owner approves
    assert browser.post(f"{url}apply/", {"reason": ""}).status_code == 302
    programme.decide(cast.owner, cast.store.pk, cast.customer.public_id, "approve")
    # then the centre lists the product with the ¥9.90 they would earn at 10 %
    page = browser.get(url).content.decode()
    assert 'data-testid="promote-products"' in page and "¥9.90" in page
