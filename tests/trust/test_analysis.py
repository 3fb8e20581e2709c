"""The analysis: records → detectors → scores and cases. The detectors are replaced by a
stand-in (`detector` in conftest) that says which accounts form a ring and how much it scores;
everything else — the records, the scores, the cases, holding reviews — is the real thing."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks import default_task_backend

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.reviews.models import Moderation, Review
from quanzi.reviews.services import set_held
from quanzi.tracking.services import after_rollup
from quanzi.trust.detect.records import Thresholds
from quanzi.trust.models import (
    AccountScore,
    ActionKind,
    Case,
    CaseAction,
    CaseMember,
    CaseProduct,
    CaseReview,
    CaseStatus,
    ReviewScore,
)
from quanzi.trust.services import settings as trust_settings
from quanzi.trust.services.analysis import run_analysis
from tests.factories import UserFactory
from tests.trust.conftest import Buy, Shop, StandIn

pytestmark = pytest.mark.django_db


def ring_of(shop: Shop, buy: Buy, size: int = 3) -> tuple[list[User], list[Review]]:
    """`size` accounts, each five-starring the shop's three products."""
    people = [UserFactory() for _ in range(size)]
    reviews = [buy(p, sku, 5, "质量很好，五星好评！") for p in people for sku in shop.skus]
    return people, reviews


def members(case: Case) -> set[int]:
    return set(CaseMember.objects.filter(case=case).values_list("user_id", flat=True))


def actions(case: Case) -> list[str]:
    return list(CaseAction.objects.filter(case=case).values_list("kind", flat=True))


def test_scores_are_written_with_their_reasons_and_only_when_they_change(
    shop: Shop, buy: Buy, detector: StandIn
) -> None:
    # given a ring of two and an organic buyer
    ring, ring_reviews = ring_of(shop, buy, 2)
    honest = UserFactory()
    organic = buy(honest, shop.skus[0], 4, "还不错，就是有点贵")
    detector.ring, detector.score = {u.pk for u in ring}, 70
    # when the analysis runs
    run = run_analysis()
    # then every review and account has its score and reasons
    assert (run.reviews, run.accounts, run.review_scores, run.account_scores) == (7, 3, 7, 3)
    for review in ring_reviews:
        score = ReviewScore.objects.get(review=review)
        assert score.score == 70
        assert score.reasons == [{"code": "dense_block", "points": 70, "params": {"accounts": 2}}]
    assert ReviewScore.objects.get(review=organic).score == 5
    assert ReviewScore.objects.get(review=organic).reasons == []
    assert AccountScore.objects.get(user=ring[0]).score == 70
    assert AccountScore.objects.get(user=honest).score == 0
    # when it runs again with the same findings, then nothing is written
    again = run_analysis()
    assert (again.review_scores, again.account_scores) == (0, 0)
    # when the ring's score changes, then only the ring's rows are written
    detector.score = 75
    changed = run_analysis()
    assert (changed.review_scores, changed.account_scores) == (6, 2)
    assert ReviewScore.objects.get(review=ring_reviews[0]).score == 75
    assert ReviewScore.objects.get(review=organic).score == 5


def test_a_ring_opens_one_case_with_its_members_products_and_reviews(
    shop: Shop, buy: Buy, detector: StandIn
) -> None:
    # given a ring of three on the shop's three products, one of them also on another store's
    ring, reviews = ring_of(shop, buy, 3)
    reviews.append(buy(ring[0], shop.other_sku, 5, "好"))
    detector.ring, detector.score = {u.pk for u in ring}, 70  # flagged, not held
    # when the analysis runs
    run = run_analysis()
    # then one case is open, in the store of most of its products
    case = Case.objects.get()
    assert (run.rings, run.flagged, run.opened, run.held) == (1, 1, 1, 0)
    assert case.status == CaseStatus.OPEN and case.store == shop.store
    assert (case.score, case.density) == (70, 2.5)
    assert case.reasons == [{"code": "dense_block", "points": 70, "params": {"accounts": 3}}]
    # with its members, products and reviews
    assert members(case) == {u.pk for u in ring}
    products = set(CaseProduct.objects.filter(case=case).values_list("product_id", flat=True))
    assert products == {p.pk for p in shop.products} | {shop.other_sku.product_id}
    in_case = set(CaseReview.objects.filter(case=case).values_list("review_id", flat=True))
    assert in_case == {r.pk for r in reviews}
    # and the detector's opening, in words
    opened = CaseAction.objects.get(case=case)
    assert opened.kind == ActionKind.OPENED and opened.actor is None
    assert opened.detail["members"] == 3 and opened.detail["products"] == 4
    assert opened.reason
    # and below the hold score the reviews stay visible
    assert not Review.objects.exclude(moderation=Moderation.VISIBLE).exists()


