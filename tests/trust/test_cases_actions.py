"""The operators' actions on a case (services): each one and its refusals, recorded with who and
why; restoring undoes only what the case did."""

from __future__ import annotations

import pytest

from quanzi.circles.models import Notification, NotificationKind
from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.reviews.models import Moderation
from quanzi.reviews.services import set_hidden
from quanzi.trust.errors import TrustCode
from quanzi.trust.models import (
    AccountMark,
    ActionKind,
    CaseAction,
    CaseReview,
    CaseStatus,
    MarkKind,
)
from quanzi.trust.services import cases
from quanzi.trust.services.cases import CaseActionName, apply_action, hold_reviews
from tests.factories import UserFactory
from tests.trust.case_helpers import fresh, make_world, open_case, rating, review_of

pytestmark = pytest.mark.django_db


def test_given_a_ring_when_the_operator_holds_it_then_its_reviews_leave_view_and_rating():
    # given a case the detector opened without holding anything
    w = make_world(held=False)
    assert rating(w.product) == (3 + 5 * 3, 4)
    # when an operator holds its reviews, saying why
    action = apply_action(w.operator, w.case.pk, "hold", "five-star burst from new accounts")
    # then the ring's reviews are held and the rating counts the genuine review only
    assert all(fresh(r).moderation == Moderation.HELD for r in w.ring_reviews)
    assert fresh(w.honest_review).moderation == Moderation.VISIBLE
    assert rating(w.product) == (3, 1)
    # and the action is recorded with who and why, and the case is actioned by them
    assert (action.kind, action.actor, action.reason) == (
        ActionKind.HOLD,
        w.operator,
        "five-star burst from new accounts",
    )
    assert action.detail == {"held": 3}
    w.case.refresh_from_db()
    assert (w.case.status, w.case.decided_by) == (CaseStatus.ACTIONED, w.operator)
    assert w.case.decided_at is not None


@pytest.mark.parametrize("reason", ["", "   ", "\n\t", None, 42])
def test_every_action_needs_a_reason_and_nothing_is_written_without_one(reason):
    w = make_world(held=False)
    before = CaseAction.objects.count()
    for name in CaseActionName:
        with pytest.raises(InvalidInput) as refused:
            apply_action(w.operator, w.case.pk, name.value, reason)
        assert refused.value.code == TrustCode.EMPTY_REASON
    assert CaseAction.objects.count() == before
    assert all(fresh(r).moderation == Moderation.VISIBLE for r in w.ring_reviews)
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.OPEN


def test_a_reason_over_500_characters_is_refused():
    w = make_world()
    with pytest.raises(InvalidInput):
        apply_action(w.operator, w.case.pk, "restore", "x" * 501)


@pytest.mark.parametrize("action", ["", "delete", "HOLD", "mark", None, 3])
def test_an_unknown_action_is_refused(action):
    w = make_world()
    with pytest.raises(InvalidInput) as refused:
        apply_action(w.operator, w.case.pk, action, "why")
    assert refused.value.code == TrustCode.UNKNOWN_ACTION


@pytest.mark.parametrize(
    "who", ["owner", "staff", "other_owner", "reviewer", "member", "anonymous"]
)
def test_only_operators_may_act_everyone_else_is_answered_not_found(who):
    w = make_world()
    for name in CaseActionName:
        with pytest.raises(NotFound):
            apply_action(w.people[who], w.case.pk, name.value, "why")
    assert not CaseAction.objects.filter(actor__isnull=False).exists()
    assert all(fresh(r).moderation == Moderation.HELD for r in w.ring_reviews)


def test_an_inactive_staff_account_is_no_operator():
    w = make_world()
    gone = UserFactory(is_staff=True, is_active=False)
    with pytest.raises(NotFound):
        apply_action(gone, w.case.pk, "restore", "why")


@pytest.mark.parametrize("case_id", ["", "nope", "A" * 16, "../../etc", "1" * 200])
def test_an_unknown_case_is_not_found(case_id):
    w = make_world()
    with pytest.raises(NotFound):
        apply_action(w.operator, case_id, "restore", "why")


def test_restore_shows_the_ring_s_reviews_again_and_counts_them():
    w = make_world()
    assert rating(w.product) == (3, 1)
    action = apply_action(w.operator, w.case.pk, "restore", "they are real buyers")
    assert all(fresh(r).moderation == Moderation.VISIBLE for r in w.ring_reviews)
    assert rating(w.product) == (18, 4)
    assert action.detail == {"restored": 3, "kept": 0}
    assert not CaseReview.objects.filter(case=w.case, held=True).exists()


def test_restore_never_undoes_an_operator_s_separate_hide():
    # given a held review that an operator then hid by moderation (abusive text, say)
    w = make_world()
    abusive = w.ring_reviews[0]
    set_hidden(abusive.pk, True)
    # when the case is restored
    action = apply_action(w.operator, w.case.pk, "restore", "real buyers")
    # then the hidden review stays hidden and out of the rating; the others are back
    assert fresh(abusive).moderation == Moderation.HIDDEN
    assert [fresh(r).moderation for r in w.ring_reviews[1:]] == [Moderation.VISIBLE] * 2
    assert rating(w.product) == (3 + 10, 3)
    assert action.detail == {"restored": 2, "kept": 0}


