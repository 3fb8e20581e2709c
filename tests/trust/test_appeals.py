"""Appeals, both sides: a reviewer appeals their own held review, a store appeals a case about
it; an operator upholds (what was appealed is restored) or rejects (nothing changes), each step
recorded on the case, the outcome told to the appellant."""

from __future__ import annotations

import pytest
from django.utils import translation

from quanzi.circles.models import Notification, NotificationKind
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from quanzi.reviews.models import Moderation
from quanzi.trust.errors import TrustCode
from quanzi.trust.models import ActionKind, Appeal, AppealBy, AppealStatus, CaseAction
from quanzi.trust.services.appeals import (
    appeal,
    appeal_case,
    appeal_review,
    decide,
    my_reviews,
    store_cases,
)
from quanzi.trust.services.cases import apply_action, hold_reviews
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner
from tests.trust.case_helpers import fresh, make_world, open_case, rating, review_of

pytestmark = pytest.mark.django_db

WHY = "我真的买了，喝了一个月才写的评价"


def trust_notes(w, user):
    """What trust told `user` since the world was made (the hold's notices left out)."""
    return list(
        Notification.objects.filter(user=user, kind=NotificationKind.TRUST).exclude(
            pk__in=w.old_notes
        )
    )


# --- A reviewer's appeal -------------------------------------------------------------------------


def test_given_a_held_review_when_its_author_appeals_then_the_case_records_it():
    w = make_world()
    review = w.ring_reviews[0]
    made = appeal_review(w.ring[0], review.pk, WHY)
    assert (made.case, made.review, made.by_role, made.author, made.status) == (
        w.case,
        review,
        AppealBy.REVIEWER,
        w.ring[0],
        AppealStatus.OPEN,
    )
    step = CaseAction.objects.filter(case=w.case, kind=ActionKind.APPEAL).get()
    assert (step.actor, step.reason, step.detail["appeal"]) == (w.ring[0], WHY, made.pk)


def test_only_the_author_may_appeal_a_review_anyone_else_gets_not_found():
    w = make_world()
    review = w.ring_reviews[0]
    for someone in (w.ring[1], w.owner, w.operator, w.member):
        with pytest.raises(NotFound):
            appeal_review(someone, review.pk, WHY)
    with pytest.raises(NotAuthenticated):
        appeal_review(None, review.pk, WHY)
    assert not Appeal.objects.exists()


def test_a_review_no_case_holds_cannot_be_appealed():
    w = make_world()
    with pytest.raises(Conflict) as refused:
        appeal_review(w.honest, w.honest_review.pk, WHY)
    assert refused.value.code == TrustCode.NOT_APPEALABLE
    apply_action(w.operator, w.case.pk, "restore", "real")
    with pytest.raises(Conflict):
        appeal_review(w.ring[0], w.ring_reviews[0].pk, WHY)


def test_one_open_appeal_per_review():
    w = make_world()
    appeal_review(w.ring[0], w.ring_reviews[0].pk, WHY)
    with pytest.raises(Conflict) as refused:
        appeal_review(w.ring[0], w.ring_reviews[0].pk, "again")
    assert refused.value.code == TrustCode.ALREADY_APPEALED
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(("text", "code"), [("", "empty_appeal"), ("  \n ", "empty_appeal")])
def test_an_appeal_says_why(text, code):
    w = make_world()
    with pytest.raises(InvalidInput) as refused:
        appeal_review(w.ring[0], w.ring_reviews[0].pk, text)
    assert refused.value.code == code


def test_an_appeal_of_more_than_1000_characters_or_with_a_nul_is_refused():
    w = make_world()
    with pytest.raises(InvalidInput):
        appeal_review(w.ring[0], w.ring_reviews[0].pk, "长" * 1001)
    with pytest.raises(InvalidInput):
        appeal_review(w.ring[0], w.ring_reviews[0].pk, "bad\x00text")


def test_upholding_a_reviewer_s_appeal_restores_that_review_alone_and_tells_them():
    w = make_world()
    made = appeal_review(w.ring[0], w.ring_reviews[0].pk, WHY)
    decided = decide(w.operator, made.pk, True, "订单和物流都正常，评价属实")
    assert (decided.restored, decided.kept) == (1, 0)
    assert fresh(w.ring_reviews[0]).moderation == Moderation.VISIBLE
    assert [fresh(r).moderation for r in w.ring_reviews[1:]] == [Moderation.HELD] * 2
    assert rating(w.product) == (3 + 5, 2)
    made.refresh_from_db()
    assert (made.status, made.decided_by, made.decision) == (
        AppealStatus.UPHELD,
        w.operator,
        "订单和物流都正常，评价属实",
    )
    step = CaseAction.objects.filter(case=w.case, kind=ActionKind.APPEAL_UPHELD).get()
    assert (step.actor, step.reason) == (w.operator, "订单和物流都正常，评价属实")
    [note] = trust_notes(w, w.ring[0])
    assert note.url == "/trust/my-reviews/" and "云南小粒咖啡豆" in note.text


