"""Rule tags: each rule, and events moving a customer into and out of a tag in the same
task (the real order, circle and referral flows send the events)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from quanzi.circles.services import chat
from quanzi.circles.services import membership as circles
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.customers.models import CustomerTag, Tag, TagKind
from quanzi.customers.services import rules, sweep, tags
from quanzi.needs.models import ProfilingPreference
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import place_orders
from quanzi.orders.services.payment_events import on_payment_captured
from quanzi.orders.signals import order_refunded
from quanzi.referrals.models import DistributionConfig, Promoter, PromoterRule, PromoterStatus
from quanzi.referrals.services.distribution import bind
from quanzi.referrals.services.programme import decide
from tests.customers.conftest import Buy, Crm
from tests.factories import AddressFactory, UserFactory


def rule_tag(crm: Crm, name: str, rule: dict[str, Any]) -> Tag:
    return tags.create_tag(crm.store, tags.TagFields(name=name, rule=rule))


def holders(tag: Tag) -> set[int]:
    return set(CustomerTag.objects.filter(tag=tag).values_list("user_id", flat=True))


def test_each_rule_on_a_known_population(crm: Crm, buy: Buy, join: Any) -> None:
    big, small, member, old, mid = (UserFactory() for _ in range(5))
    buy(big, 30000, days_ago=2)
    buy(big, 20000, days_ago=5, sku=crm.tea_sku)
    buy(small, 1000, days_ago=200)
    join(member)
    buy(old, 9000, days_ago=400)
    buy(old, 9000, days_ago=10, refunded=9000, status="refunded")  # no order: fully refunded
    buy(mid, 500, days_ago=100)
    buy(mid, 500, days_ago=20)
    expect = {
        ("spend", "gte", 10000): {big.pk},
        ("spend", "lte", 1000): {small.pk, member.pk, mid.pk},
        ("orders", "gte", 2): {big.pk, mid.pk},
        ("orders", "lte", 0): {member.pk},
        ("days_since_order", "gte", 180): {small.pk, old.pk},
    }
    for (kind, op, value), who in expect.items():
        tag = rule_tag(crm, f"{kind[:9]}{op}{value}", {"kind": kind, "op": op, "value": value})
        assert holders(tag) == who, (kind, op, value)
    assert holders(rule_tag(crm, "茶", {"kind": "category", "category": crm.tea_cat.pk})) == {
        big.pk
    }
    assert holders(rule_tag(crm, "豆", {"kind": "product", "product": crm.coffee.pk})) == {
        big.pk,
        small.pk,
        old.pk,
        mid.pk,
    }
    assert holders(rule_tag(crm, "圈", {"kind": "circle", "circle": crm.circle.pk})) == {member.pk}
    stages = {s: rule_tag(crm, s, {"kind": "lifecycle", "stage": s}) for s in rules.STAGES}
    assert holders(stages["new"]) == {big.pk}  # first order within 30 days
    assert holders(stages["sleeping"]) == {small.pk, old.pk}  # nothing for over 90 days
    assert holders(stages["active"]) == {mid.pk}


def test_referred_and_promoter_rules(
    crm: Crm, buy: Buy, django_capture_on_commit_callbacks: Any
) -> None:
    DistributionConfig.objects.create(
        store=crm.store, enabled=True, promoters=PromoterRule.APPROVED
    )
    promoter, friend, loner = (UserFactory() for _ in range(3))
    Promoter.objects.create(store=crm.store, user=promoter, status=PromoterStatus.APPROVED)
    for person in (promoter, friend, loner):
        buy(person, 1000)
    referred = rule_tag(crm, "被推荐", {"kind": "referred"})
    promoters = rule_tag(crm, "推广员", {"kind": "promoter"})
    assert holders(referred) == set() and holders(promoters) == {promoter.pk}
    with django_capture_on_commit_callbacks(execute=True):
        bind(friend.pk, crm.store.pk, promoter.pk)  # customer_bound, on commit
    assert holders(referred) == {friend.pk}
    with django_capture_on_commit_callbacks(execute=True):
        decide(crm.owner, crm.store.pk, loner.public_id, "approve")  # promoter_decided
    assert holders(promoters) == {promoter.pk, loner.pk}
    with django_capture_on_commit_callbacks(execute=True):
        decide(crm.owner, crm.store.pk, promoter.public_id, "revoke")
    assert holders(promoters) == {loner.pk}


def test_paying_moves_a_customer_into_and_out_of_tags(
    crm: Crm, django_capture_on_commit_callbacks: Any
) -> None:
    buyer = UserFactory()
    crm.coffee_sku.stock = 5
    crm.coffee_sku.save()
    big = rule_tag(crm, "大客户", {"kind": "spend", "op": "gte", "value": 5000})
    newcomer = rule_tag(crm, "还没买过", {"kind": "orders", "op": "lte", "value": 0})
    with django_capture_on_commit_callbacks(execute=True):
        circles.join_by_code(buyer, crm.circle.invite_code)  # member_joined
    assert holders(newcomer) == {buyer.pk} and holders(big) == set()
    order = place_orders(buyer, [(crm.coffee_sku.pk, 1)], AddressFactory(user=buyer).pk)[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert on_payment_captured(order.pk, "pay_test_0000001")  # order_paid
    assert holders(big) == {buyer.pk}
    assert holders(newcomer) == set()
    # the refund (order_refunded, inside the refund's transaction) takes them out again
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(refunded_amount=order.total, status="refunded")
        order_refunded.send(
            Order, order_id=order.pk, amount=order.total, refunded_total=order.total
        )
        assert holders(big) == set()
    assert holders(newcomer) == {buyer.pk}


def test_chatting_makes_a_customer_active(
    crm: Crm, django_capture_on_commit_callbacks: Any
) -> None:
    talker = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        circles.join_by_code(talker, crm.circle.invite_code)
    active = rule_tag(crm, "活跃", {"kind": "active", "days": 7, "messages": 2})
    for n in range(2):
        assert holders(active) == set()
        with django_capture_on_commit_callbacks(execute=True):
            chat.send_message(
                talker, crm.circle.pk, kind="text", text=f"早上好{n}", client_id=f"c{n}"
            )
    assert holders(active) == {talker.pk}


def test_opted_out_members_get_no_rule_tags_and_lose_theirs(crm: Crm, buy: Buy) -> None:
    a = UserFactory()
    buy(a, 9000)
    tag = rule_tag(crm, "买过", {"kind": "orders", "op": "gte", "value": 1})
    assert holders(tag) == {a.pk}
    ProfilingPreference.objects.create(user=a, profiled=False)
    sweep.sweep_store(crm.store)
    assert holders(tag) == set()


def test_the_nightly_sweep_catches_time_based_rules_once_a_day(crm: Crm, buy: Buy) -> None:
    a = UserFactory()
    order = buy(a, 9000, days_ago=10)
    sleeping = rule_tag(crm, "沉睡", {"kind": "days_since_order", "op": "gte", "value": 30})
    assert holders(sleeping) == set()
    Order.objects.filter(pk=order.pk).update(paid_at=order.paid_at - timedelta(days=40))
    assert sweep.nightly() >= 1
    assert holders(sleeping) == {a.pk}
    CustomerTag.objects.all().delete()
    assert sweep.nightly() == 0  # swept today already
    assert holders(sleeping) == set()


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "spend", "op": "gt", "value": 1},
        {"kind": "spend", "op": "gte", "value": "1"},
        {"kind": "spend", "op": "gte"},
        {"kind": "active", "days": 0, "messages": 1},
        {"kind": "lifecycle", "stage": "dead"},
        {"kind": "referred", "x": 1},
        {"kind": "nope"},
        ["spend"],
    ],
)
def test_malformed_rules_are_400(crm: Crm, rule: Any) -> None:
    with pytest.raises(InvalidInput):
        rules.validate_rule(crm.store, rule)


def test_rule_objects_of_another_store_are_404(crm: Crm, other_store: Any) -> None:
    from quanzi.circles.models import Circle

    theirs = Circle.objects.create(name="x", store=other_store, owner=crm.owner, invite_code="o1")
    with pytest.raises(NotFound):
        rules.validate_rule(crm.store, {"kind": "circle", "circle": theirs.pk})
    with pytest.raises(NotFound):
        rules.validate_rule(crm.store, {"kind": "product", "product": "../x"})


def test_manual_tags_by_hand_and_in_bulk(crm: Crm, buy: Buy) -> None:
    a, b = UserFactory(), UserFactory()
    buy(a)
    buy(b)
    vip = tags.create_tag(crm.store, tags.TagFields(name="VIP"))
    assert vip.kind == TagKind.MANUAL
    people = tags.customers_by_public_id(crm.store, [a.public_id, b.public_id])
    assert tags.add_tag(vip, people) == 2
    assert tags.add_tag(vip, people) == 0
    assert tags.remove_tag(vip, people[:1]) == 1
    assert holders(vip) == {p.pk for p in people[1:]}
    with pytest.raises(NotFound):
        tags.customers_by_public_id(crm.store, [UserFactory().public_id])  # not a customer
    rule = rule_tag(crm, "规则", {"kind": "referred"})
    with pytest.raises(Exception) as caught:
        tags.add_tag(rule, people)
    assert getattr(caught.value, "code", "") == "tag_is_rule"


def test_an_event_refresh_is_a_few_queries_whatever_the_rules(
    crm: Crm, buy: Buy, join: Any, django_assert_max_num_queries: Any
) -> None:
    from quanzi.referrals.models import DistributionConfig

    DistributionConfig.objects.create(store=crm.store, enabled=True)
    person = UserFactory()
    buy(person, 9000)
    join(person)
    for n, rule in enumerate(
        [
            {"kind": "spend", "op": "gte", "value": 1},
            {"kind": "orders", "op": "gte", "value": 1},
            {"kind": "days_since_order", "op": "lte", "value": 30},
            {"kind": "category", "category": crm.coffee_cat.pk},
            {"kind": "product", "product": crm.coffee.pk},
            {"kind": "circle", "circle": crm.circle.pk},
            {"kind": "active", "days": 7, "messages": 1},
            {"kind": "active", "days": 30, "messages": 1},
            {"kind": "referred"},
            {"kind": "promoter"},
            {"kind": "lifecycle", "stage": "new"},
        ]
    ):
        rule_tag(crm, f"r{n}", rule)
    CustomerTag.objects.all().delete()
    # one person, eleven rules of every kind: one query per kind of fact, not per rule
    with django_assert_max_num_queries(18):
        sweep.refresh_one(crm.store.pk, person.pk)
    # all but the two "active" (no message) and "referred" (no promoter, no share link)
    assert CustomerTag.objects.filter(user=person).count() == 8


def test_a_chat_message_costs_one_query_without_activity_rules(
    crm: Crm, buy: Buy, django_assert_num_queries: Any
) -> None:
    person = UserFactory()
    buy(person, 9000)
    rule_tag(crm, "大客户", {"kind": "spend", "op": "gte", "value": 1})
    with django_assert_num_queries(1):
        sweep.on_message_sent(None, store_id=crm.store.pk, user_id=person.pk)
