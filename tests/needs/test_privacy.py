"""Privacy: members who chose not to be profiled are never named and have no per-member data;
members who left the anonymous totals count nowhere. The store circle says what the store
sees, and the member's page changes the choice."""

from __future__ import annotations

from typing import Any

from django.test import Client

from quanzi.needs import selectors
from quanzi.needs.models import ProfilingPreference, Wish
from quanzi.needs.periods import parse_period
from quanzi.needs.services.preferences import set_preference
from tests.factories import PASSWORD
from tests.needs.conftest import Say, World


def page(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.login(username=user.username, password=PASSWORD)
    return client


def asked(world: World, say: Say, analyse: Any) -> Wish:
    say(world.customer, world.circle, "希望有无糖款")
    say(world.customer2, world.circle, "希望有无糖款，真的很喜欢")
    analyse()
    return Wish.objects.get(store=world.store)


def test_a_member_not_profiled_counts_anonymously_but_is_never_named(
    world: World, say: Say, analyse: Any
) -> None:
    wish = asked(world, say, analyse)
    # when: the second customer opts out of profiling only
    set_preference(world.customer2, profiled=False, in_aggregates=True)
    wish.refresh_from_db()
    # then: the counts keep them, the names and the per-member data do not
    assert wish.mention_count == 2
    askers = [a.user_id for a in selectors.wish_askers(world.store, wish)]
    assert askers == [world.customer.pk]
    quotes = selectors.wish_quotes(world.store, wish, names=True)
    assert {q.author for q in quotes} == {None, world.customer.nickname}
    assert selectors.wishes_of_member(world.store, world.customer2) == []
    assert selectors.sentiment_trend_of_member(world.store, world.customer2) == []
    assert selectors.member_ids_with_wish(world.store, wish.pk) == {world.customer.pk}
    assert not selectors.is_profiled(world.customer2)
    assert selectors.is_profiled(world.customer)


def test_a_member_out_of_the_totals_counts_nowhere(world: World, say: Say, analyse: Any) -> None:
    wish = asked(world, say, analyse)
    set_preference(world.customer2, profiled=True, in_aggregates=False)
    wish.refresh_from_db()
    assert (wish.mention_count, wish.asker_count) == (1, 1)
    period = parse_period({"period": "7d"})
    assert selectors.sentiment(world.store, period).total == 1
    assert [r.count for r in selectors.wishes(world.store, period)] == [1]
    assert len(selectors.wish_quotes(world.store, wish, names=True)) == 1
    # leaving the totals leaves the profiles too
    assert ProfilingPreference.objects.get(user=world.customer2).profiled is False
    assert selectors.member_ids_with_wish(world.store, wish.pk) == {world.customer.pk}


def test_opting_back_in_counts_again(world: World, say: Say, analyse: Any) -> None:
    wish = asked(world, say, analyse)
    set_preference(world.customer2, profiled=False, in_aggregates=False)
    set_preference(world.customer2, profiled=True, in_aggregates=True)
    wish.refresh_from_db()
    assert wish.mention_count == 2


def test_the_privacy_page_saves_both_choices(world: World) -> None:
    client = page(world.customer)
    assert client.get("/needs/privacy/").status_code == 200
    answer = client.post("/needs/privacy/", {"profiled": "on"})
    assert answer.status_code == 302
    pref = ProfilingPreference.objects.get(user=world.customer)
    assert (pref.profiled, pref.in_aggregates) == (False, False)  # no totals: no profile
    client.post("/needs/privacy/", {"profiled": "on", "in_aggregates": "on"})
    pref.refresh_from_db()
    assert (pref.profiled, pref.in_aggregates) == (True, True)


def test_the_privacy_page_asks_to_sign_in(db: None) -> None:
    answer = page().get("/needs/privacy/")
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_a_store_circle_says_the_store_sees_aggregates(world: World) -> None:
    client = page(world.customer)
    store_page = client.get(f"/circles/{world.circle.pk}/").content.decode()
    interest_page = client.get(f"/circles/{world.interest.pk}/").content.decode()
    assert 'data-testid="store-insights-notice"' in store_page
    assert "/needs/privacy/" in store_page
    assert 'data-testid="store-insights-notice"' not in interest_page


def test_the_profile_page_links_to_the_choices(world: World) -> None:
    assert "/needs/privacy/" in page(world.customer).get("/accounts/profile/").content.decode()
