"""Each signal fires on a planted case and stays quiet on its control."""

from __future__ import annotations

from quanzi.trust.detect import signals, textsim
from quanzi.trust.detect.records import Reason
from quanzi.trust.detect.signals import Context
from tests.trust.detect_world import DAY, HOUR, NOW, TEMPLATE, World

OLD = NOW - 400 * DAY


def _codes(out: dict[str, list[Reason]], key: str) -> set[str]:
    return {r.code for r in out.get(key, [])}


def _ctx(world: World) -> Context:
    return Context(world.reviews, world.accounts)


def test_given_a_cheap_order_with_five_stars_then_it_fires_and_full_price_does_not() -> None:
    w = World()
    u = w.account(OLD)
    cheap = w.review(u, "p001", NOW - DAY, 5, price=10_000, paid=900)
    full = w.review(u, "p002", NOW - DAY, 5, price=10_000, paid=8_000)
    cheap_but_three = w.review(u, "p003", NOW - DAY, 3, price=10_000, paid=900)

    out = signals.review_cheap_five_stars(_ctx(w))

    assert out[cheap] == [Reason("cheap_order_five_stars", 15, {"percent": 9})]
    assert full not in out and cheap_but_three not in out


def test_given_one_tracking_number_for_two_buyers_then_it_fires_but_not_for_one_buyer() -> None:
    w = World()
    a, b, c = w.account(OLD), w.account(OLD), w.account(OLD)
    shared = [
        w.review(a, "p001", NOW, 5, tracking="YT1"),
        w.review(b, "p001", NOW, 5, tracking="YT1"),
    ]
    # One buyer's two items in one parcel share a number: nothing odd.
    own = [w.review(c, "p001", NOW, 5, tracking="YT2"), w.review(c, "p002", NOW, 5, tracking="YT2")]

    out = signals.review_tracking_reused(_ctx(w))

    assert all(_codes(out, r) == {"tracking_reused"} for r in shared)
    assert out[shared[0]][0].params == {"others": 1}
    assert not any(r in out for r in own)


def test_given_a_parcel_received_minutes_after_shipping_then_it_fires() -> None:
    w = World()
    u = w.account(OLD)
    fast = w.review(u, "p001", NOW, 5, transit=12 * 60)
    normal = w.review(u, "p002", NOW, 5, transit=2 * DAY)

    out = signals.review_fast_delivery(_ctx(w))

    assert out[fast][0].params == {"minutes": 12}
    assert normal not in out


def test_given_a_refund_after_five_stars_then_it_fires_but_not_after_one_star() -> None:
    w = World()
    u = w.account(OLD)
    good = w.review(u, "p001", NOW, 5, refunded=True)
    bad = w.review(u, "p002", NOW, 1, refunded=True)

    out = signals.review_refund_after(_ctx(w))

    assert _codes(out, good) == {"refund_after_review"}
    assert bad not in out


def test_given_a_new_account_then_its_review_says_so_and_an_old_ones_does_not() -> None:
    w = World()
    new, old = w.account(NOW - 5 * DAY), w.account(OLD)
    a = w.review(new, "p001", NOW - 2 * DAY, 5)
    b = w.review(old, "p001", NOW - 2 * DAY, 5)
    ctx = _ctx(w)

    out = signals.review_new_account(ctx)
    accounts = signals.account_new(ctx)

    assert out[a][0].params == {"days": 3}
    assert b not in out
    assert _codes(accounts, new) == {"new_account"} and old not in accounts
    # Weak alone: far below any flag.
    assert out[a][0].points + accounts[new][0].points < 20


def _steady(w: World, product: str, n: int = 20) -> None:
    for i in range(n):
        w.review(w.account(OLD), product, NOW - (200 - 9 * i) * DAY, 4)


def test_given_a_burst_of_new_accounts_then_it_fires_above_a_viral_burst() -> None:
    w = World()
    _steady(w, "p001")
    _steady(w, "p002")
    _steady(w, "p003")
    fresh = [
        w.review(w.account(NOW - 12 * DAY), "p001", NOW - 10 * DAY + i * HOUR, 5) for i in range(8)
    ]
    viral = [
        w.review(w.account(OLD), "p002", NOW - 10 * DAY + i * HOUR, 5, campaign="groupbuy")
        for i in range(8)
    ]
    plain = [w.review(w.account(OLD), "p003", NOW - 10 * DAY + i * HOUR, 5) for i in range(8)]

    out = signals.review_bursts(_ctx(w))

    assert out[fresh[0]][0] == Reason("burst_new_accounts", 12, {"count": 8, "hours": 7, "new": 8})
    assert _codes(out, viral[0]) == {"burst_after_campaign"}
    assert _codes(out, plain[0]) == {"review_burst"}
    assert out[viral[0]][0].points < 5 and out[plain[0]][0].points < 5
    steady = next(r.review_id for r in w.reviews if r.product == "p001")
    assert steady not in out