def test_restore_keeps_a_review_another_open_case_still_holds():
    # given one of the ring's reviews in a second open case that holds it too
    w = make_world()
    shared = w.ring_reviews[0]
    other = open_case(w.store, [w.ring[0]], [shared], [w.product])
    hold_reviews(other, None, "second ring")
    # when the first case is restored
    action = apply_action(w.operator, w.case.pk, "restore", "not this ring")
    # then the shared review stays held (the other case holds it), the rest are back
    assert fresh(shared).moderation == Moderation.HELD
    assert action.detail == {"restored": 2, "kept": 1}
    # and once the other case is dismissed it comes back
    apply_action(w.operator, other.pk, "dismiss", "no ring")
    assert fresh(shared).moderation == Moderation.VISIBLE
    assert rating(w.product) == (18, 4)


def test_restore_touches_no_review_outside_the_case():
    w = make_world()
    outsider = review_of(UserFactory(), w.sku, 1, "差评")
    set_hidden(outsider.pk, True)
    apply_action(w.operator, w.case.pk, "restore", "real")
    assert fresh(outsider).moderation == Moderation.HIDDEN


@pytest.mark.parametrize(
    ("action", "mark"),
    [("mark_suspected", MarkKind.SUSPECTED), ("mark_confirmed", MarkKind.CONFIRMED)],
)
def test_marking_puts_the_mark_on_every_member_with_the_case_who_and_why(action, mark):
    w = make_world()
    done = apply_action(w.operator, w.case.pk, action, "same device, same day")
    marks = AccountMark.objects.filter(case=w.case)
    assert {m.user_id for m in marks} == {u.pk for u in w.ring}
    assert {(m.mark, m.by_id, m.reason) for m in marks} == {
        (mark, w.operator.pk, "same device, same day")
    }
    assert done.detail == {"mark": mark, "accounts": 3}
    assert not AccountMark.objects.filter(user=w.honest).exists()


def test_clearing_clears_only_the_marks_this_case_set():
    # given two members marked by this case, one of whom another case then confirmed
    w = make_world()
    apply_action(w.operator, w.case.pk, "mark_suspected", "looks like a ring")
    other = open_case(w.store, [w.ring[0]], [], [w.product])
    apply_action(w.operator, other.pk, "mark_confirmed", "confirmed elsewhere")
    # when this case clears its marks
    done = apply_action(w.operator, w.case.pk, "clear_marks", "false alarm")
    # then the two it marked are cleared; the one the other case confirmed stays confirmed
    standing = {u.pk: AccountMark.objects.filter(user=u).first().mark for u in w.ring}
    assert standing == {
        w.ring[0].pk: MarkKind.CONFIRMED,
        w.ring[1].pk: MarkKind.CLEARED,
        w.ring[2].pk: MarkKind.CLEARED,
    }
    assert done.detail == {"accounts": 2}


def test_holding_tells_each_author_their_review_is_under_review_once():
    w = make_world(held=False)
    apply_action(w.operator, w.case.pk, "hold", "ring")
    notes = Notification.objects.filter(kind=NotificationKind.TRUST)
    assert sorted(n.user_id for n in notes) == sorted(u.pk for u in w.ring)
    note = notes.first()
    assert note.url == "/trust/my-reviews/" and "云南小粒咖啡豆" in note.text
    # holding again tells nobody again, and the genuine buyer is never told
    apply_action(w.operator, w.case.pk, "hold", "again")
    assert notes.count() == 3
    assert not Notification.objects.filter(user=w.honest).exists()


def test_notifying_tells_the_store_s_owner_and_staff_in_words_with_the_appeal_page():
    w = make_world()
    done = apply_action(w.operator, w.case.pk, "notify_store", "the store should know")
    notes = Notification.objects.filter(kind=NotificationKind.TRUST).exclude(pk__in=w.old_notes)
    assert {n.user_id for n in notes} == {w.owner.pk, w.staff.pk}
    note = notes.first()
    assert note.url == f"/trust/console/{w.store.pk}/appeals/"
    assert "云南小粒咖啡豆" in note.text and "3" in note.text
    assert w.case.pk not in note.text and "_" not in note.text
    assert done.detail == {"stores": [w.store.pk], "notified": 2}


def test_a_case_without_a_store_notifies_the_stores_of_its_products():
    w = make_world()
    storeless = open_case(None, w.ring, w.ring_reviews, [w.product])
    apply_action(w.operator, storeless.pk, "notify_store", "tell them")
    told = Notification.objects.filter(kind=NotificationKind.TRUST).exclude(pk__in=w.old_notes)
    assert set(told.values_list("user_id", flat=True)) == {w.owner.pk, w.staff.pk}


