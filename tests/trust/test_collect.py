"""The detectors' records read from the rows: orders, refunds, bindings, promoter roles, access
prints and shipping addresses; in a constant number of queries."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from quanzi.orders.services.paying import refund_order
from quanzi.referrals.models import Binding, Promoter, PromoterStatus
from quanzi.reviews.models import Review
from quanzi.trust import prints
from quanzi.trust.collect import address_hash, collect, tracking_key
from tests.factories import UserFactory
from tests.trust.conftest import ADDRESS, Buy, Shop

pytestmark = pytest.mark.django_db


def refund(review: Review, amount: int, capture: Any) -> None:
    with capture(execute=True):
        refund_order(review.order_item.order, amount, reason="少发了一包")


def test_a_review_carries_its_order(shop: Shop, buy: Buy) -> None:
    # given a buyer who bought, paid, received and reviewed one of the shop's products
    buyer = UserFactory()
    review = buy(buyer, shop.skus[0], 5, "很香", tracking="SF1234567890123")
    order = review.order_item.order
    # when the records are read
    records = collect()
    # then the review's record says what its order was
    (record,) = records.reviews
    assert (record.review_id, record.user, record.product, record.store) == (
        review.pk,
        str(buyer.pk),
        shop.products[0].pk,
        shop.store.pk,
    )
    assert (record.stars, record.text, record.at) == (5, "很香", review.created_at.timestamp())
    assert order.paid_at and order.shipped_at and order.received_at
    assert record.paid_at == order.paid_at.timestamp()
    assert record.shipped_at == order.shipped_at.timestamp()
    assert record.received_at == order.received_at.timestamp()
    assert (record.order_total, record.list_price) == (5900, 5900)
    assert record.tracking == "SF:SF1234567890123"
    assert (record.refunded_after, record.promoter) == (False, "")


def test_a_refund_after_the_review_is_told_and_one_before_is_not(
    shop: Shop, buy: Buy, django_capture_on_commit_callbacks: Any
) -> None:
    # given a review refunded in part afterwards, and an order refunded in part before its review
    later = buy(UserFactory(), shop.skus[0])
    refund(later, 1000, django_capture_on_commit_callbacks)
    before_buyer = UserFactory()
    earlier = buy(before_buyer, shop.skus[1])
    refund(earlier, 500, django_capture_on_commit_callbacks)
    Review.objects.filter(pk=earlier.pk).update(created_at=timezone.now() + timedelta(minutes=1))
    assert later.order_item.order.refunds.get().succeeded_at is not None
    # when the records are read
    records = {r.review_id: r for r in collect(timezone.now() + timedelta(minutes=2)).reviews}
    # then only the refund that came after its review counts
    assert records[later.pk].refunded_after is True
    assert records[earlier.pk].refunded_after is False


def test_the_reviewers_promoter_at_the_store_and_their_own_promoter_roles(
    shop: Shop, buy: Buy
) -> None:
    # given a reviewer bound to a promoter at the store, who is an approved promoter elsewhere
    promoter, bound, expired = UserFactory(), UserFactory(), UserFactory()
    Binding.objects.create(customer=bound, store=shop.store, promoter=promoter)
    Promoter.objects.create(store=shop.other_store, user=bound, status=PromoterStatus.APPROVED)
    Promoter.objects.create(store=shop.store, user=bound, status=PromoterStatus.PENDING)
    # and one whose binding had expired before the review
    Binding.objects.create(
        customer=expired,
        store=shop.store,
        promoter=promoter,
        expires_at=timezone.now() - timedelta(days=1),
    )
    reviews = {buy(bound, shop.skus[0]).pk: bound, buy(expired, shop.skus[0]).pk: expired}
    # when the records are read
    records = collect()
    promoters = {reviews[r.review_id]: r.promoter for r in records.reviews}
    accounts = {a.user: a for a in records.accounts}
    # then the bound reviewer's review names the promoter, the expired binding's does not
    assert promoters == {bound: str(promoter.pk), expired: ""}
    # and the approved role counts, the pending one does not
    assert accounts[str(bound.pk)].promoter_of == frozenset({shop.other_store.pk})
    assert accounts[str(expired.pk)].promoter_of == frozenset()


def test_an_account_carries_when_it_joined_its_prints_and_addresses(
    shop: Shop, buy: Buy, rf: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a reviewer who signed in from two places, and shipped to the same flat written two
    # ways, and a second reviewer shipping there too
    first, second = UserFactory(), UserFactory()
    for address in ("58.246.12.7", "58.246.12.200", "2408:8207:1234:5678::1"):
        request = rf.get("/", REMOTE_ADDR=address, HTTP_USER_AGENT="Mozilla/5.0 iPhone")
        with django_capture_on_commit_callbacks(execute=True):
            prints.record_print(request, first.pk)
    buy(first, shop.skus[0], address=ADDRESS)
    spaced = replace(ADDRESS, detail="翠湖路１号", recipient="李四")  # full-width digit, no space
    buy(first, shop.skus[1], address=spaced)
    buy(second, shop.skus[2], address=replace(ADDRESS, detail="翠湖路 2 号"))
    # when the records are read
    accounts = {a.user: a for a in collect().accounts}
    # then the account says when it joined and where it acted from
    mine = accounts[str(first.pk)]
    assert mine.joined_at == first.date_joined.timestamp()
    assert mine.ip_prefixes == frozenset({"58.246.12.0/24", "2408:8207:1234::/48"})
    assert mine.devices == frozenset({prints.device_of("Mozilla/5.0 iPhone", "")})
    # and the flat written two ways is one address; the neighbour's is another
    assert mine.addresses == frozenset({address_hash(ADDRESS.__dict__)})
    assert accounts[str(second.pk)].addresses.isdisjoint(mine.addresses)
    assert accounts[str(second.pk)].ip_prefixes == frozenset()


def test_only_the_window_is_read(shop: Shop, buy: Buy) -> None:
    # given a review of 200 days ago and one of today
    old = buy(UserFactory(), shop.skus[0])
    Review.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=200))
    new = buy(UserFactory(), shop.skus[0])
    # when the records are read, then only today's review and its author are in them
    records = collect()
    assert [r.review_id for r in records.reviews] == [new.pk]
    assert [a.user for a in records.accounts] == [str(new.author_id)]


def test_the_records_take_the_same_queries_however_many_reviews(
    shop: Shop, buy: Buy, django_assert_num_queries: Any
) -> None:
    # given one reviewer with a binding and a print
    promoter = UserFactory()
    first = UserFactory()
    Binding.objects.create(customer=first, store=shop.store, promoter=promoter)
    prints.upsert(first.pk, "58.246.12.0/24", "abc")
    buy(first, shop.skus[0])
    with django_assert_num_queries(6):
        assert len(collect().reviews) == 1
    # when there are many more reviewers, bindings and prints
    for n in range(6):
        person = UserFactory()
        Binding.objects.create(customer=person, store=shop.store, promoter=promoter)
        prints.upsert(person.pk, f"58.246.{n}.0/24", "abc")
        buy(person, shop.skus[n % 3])
    # then reading them takes the same queries
    with django_assert_num_queries(6):
        assert len(collect().reviews) == 7


def test_tracking_and_addresses_are_normalised() -> None:
    assert tracking_key("SF", " sf 1234 5678 ") == "SF:SF12345678"
    assert tracking_key("SF", "") == ""
    assert address_hash({"province": "云南省", "detail": ""}) == ""
    assert address_hash("not a mapping") == ""
    one = {"province": "云南省", "city": "昆明市", "district": "五华区", "detail": "Cuihu Rd. 1"}
    assert address_hash(one) == address_hash({**one, "detail": "cuihu rd 1"})
    assert address_hash(one) != address_hash({**one, "detail": "cuihu rd 2"})