def test_given_five_stars_far_from_the_honest_mean_then_it_fires_once_suspects_are_left_out() -> (
    None
):
    w = World()
    for _ in range(5):
        w.review(w.account(OLD), "p001", NOW - 100 * DAY, 2)
    pushers = [w.account(NOW - 20 * DAY) for _ in range(10)]
    pushed = [w.review(u, "p001", NOW - DAY, 5) for u in pushers]
    ctx = _ctx(w)

    with_everyone = signals.review_rating_deviation(ctx)  # mean 4.0: 5 stars is not far
    without_suspects = signals.review_rating_deviation(ctx, set(pushers))  # mean 2.0

    assert pushed[0] not in with_everyone
    assert without_suspects[pushed[0]][0].params == {"stars": 5, "mean": 2.0, "others": 5}


def test_given_reviewers_of_one_product_sharing_a_network_then_it_fires_not_for_strangers() -> None:
    w = World()
    for _ in range(30):
        w.review(w.account(OLD), "p009", NOW, 4)  # a crowd on their own networks
    together = [w.account(OLD, prefixes={"203.0.113"}) for _ in range(3)]
    apart = [w.account(OLD, prefixes={"198.51.100"}) for _ in range(3)]
    for u in together:
        w.review(u, "p001", NOW, 5)
    for i, u in enumerate(apart):  # the same network, different products
        w.review(u, f"p10{i}", NOW, 5)

    out = signals.account_shared_traces(_ctx(w))

    assert out[together[0]] == [Reason("shared_network", 6, {"others": 2, "products": 1})]
    assert not any(u in out for u in apart)


def test_given_a_shared_device_or_address_then_two_reviewers_are_enough() -> None:
    w = World()
    a, b = w.account(OLD, devices={"dev-x"}), w.account(OLD, devices={"dev-x"})
    c, d = w.account(OLD, addresses={"addr-y"}), w.account(OLD, addresses={"addr-y"})
    for u in (a, b, c, d):
        w.review(u, "p001", NOW, 5)
    for _ in range(20):
        w.review(w.account(OLD), "p002", NOW, 4)

    out = signals.account_shared_traces(_ctx(w))

    assert _codes(out, a) == {"shared_device"} and _codes(out, c) == {"shared_address"}


def test_given_everyone_on_one_network_then_sharing_it_says_nothing() -> None:
    w = World()
    people = [w.account(OLD, prefixes={"127.0.0"}) for _ in range(12)]
    for u in people:
        w.review(u, "p001", NOW, 5)

    assert signals.account_shared_traces(_ctx(w)) == {}


def test_given_a_promoter_reviewing_their_store_then_it_fires_not_at_another_store() -> None:
    w = World()
    promoter = w.account(OLD, promoter_of={"s1"})
    own = w.review(promoter, "p001", NOW, 5, store="s1")
    other = w.review(promoter, "p002", NOW, 5, store="s2")

    out = signals.review_promoters(_ctx(w))

    assert _codes(out, own) == {"promoter_is_reviewer"}
    assert other not in out


def test_given_a_promoters_team_on_one_product_then_it_fires_from_three_members() -> None:
    w = World()
    team = [w.review(w.account(OLD), "p001", NOW, 5, promoter="boss") for _ in range(3)]
    pair = [w.review(w.account(OLD), "p002", NOW, 5, promoter="boss") for _ in range(2)]

    out = signals.review_promoters(_ctx(w))

    assert out[team[0]] == [Reason("promoter_team", 8, {"members": 3})]
    assert not any(r in out for r in pair)


