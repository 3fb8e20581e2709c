"""`analyse`: rings found as blocks with their products, camouflage and genuine bursts handled,
no weak signal flagging on its own, the same answer every time."""

from __future__ import annotations

import random
from dataclasses import replace

from quanzi.trust.detect.analyse import analyse
from quanzi.trust.detect.records import Findings, Thresholds
from tests.trust.detect_world import DAY, NOW, World

FLAG = Thresholds().review_flag


def _flagged(findings: Findings) -> set[str]:
    return {k for k, s in findings.reviews.items() if s.score >= FLAG}


def _flagged_accounts(findings: Findings) -> set[str]:
    return {k for k, s in findings.accounts.items() if s.score >= Thresholds().account_flag}


def test_given_a_planted_ring_when_analysed_then_it_is_one_block_with_its_products() -> None:
    w = World(1)
    w.organic()
    ring = w.ring(k=12, m=4)

    findings = analyse(w.reviews, w.accounts)

    cases = [b for b in findings.blocks if b.score >= FLAG]
    assert len(cases) == 1
    block = cases[0]
    assert block.users == set(ring.users)
    assert block.products == set(ring.products)
    assert block.review_ids == set(ring.reviews)
    assert _flagged(findings) == set(ring.reviews)
    assert _flagged_accounts(findings) == set(ring.users)
    codes = {r.code for r in block.reasons}
    assert {"dense_block", "lockstep", "ring_duplicate_texts", "ring_order_traces"} <= codes


def test_given_a_camouflaged_ring_when_analysed_then_camouflage_neither_hides_nor_joins_it() -> (
    None
):
    w = World(2)
    w.organic()
    ring = w.ring(k=14, m=4, camouflage=0.5)  # half of each fake account's reviews: best sellers

    findings = analyse(w.reviews, w.accounts)

    block = next(b for b in findings.blocks if b.score >= FLAG)
    assert block.products == set(ring.products)
    assert block.review_ids == set(ring.reviews)
    assert not set(ring.camouflage) & _flagged(findings)
    assert set(ring.reviews) <= _flagged(findings)


def test_given_a_careful_ring_when_analysed_then_block_and_corroboration_still_flag_it() -> None:
    # Old accounts, own texts, own networks, full-price orders shipped normally: what is left is
    # the block itself, reviewing together, five stars on mediocre products, a shared address.
    w = World(3)
    w.organic()
    ring = w.ring(
        k=15,
        m=5,
        fresh=False,
        template=False,
        prefix=None,
        cheap=False,
        reused_tracking=False,
        fast=False,
        refunded=False,
        address="addr-pickup-point",
    )

    findings = analyse(w.reviews, w.accounts)

    assert set(ring.reviews) <= _flagged(findings)
    block = next(b for b in findings.blocks if b.score >= FLAG)
    assert {r.code for r in block.reasons} >= {"reviewed_together", "ring_shared_traces"}


def test_given_a_genuine_viral_burst_when_analysed_then_it_is_not_flagged() -> None:
    w = World(4)
    w.organic()
    burst = w.burst(n=80, promoter="circle-owner")

    findings = analyse(w.reviews, w.accounts)

    assert not set(burst.reviews) & _flagged(findings)
    assert not set(burst.users) & _flagged_accounts(findings)
    assert not any(set(burst.users) & b.users for b in findings.blocks if b.score >= FLAG)
    codes = {r.code for rid in burst.reviews for r in findings.reviews[rid].reasons}
    assert "burst_after_campaign" in codes  # seen, and weighed as little


def test_given_new_accounts_giving_five_stars_on_one_network_then_nobody_is_flagged() -> None:
    # Every weak signal at once, without a ring: new accounts, five stars, everyone on
    # 127.0.0.1 as in the tests of the site.
    w = World(5)
    w.organic(prefixes={"127.0.0"})
    for _ in range(40):
        user = w.account(NOW - 10 * DAY, prefixes={"127.0.0"})
        for product in random.Random(user).sample(w.products[:30], 3):
            w.review(user, product, NOW - 5 * DAY, 5)

    findings = analyse(w.reviews, w.accounts)

    assert _flagged(findings) == set()
    assert _flagged_accounts(findings) == set()


def test_given_a_ring_on_one_network_like_the_tests_then_it_is_found_without_the_network() -> None:
    w = World(6)
    w.organic(prefixes={"127.0.0"})
    ring = w.ring(k=10, m=3, prefixes={"127.0.0"})

    findings = analyse(w.reviews, w.accounts)

    assert _flagged(findings) == set(ring.reviews)
    codes = {r.code for b in findings.blocks for r in b.reasons}
    assert "ring_shared_traces" not in codes


def test_given_the_same_records_in_another_order_then_the_findings_are_the_same() -> None:
    w = World(7)
    w.organic()
    w.ring(k=10, m=3, camouflage=0.25)
    w.burst(n=40)
    shuffled = list(w.reviews)
    random.Random(9).shuffle(shuffled)

    first = analyse(w.reviews, w.accounts)
    second = analyse(shuffled, dict(reversed(list(w.accounts.items()))))

    assert first == second


def test_given_scores_then_they_are_within_bounds_with_reasons_strongest_first() -> None:
    w = World(8)
    w.organic()
    w.ring(k=10, m=3)

    findings = analyse(w.reviews, w.accounts)

    for scored in [*findings.reviews.values(), *findings.accounts.values()]:
        assert 0 <= scored.score <= 100
        points = [r.points for r in scored.reasons]
        assert points == sorted(points, reverse=True)
        assert scored.score == min(100, sum(points))
    assert set(findings.accounts) == set(w.accounts)
    assert set(findings.reviews) == {r.review_id for r in w.reviews}


def test_given_now_before_the_ring_then_the_ring_is_not_seen_yet() -> None:
    w = World(9)
    w.organic()
    ring = w.ring(k=10, m=3, start=NOW - 10 * DAY)

    before = analyse(w.reviews, w.accounts, now=NOW - 11 * DAY)
    after = analyse(w.reviews, w.accounts, now=NOW)

    assert not set(ring.reviews) & set(before.reviews)
    assert set(ring.reviews) <= _flagged(after)


def test_given_other_thresholds_then_the_findings_are_the_same_for_the_caller_to_apply() -> None:
    w = World(10)
    w.organic()
    w.ring(k=10, m=3)

    strict = analyse(w.reviews, w.accounts, Thresholds(review_flag=100, hold=100))
    lenient = analyse(w.reviews, w.accounts, Thresholds(review_flag=10, hold=20))

    assert strict == lenient
    assert all(b.score >= 30 for b in strict.blocks)


def test_given_accounts_as_a_list_then_they_are_read_like_a_mapping() -> None:
    w = World(12)
    w.organic(users=100)
    w.ring(k=8, m=3)

    assert analyse(w.reviews, list(w.accounts.values())) == analyse(w.reviews, w.accounts)


def test_given_a_ring_member_with_one_target_then_their_review_is_in_the_block() -> None:
    w = World(11)
    w.organic()
    ring = w.ring(k=12, m=4)
    # One fake account wrote only one of the four target reviews.
    lonely = ring.users[-1]
    dropped = [r for r in w.reviews if r.user == lonely][1:]
    w.reviews = [r for r in w.reviews if r not in dropped]
    kept = next(r for r in w.reviews if r.user == lonely)

    findings = analyse(w.reviews, w.accounts)

    assert kept.review_id in _flagged(findings)
    assert replace(kept).review_id in next(b for b in findings.blocks).review_ids