def test_below_the_flag_score_no_case_is_opened(shop: Shop, buy: Buy, detector: StandIn) -> None:
    ring, _ = ring_of(shop, buy, 2)
    detector.ring, detector.score = {u.pk for u in ring}, 59
    run = run_analysis()
    assert (run.rings, run.flagged, run.opened) == (1, 0, 0)
    assert not Case.objects.exists()


def test_a_ring_at_the_hold_score_leaves_the_rating_and_the_public_list(
    shop: Shop, buy: Buy, detector: StandIn, api: Any
) -> None:
    # given an honest three-star review and a ring's five stars on the same product
    product = shop.products[0]
    honest = buy(UserFactory(), shop.skus[0], 3, "一般般，味道淡了点")
    ring, ring_reviews = ring_of(shop, buy, 3)
    product.refresh_from_db()
    assert product.rating_count == 4
    detector.ring, detector.score = {u.pk for u in ring}, 80  # the default hold score
    # when the analysis runs
    run = run_analysis()
    # then the ring's reviews are held, out of the rating
    assert run.held == 9
    assert set(Review.objects.filter(moderation=Moderation.HELD).values_list("pk", flat=True)) == {
        r.pk for r in ring_reviews
    }
    product.refresh_from_db()
    assert (product.rating_count, product.rating) == (1, 3.0)
    assert Product.objects.get(pk=shop.products[1].pk).rating_count == 0
    # and out of the public list of reviews
    page = api().get(f"reviews/products/{product.pk}").json()
    assert (page["rating"], page["rating_count"]) == (3.0, 1)
    assert [item["id"] for item in page["items"]] == [honest.pk]
    # and the case says who held them (the detector) and why
    case = Case.objects.get()
    assert case.status == CaseStatus.OPEN  # held pending the operator's decision
    assert not CaseReview.objects.filter(case=case, held=False).exists()
    hold = CaseAction.objects.get(case=case, kind=ActionKind.HOLD)
    assert hold.actor is None and hold.reason


def test_a_rerun_updates_the_same_case(shop: Shop, buy: Buy, detector: StandIn) -> None:
    # given a ring's case
    ring, _ = ring_of(shop, buy, 3)
    detector.ring, detector.score = {u.pk for u in ring}, 70
    run_analysis()
    case = Case.objects.get()
    # when the analysis runs again with nothing new, then the case has no new action
    assert run_analysis().updated == 0
    assert actions(case) == [ActionKind.OPENED]
    # when a fourth account joins the ring (its members and products no longer the same)
    fourth = UserFactory()
    new = buy(fourth, shop.skus[1], 5, "质量很好，五星好评！")
    detector.ring.add(fourth.pk)
    run = run_analysis()
    # then the same case grows, and says so
    assert run.updated == 1 and run.opened == 0
    assert Case.objects.get() == case
    assert members(case) == {u.pk for u in [*ring, fourth]}
    assert CaseReview.objects.filter(case=case, review=new).exists()
    update = CaseAction.objects.filter(case=case).last()
    assert update is not None and update.kind == ActionKind.UPDATED and update.actor is None
    assert (update.detail["members_added"], update.detail["reviews_added"]) == (1, 1)


def test_a_ring_continues_the_case_that_shares_most_of_its_members(
    shop: Shop, buy: Buy, detector: StandIn
) -> None:
    # given a ring's case, then two of its three accounts and a new one push a product again
    ring, _ = ring_of(shop, buy, 3)
    detector.ring, detector.score = {u.pk for u in ring}, 70
    run_analysis()
    case = Case.objects.get()
    newcomer = UserFactory()
    buy(newcomer, shop.skus[2], 5, "好评")
    detector.ring = {ring[0].pk, ring[1].pk, newcomer.pk}
    # when the analysis runs, then the same case continues (no second case)
    run_analysis()
    assert Case.objects.get() == case
    # and members are only added: the one the detector no longer names stays
    assert members(case) == {u.pk for u in [*ring, newcomer]}