def test_a_case_that_concerns_no_store_cannot_notify_or_suspend():
    w = make_world()
    empty = open_case(None, w.ring, [], [])
    for action in ("notify_store", "suspend_commissions"):
        with pytest.raises(Conflict) as refused:
            apply_action(w.operator, empty.pk, action, "why")
        assert refused.value.code == TrustCode.NO_STORE


def test_dismissing_restores_what_the_case_held_and_closes_it():
    w = make_world()
    apply_action(w.operator, w.case.pk, "mark_suspected", "suspected")
    done = apply_action(w.operator, w.case.pk, "dismiss", "a genuine burst after a live show")
    assert all(fresh(r).moderation == Moderation.VISIBLE for r in w.ring_reviews)
    assert rating(w.product) == (18, 4)
    assert {AccountMark.objects.filter(user=u).first().mark for u in w.ring} == {MarkKind.CLEARED}
    w.case.refresh_from_db()
    assert (w.case.status, w.case.decided_by) == (CaseStatus.DISMISSED, w.operator)
    assert done.detail["restored"] == 3 and done.detail["cleared"] == 3


def test_a_dismissed_case_refuses_every_action_but_reopen():
    w = make_world()
    apply_action(w.operator, w.case.pk, "dismiss", "no ring")
    before = CaseAction.objects.count()
    for name in CaseActionName:
        if name == CaseActionName.REOPEN:
            continue
        with pytest.raises(Conflict) as refused:
            apply_action(w.operator, w.case.pk, name.value, "again")
        assert refused.value.code == TrustCode.CASE_CLOSED
    assert CaseAction.objects.count() == before
    # and the detector's hold holds nothing in it
    assert hold_reviews(w.case, None, "the detector saw it again") == 0
    assert all(fresh(r).moderation == Moderation.VISIBLE for r in w.ring_reviews)


def test_reopening_opens_a_dismissed_case_again_and_only_a_dismissed_one():
    w = make_world()
    with pytest.raises(Conflict) as refused:
        apply_action(w.operator, w.case.pk, "reopen", "why")
    assert refused.value.code == TrustCode.CASE_OPEN
    apply_action(w.operator, w.case.pk, "dismiss", "no ring")
    done = apply_action(w.operator, w.case.pk, "reopen", "more reviews came in")
    w.case.refresh_from_db()
    assert (w.case.status, w.case.decided_by, w.case.decided_at) == (CaseStatus.OPEN, None, None)
    assert done.kind == ActionKind.REOPEN
    # and it may be acted on again
    apply_action(w.operator, w.case.pk, "hold", "the ring is back")
    assert all(fresh(r).moderation == Moderation.HELD for r in w.ring_reviews)


def test_the_history_records_every_step_in_order_with_who_and_why():
    w = make_world()
    steps = [
        ("notify_store", "tell the store"),
        ("mark_suspected", "same IP prefix"),
        ("suspend_commissions", "promoter loop"),
        ("restore_commissions", "loop explained"),
        ("clear_marks", "explained"),
        ("restore", "real buyers"),
        ("hold", "new evidence"),
        ("dismiss", "closed"),
        ("reopen", "opened again"),
    ]
    for action, why in steps:
        apply_action(w.operator, w.case.pk, action, why)
    history = list(CaseAction.objects.filter(case=w.case).values_list("kind", "actor", "reason"))
    assert history[0] == (ActionKind.HOLD, None, "the detector held the ring")
    assert history[1:] == [
        (kind, w.operator.pk, why)
        for kind, why in zip(
            [
                ActionKind.NOTIFY,
                ActionKind.MARK,
                ActionKind.SUSPEND,
                ActionKind.UNSUSPEND,
                ActionKind.UNMARK,
                ActionKind.RESTORE,
                ActionKind.HOLD,
                ActionKind.DISMISS,
                ActionKind.REOPEN,
            ],
            [why for _, why in steps],
            strict=True,
        )
    ]


def test_the_functions_of_each_action_check_the_operator_too():
    w = make_world()
    for call in (
        lambda who: cases.hold(who, w.case.pk, "why"),
        lambda who: cases.restore_reviews(who, w.case.pk, "why"),
        lambda who: cases.mark_accounts(who, w.case.pk, MarkKind.SUSPECTED, "why"),
        lambda who: cases.clear_marks(who, w.case.pk, "why"),
        lambda who: cases.suspend_ring_commissions(who, w.case.pk, "why"),
        lambda who: cases.restore_ring_commissions(who, w.case.pk, "why"),
        lambda who: cases.notify_store(who, w.case.pk, "why"),
        lambda who: cases.dismiss(who, w.case.pk, "why"),
        lambda who: cases.reopen(who, w.case.pk, "why"),
    ):
        with pytest.raises(NotFound):
            call(w.owner)
    with pytest.raises(InvalidInput):
        cases.mark_accounts(w.operator, w.case.pk, MarkKind.CLEARED, "why")
