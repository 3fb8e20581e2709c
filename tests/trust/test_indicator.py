"""The store trust indicator: only verified, long-standing reviews count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.reviews.models import Review
from quanzi.reviews.services import set_held, write_review
from quanzi.trust.models import AccountMark, MarkKind, ReviewScore
from quanzi.trust.services.indicator import TrustLevel, count_store_trust, store_trust
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner
from tests.reviews.conftest import first_item, make_order

pytestmark = pytest.mark.django_db


def _review(
    store_sku: object, stars: int, *, age_days: int = 30, account_days: int = 400
) -> Review:
    now = timezone.now()
    buyer = UserFactory()
    User.objects.filter(pk=buyer.pk).update(date_joined=now - timedelta(days=account_days))
    order = make_order(buyer, store_sku)  # type: ignore[arg-type]
    review = write_review(buyer, order.pk, first_item(order).pk, stars, "好用，回购")
    Review.objects.filter(pk=review.pk).update(created_at=now - timedelta(days=age_days))
    return review


@pytest.fixture
def sku(db: None) -> object:
    store = store_with_owner(UserFactory())
    return SkuFactory(product=ProductFactory(store=store))


def test_given_settled_reviews_by_old_accounts_then_the_store_is_trusted(sku: object) -> None:
    # given eleven settled reviews, ten of them four or five stars
    for _ in range(10):
        _review(sku, 5)
    _review(sku, 2)
    # when the indicator is read
    trust = count_store_trust(sku.product.store_id)  # type: ignore[attr-defined]
    # then it counts all eleven and calls the store trusted
    assert trust.level == TrustLevel.GOOD
    assert (trust.reviews, trust.reviewers, trust.positive_percent) == (11, 11, 91)
    assert trust.average == 4.7


def test_given_fresh_or_new_account_or_held_reviews_then_they_do_not_count(sku: object) -> None:
    # given a settled review, a fresh one, one by a week-old account, a held one, a flagged one
    # and one by an account an operator marked as fake
    _review(sku, 5)
    _review(sku, 5, age_days=2)
    _review(sku, 5, account_days=35)
    set_held(_review(sku, 5).pk, True)
    ReviewScore.objects.create(review=_review(sku, 5), score=95)
    marked = _review(sku, 5)
    AccountMark.objects.create(user_id=marked.author_id, mark=MarkKind.CONFIRMED, reason="ring")
    # when the indicator is read
    trust = count_store_trust(sku.product.store_id)  # type: ignore[attr-defined]
    # then only the first counts, and one review is too few to say
    assert (trust.level, trust.reviews) == (TrustLevel.FEW, 1)


def test_given_a_cleared_account_then_its_review_counts_again(sku: object) -> None:
    review = _review(sku, 4)
    AccountMark.objects.create(user_id=review.author_id, mark=MarkKind.SUSPECTED, reason="x")
    assert count_store_trust(sku.product.store_id).reviews == 0  # type: ignore[attr-defined]
    AccountMark.objects.create(user_id=review.author_id, mark=MarkKind.CLEARED, reason="ok")
    assert count_store_trust(sku.product.store_id).reviews == 1  # type: ignore[attr-defined]


def test_given_mostly_unhappy_buyers_then_the_store_says_so(sku: object) -> None:
    for stars in [1, 2, 1, 3, 5, 2, 1, 4, 2, 1]:
        _review(sku, stars)
    trust = count_store_trust(sku.product.store_id)  # type: ignore[attr-defined]
    assert trust.level == TrustLevel.POOR and trust.positive_percent == 20


def test_given_no_reviews_then_the_store_page_says_few(client, sku: object) -> None:  # type: ignore[no-untyped-def]
    store_id = sku.product.store_id  # type: ignore[attr-defined]
    page = client.get(f"/stores/{store_id}/")
    assert page.status_code == 200
    assert 'data-testid="store-trust"' in page.content.decode()


def test_given_a_cached_indicator_when_an_operator_holds_a_case_then_it_is_counted_again(
    sku: object, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a store's indicator read (and cached) with eleven settled reviews counted
    from quanzi.trust.models import Case, CaseReview
    from quanzi.trust.services.cases import apply_action

    reviews = [_review(sku, 5) for _ in range(11)]
    store_id = sku.product.store_id  # type: ignore[attr-defined]
    assert store_trust(store_id).reviews == 11
    operator = UserFactory(is_staff=True)
    case = Case.objects.create(store_id=store_id, score=90, fingerprint="x")
    CaseReview.objects.bulk_create(CaseReview(case=case, review=r) for r in reviews[:4])
    # when: an operator holds the case's reviews (the action commits)
    with django_capture_on_commit_callbacks(execute=True):
        apply_action(operator, case.pk, "hold", "same words, same flat")
    # then: the next read counts again, without the held reviews
    assert store_trust(store_id).reviews == 7