def test_a_dismissed_case_is_not_reopened_by_the_same_ring_unless_it_grew(
    shop: Shop, buy: Buy, detector: StandIn
) -> None:
    # given a ring's case an operator dismissed (the dismissal is the case services' part)
    ring, _ = ring_of(shop, buy, 3)
    detector.ring, detector.score = {u.pk for u in ring}, 90
    run_analysis()
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.DISMISSED)
    before = actions(case)
    # when the same ring is seen again (even with a new review of the same products)
    buy(ring[0], shop.skus[0], 5, "回购了")
    run = run_analysis()
    # then nothing changes: no new case, no reopening, no action
    assert (run.opened, run.reopened, run.updated) == (0, 0, 0)
    assert Case.objects.get().status == CaseStatus.DISMISSED
    assert actions(case) == before
    # when the ring grows by an account
    fourth = UserFactory()
    buy(fourth, shop.skus[0], 5, "质量很好，五星好评！")
    detector.ring.add(fourth.pk)
    run = run_analysis()
    # then the dismissed case is reopened with its new member, and says why
    case.refresh_from_db()
    assert run.reopened == 1 and Case.objects.count() == 1
    assert case.status == CaseStatus.OPEN
    assert fourth.pk in members(case)
    assert actions(case)[-2:] == [ActionKind.REOPEN, ActionKind.HOLD]


def test_the_thresholds_come_from_the_operators_settings(
    shop: Shop, buy: Buy, detector: StandIn
) -> None:
    # given a ring scoring 90 and an operator who flags from 95 and holds from 99
    ring, _ = ring_of(shop, buy, 2)
    detector.ring, detector.score = {u.pk for u in ring}, 90
    operator = UserFactory(is_staff=True)
    change = trust_settings.TrustSettingsChange
    trust_settings.update(operator, change(review_flag=95, hold=99, account_flag=70))
    # when the analysis runs, then the detectors were told, and no case is opened
    run_analysis()
    assert detector.calls[-1][2] == Thresholds(review_flag=95, account_flag=70, hold=99)
    assert not Case.objects.exists()
    # when the operator flags from 85 and holds from 95, then the case opens, not held
    trust_settings.update(operator, change(review_flag=85, hold=95))
    run_analysis()
    case = Case.objects.get()
    assert not CaseReview.objects.filter(case=case, held=True).exists()
    # and from a hold score of 90 its reviews are held
    trust_settings.update(operator, change(hold=90))
    assert run_analysis().held == 6
    assert not CaseReview.objects.filter(case=case, held=False).exists()


def test_new_reviews_of_an_actioned_rings_members_join_its_case_and_are_held(
    shop: Shop, buy: Buy, detector: StandIn
) -> None:
    # given a held ring's case that an operator acted on (status set here: the actions are the
    # case services' part), and a detector that no longer sees the ring
    ring, _ = ring_of(shop, buy, 3)
    detector.ring, detector.score = {u.pk for u in ring}, 90
    run_analysis()
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ACTIONED)
    detector.ring = set()
    # when a member reviews one of its products again, a stranger that product, the member
    # another store's product
    again = buy(ring[1], shop.skus[2], 5, "再次五星")
    stranger = buy(UserFactory(), shop.skus[2], 4, "不错")
    elsewhere = buy(ring[1], shop.other_sku, 5, "别家的")
    run = run_analysis()
    # then the member's review of the case's product joins the case and is held, alone
    assert run.held == 1
    in_case = set(CaseReview.objects.filter(case=case).values_list("review_id", flat=True))
    assert again.pk in in_case and stranger.pk not in in_case and elsewhere.pk not in in_case
    assert Review.objects.get(pk=again.pk).moderation == Moderation.HELD
    assert Review.objects.get(pk=stranger.pk).moderation == Moderation.VISIBLE
    assert Review.objects.get(pk=elsewhere.pk).moderation == Moderation.VISIBLE
    assert actions(case)[-2:] == [ActionKind.UPDATED, ActionKind.HOLD]