def test_given_a_template_at_one_store_then_duplicates_fire_but_a_common_phrase_does_not() -> None:
    w = World()
    template = [
        w.review(w.account(OLD), f"p00{i % 2}", NOW, 5, prefix + TEMPLATE, store="s1")
        for i, prefix in enumerate(["", "亲们", "真的", "哈哈"])
    ]
    phrase = "质量很好，物流很快，五星好评，下次还来"
    common = [
        w.review(w.account(OLD), f"p1{i}", NOW, 5, phrase + "！" * (i % 2), store=f"s{i}")
        for i in range(6)
    ]
    ctx = _ctx(w)
    clusters = textsim.near_duplicates({r.review_id: r.text for r in w.reviews})

    out = signals.review_near_duplicates(ctx, clusters)

    assert out[template[0]] == [Reason("near_duplicate_text", 20, {"others": 3, "products": 2})]
    assert not any(r in out for r in common)
    assert sorted(common) in clusters  # a cluster, but spread over six stores


def _group(w: World, joined: list[float], times: list[float], products: int = 3) -> list[str]:
    users = [w.account(j) for j in joined]
    for u, t in zip(users, times, strict=True):
        for p in range(products):
            w.review(u, f"p{p:03d}", t + p * 600, 5)
    return users


def test_given_accounts_created_and_used_together_then_lockstep_fires() -> None:
    w = World()
    users = _group(
        w,
        [NOW - 30 * DAY + i * HOUR for i in range(6)],
        [NOW - 20 * DAY + i * HOUR for i in range(6)],
    )
    ctx = _ctx(w)

    out = signals.ring_lockstep(ctx, users, w.reviews)

    assert out == [  # five of the six (80 %) reviewed each product within 4 hours
        Reason("lockstep", 25, {"accounts": 6, "days": 1, "products": 3, "hours": 4})
    ]


def test_given_old_accounts_reviewing_together_then_only_reviewed_together_fires() -> None:
    w = World()
    users = _group(
        w,
        [NOW - (500 - 60 * i) * DAY for i in range(6)],
        [NOW - 20 * DAY + i * HOUR for i in range(6)],
    )

    out = signals.ring_lockstep(_ctx(w), users, w.reviews)

    assert [r.code for r in out] == ["reviewed_together"]
    assert out[0].params == {"accounts": 6, "products": 3, "hours": 4}


def test_given_accounts_at_their_own_pace_then_no_lockstep() -> None:
    w = World()
    users = _group(
        w,
        [NOW - (500 - 60 * i) * DAY for i in range(6)],
        [NOW - (300 - 40 * i) * DAY for i in range(6)],
    )

    assert signals.ring_lockstep(_ctx(w), users, w.reviews) == []


def test_given_a_group_sharing_traces_then_the_share_is_counted() -> None:
    w = World()
    for _ in range(20):
        w.review(w.account(OLD), "p009", NOW, 4)
    sharing = [w.account(OLD, prefixes={"203.0.113"}) for _ in range(4)]
    alone = [w.account(OLD) for _ in range(4)]
    for u in sharing + alone:
        w.review(u, "p001", NOW, 5)

    out = signals.ring_shared_traces(_ctx(w), sharing + alone)

    assert out == [Reason("ring_shared_traces", 10, {"shared": 4, "accounts": 8, "traces": 1})]
    assert signals.ring_shared_traces(_ctx(w), alone) == []


def test_given_a_group_bound_to_a_promoter_then_the_loop_is_named() -> None:
    w = World()
    boss = w.account(OLD, promoter_of={"s1"})
    team = [w.account(OLD) for _ in range(4)]
    reviews = [w.review(boss, "p001", NOW, 5, store="s1")]
    reviews += [w.review(u, "p001", NOW, 5, store="s1", promoter=boss) for u in team]
    by_id = {r.review_id: r for r in w.reviews}
    ctx = _ctx(w)

    inside = signals.ring_promoter(ctx, [boss, *team], [by_id[r] for r in reviews])
    outside = signals.ring_promoter(ctx, team, [by_id[r] for r in reviews[1:]])

    assert [r.code for r in inside] == ["ring_promoter_inside"]
    assert [r.code for r in outside] == ["ring_promoter_team"]


def test_given_a_group_bound_to_nobody_or_to_many_promoters_then_no_loop() -> None:
    w = World()
    users = [w.account(OLD) for _ in range(6)]
    ids = [w.review(u, "p001", NOW, 5, promoter=["", "a", "b"][i % 3]) for i, u in enumerate(users)]
    by_id = {r.review_id: r for r in w.reviews}

    assert signals.ring_promoter(_ctx(w), users, [by_id[r] for r in ids]) == []