def test_rejecting_changes_nothing_and_tells_the_reviewer_why():
    w = make_world()
    made = appeal_review(w.ring[0], w.ring_reviews[0].pk, WHY)
    decide(w.operator, made.pk, False, "同一设备下的三个账号在一小时内写了相同的评价")
    assert all(fresh(r).moderation == Moderation.HELD for r in w.ring_reviews)
    assert rating(w.product) == (3, 1)
    made.refresh_from_db()
    assert made.status == AppealStatus.REJECTED
    assert CaseAction.objects.filter(case=w.case, kind=ActionKind.APPEAL_REJECTED).exists()
    [note] = trust_notes(w, w.ring[0])
    assert "同一设备下的三个账号" in note.text
    # and a rejected appeal can be followed by a new one
    appeal_review(w.ring[0], w.ring_reviews[0].pk, "more proof: the receipt")


def test_an_upheld_review_another_case_holds_stays_under_review_and_the_reviewer_is_told():
    w = make_world()
    other = open_case(w.store, [w.ring[0]], [w.ring_reviews[0]], [w.product])
    hold_reviews(other, None, "second ring")
    made = appeal_review(w.ring[0], w.ring_reviews[0].pk, WHY)
    with translation.override("en"):  # the operator reads English; the notice is the site's
        decided = decide(w.operator, made.pk, True, "this case was wrong")
    assert (decided.restored, decided.kept) == (0, 1)
    assert fresh(w.ring_reviews[0]).moderation == Moderation.HELD
    [note] = trust_notes(w, w.ring[0])
    assert "另一项核查仍暂扣这条评价" in note.text


def test_an_appeal_is_decided_once_by_an_operator_with_a_reason():
    w = make_world()
    made = appeal_review(w.ring[0], w.ring_reviews[0].pk, WHY)
    for who in (w.owner, w.ring[0], w.member, None):
        with pytest.raises(NotFound):
            decide(who, made.pk, True, "why")
    with pytest.raises(InvalidInput) as refused:
        decide(w.operator, made.pk, True, " ")
    assert refused.value.code == TrustCode.EMPTY_REASON
    with pytest.raises(InvalidInput):
        decide(w.operator, made.pk, "yes", "why")
    with pytest.raises(NotFound):
        decide(w.operator, "nope", True, "why")
    decide(w.operator, made.pk, False, "no")
    with pytest.raises(Conflict) as twice:
        decide(w.operator, made.pk, True, "changed my mind")
    assert twice.value.code == TrustCode.APPEAL_DECIDED


def test_the_reviewer_s_page_lists_their_held_reviews_with_the_appeal_s_outcome():
    w = make_world()
    rows = my_reviews(w.ring[0])
    assert [(r.review, r.under_review, r.can_appeal) for r in rows] == [
        (w.ring_reviews[0], True, True)
    ]
    made = appeal_review(w.ring[0], w.ring_reviews[0].pk, WHY)
    [row] = my_reviews(w.ring[0])
    assert (row.appeal, row.can_appeal) == (made, False)
    decide(w.operator, made.pk, True, "real")
    [row] = my_reviews(w.ring[0])
    assert (row.under_review, row.appeal.status) == (False, AppealStatus.UPHELD)
    assert my_reviews(w.honest) == []
    assert my_reviews(w.ring[1])[0].review == w.ring_reviews[1]


# --- A store's appeal ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_the_store_s_owner_or_staff_appeal_a_case_about_it(who):
    w = make_world()
    person = w.people[who]
    made = appeal_case(person, w.case.pk, w.store.pk, "这些都是我们的老客户")
    assert (made.by_role, made.store, made.author, made.review) == (
        AppealBy.STORE,
        w.store,
        person,
        None,
    )
    assert CaseAction.objects.filter(case=w.case, kind=ActionKind.APPEAL, actor=person).exists()


@pytest.mark.parametrize("who", ["other_owner", "reviewer", "member", "operator"])
def test_nobody_else_may_appeal_for_the_store(who):
    w = make_world()
    with pytest.raises(NotFound):
        appeal_case(w.people[who], w.case.pk, w.store.pk, "let me")
    assert not Appeal.objects.exists()