def test_new_reviews_join_an_actioned_case_whose_reviews_are_not_held_visible(
    shop: Shop, buy: Buy, detector: StandIn
) -> None:
    # given an actioned case whose reviews were never held (flagged, below the hold score)
    ring, _ = ring_of(shop, buy, 2)
    detector.ring, detector.score = {u.pk for u in ring}, 70
    run_analysis()
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ACTIONED)
    detector.ring = set()
    # when a member reviews one of its products again
    again = buy(ring[0], shop.skus[0], 5, "再次五星")
    run = run_analysis()
    # then the review joins the case, and like the others it stays visible
    assert run.held == 0
    assert CaseReview.objects.filter(case=case, review=again, held=False).exists()
    assert not Review.objects.exclude(moderation=Moderation.VISIBLE).exists()


def test_reviews_an_operator_restored_are_not_held_again(
    shop: Shop, buy: Buy, detector: StandIn
) -> None:
    # given a held ring whose reviews an operator restored (written here as the case services'
    # restore would: the reviews visible, the case's rows not held, a RESTORE action)
    ring, reviews = ring_of(shop, buy, 2)
    detector.ring, detector.score = {u.pk for u in ring}, 90
    run_analysis()
    case = Case.objects.get()
    operator = UserFactory(is_staff=True)
    for review in reviews:
        set_held(review.pk, False)
    CaseReview.objects.filter(case=case).update(held=False)
    CaseAction.objects.create(case=case, kind=ActionKind.RESTORE, actor=operator, reason="真实")
    # when the analysis runs again with the same score
    run = run_analysis()
    # then the reviews stay visible
    assert run.held == 0
    assert not Review.objects.exclude(moderation=Moderation.VISIBLE).exists()
    assert actions(case).count(ActionKind.HOLD) == 1


def queued() -> list[Any]:
    return [r for r in default_task_backend.results if r.task.name == "analyse_trust"]


def test_a_review_queues_the_analysis_once_for_a_burst(shop: Shop, buy: Buy, settings: Any) -> None:
    # given the test settings' task backend, which runs nothing (DummyBackend: we look at the
    # queue) and the production debounce
    default_task_backend.results.clear()  # type: ignore[attr-defined]
    settings.TRUST_QUEUE_SECONDS = 30
    # when a purchase is paid and reviewed, then another
    buy(UserFactory(), shop.skus[0])
    buy(UserFactory(), shop.skus[1])
    # then one analysis was queued, to run after the debounce
    assert len(queued()) == 1
    assert queued()[0].task.run_after is not None


def test_each_change_queues_the_analysis_without_the_debounce(
    shop: Shop, buy: Buy, settings: Any
) -> None:
    default_task_backend.results.clear()  # type: ignore[attr-defined]
    settings.TRUST_QUEUE_SECONDS = 0
    buy(UserFactory(), shop.skus[0])
    assert len(queued()) == 2  # the order paid, the review written


def test_the_step_after_the_rollup_analyses_what_waits_for_a_score(
    shop: Shop, buy: Buy, detector: StandIn
) -> None:
    # given a review with no score yet (its task lost)
    review = buy(UserFactory(), shop.skus[0])
    assert not ReviewScore.objects.exists()
    # when the rollup's steps run
    after_rollup()
    # then the analysis ran
    assert ReviewScore.objects.filter(review=review).exists()
    # and right after, it does not run again
    calls = len(detector.calls)
    after_rollup()
    assert len(detector.calls) == calls


def test_the_command_runs_the_analysis_and_prints_what_it_did(
    shop: Shop, buy: Buy, detector: StandIn
) -> None:
    ring, _ = ring_of(shop, buy, 2)
    detector.ring, detector.score = {u.pk for u in ring}, 70
    out = StringIO()
    call_command("trust_analyse", stdout=out)
    text = out.getvalue()
    assert "6" in text and Case.objects.count() == 1
    assert len(text.strip().splitlines()) == 4


def test_the_admin_shows_a_case_with_its_ring_read_only(
    shop: Shop, buy: Buy, detector: StandIn, client: Any
) -> None:
    # given a ring's case and an operator in the admin
    ring, _ = ring_of(shop, buy, 2)
    detector.ring, detector.score = {u.pk for u in ring}, 90
    run_analysis()
    case = Case.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    # when they open the case, then it shows its members, reviews and actions, to read only
    page = client.get(f"/admin/trust/case/{case.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert ring[0].username in html and ring[1].username in html
    assert 'name="_save"' not in html
    score = ReviewScore.objects.first()
    assert score is not None
    assert client.get(f"/admin/trust/reviewscore/{score.pk}/change/").status_code == 200