def test_another_store_cannot_appeal_a_case_that_is_not_about_it():
    w = make_world()
    with pytest.raises(NotFound):
        appeal_case(w.other_owner, w.case.pk, w.other_store.pk, "not ours")
    with pytest.raises(NotFound):
        appeal_case(w.owner, "A" * 16, w.store.pk, "unknown case")


def test_a_store_appeals_a_case_of_its_products_even_without_a_store_on_the_case():
    w = make_world()
    storeless = open_case(None, w.ring, [], [w.product])
    assert appeal_case(w.owner, storeless.pk, w.store.pk, "ours").store == w.store


def test_one_open_appeal_per_store_and_case_and_none_on_a_dismissed_case():
    w = make_world()
    appeal_case(w.owner, w.case.pk, w.store.pk, "first")
    with pytest.raises(Conflict) as refused:
        appeal_case(w.staff, w.case.pk, w.store.pk, "second")
    assert refused.value.code == TrustCode.ALREADY_APPEALED
    other = open_case(w.store, w.ring, [], [w.product])
    apply_action(w.operator, other.pk, "dismiss", "no ring")
    with pytest.raises(Conflict) as closed:
        appeal_case(w.owner, other.pk, w.store.pk, "too late")
    assert closed.value.code == TrustCode.NOT_APPEALABLE


def test_upholding_a_store_s_appeal_restores_the_case_s_held_reviews():
    w = make_world()
    made = appeal_case(w.owner, w.case.pk, w.store.pk, "这些都是我们的老客户")
    decided = decide(w.operator, made.pk, True, "核实为真实购买")
    assert decided.restored == 3
    assert all(fresh(r).moderation == Moderation.VISIBLE for r in w.ring_reviews)
    assert rating(w.product) == (18, 4)
    [note] = trust_notes(w, w.owner)
    assert note.url == f"/trust/console/{w.store.pk}/appeals/"
    assert trust_notes(w, w.staff) == []


def test_rejecting_a_store_s_appeal_changes_nothing():
    w = make_world()
    made = appeal_case(w.owner, w.case.pk, w.store.pk, "they are real")
    decide(w.operator, made.pk, False, "同一地址的账号批量下单")
    assert all(fresh(r).moderation == Moderation.HELD for r in w.ring_reviews)
    [note] = trust_notes(w, w.owner)
    assert "同一地址的账号批量下单" in note.text


def test_the_store_sees_the_cases_notified_to_it_and_its_appeals_only():
    w = make_world()
    # a case of another store, notified to that store
    other_product = ProductFactory(store=w.other_store)
    theirs = open_case(
        w.other_store,
        [UserFactory()],
        [review_of(UserFactory(), SkuFactory(product=other_product))],
        [other_product],
    )
    apply_action(w.operator, theirs.pk, "notify_store", "tell them")
    # nothing is shown before the store is told
    assert store_cases(w.owner, w.store.pk)[1] == []
    apply_action(w.operator, w.case.pk, "notify_store", "tell the store")
    made = appeal_case(w.staff, w.case.pk, w.store.pk, "real buyers")
    decide(w.operator, made.pk, False, "no")
    store, rows = store_cases(w.owner, w.store.pk)
    assert store == w.store
    assert [r.case for r in rows] == [w.case]
    [row] = rows
    assert (row.products, row.held, row.appeals, row.can_appeal) == (
        ["云南小粒咖啡豆"],
        3,
        [made],
        True,
    )
    assert row.notified_at is not None
    # and a store that is not theirs is not found
    for who in (w.other_owner, w.member, w.ring[0], w.operator):
        with pytest.raises(NotFound):
            store_cases(who, w.store.pk)
    assert [r.case for r in store_cases(w.other_owner, w.other_store.pk)[1]] == [theirs]


def test_a_store_owner_of_two_stores_sees_each_store_s_cases_apart():
    w = make_world()
    second = store_with_owner(w.owner)
    apply_action(w.operator, w.case.pk, "notify_store", "tell")
    assert store_cases(w.owner, second.pk)[1] == []


def test_the_combined_entry_point_takes_a_review_or_a_case_for_a_store():
    w = make_world()
    assert appeal(w.ring[0], WHY, review_id=w.ring_reviews[0].pk).by_role == AppealBy.REVIEWER
    assert appeal(w.owner, WHY, case_id=w.case.pk, store_id=w.store.pk).by_role == AppealBy.STORE
    for kwargs in ({}, {"case_id": w.case.pk}, {"review_id": "x", "case_id": w.case.pk}):
        with pytest.raises(InvalidInput):
            appeal(w.owner, WHY, **kwargs)
