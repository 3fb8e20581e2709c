"""Reading: the overview's figures per circle and product, the wish page, and the functions
the customers domain calls for profiles and segments."""

from __future__ import annotations

from typing import Any

from django.test import Client

from quanzi.needs import selectors
from quanzi.needs.models import TextItem, Wish
from quanzi.needs.periods import parse_period
from tests.needs.conftest import Say, World, make_item


def test_the_overview_api_counts_wishes_and_mood(
    world: World, say: Say, analyse: Any, api: Any
) -> None:
    say(world.customer, world.circle, "希望有无糖款")
    say(world.customer2, world.circle, "想要无糖款")
    say(world.customer2, world.circle, "很好喝，很喜欢")
    analyse()
    body = api(world.owner).get(f"needs/{world.store.pk}/overview?period=7d").json()
    assert [(w["label"], w["count"], w["askers"]) for w in body["wishes"]] == [("无糖款", 2, 2)]
    assert body["sentiment"]["positive"] >= 1
    total = sum(body["sentiment"][k] for k in ("positive", "neutral", "negative"))
    assert total == 3
    assert len(body["days"]) == 7
    assert sum(d["positive"] + d["neutral"] + d["negative"] for d in body["days"]) == 3


def test_the_filters_narrow_to_a_circle_and_a_product(world: World, analyse: Any) -> None:
    second = world.circle.__class__.objects.create(
        name="第二个圈", store=world.store, owner=world.owner, invite_code="second-circle"
    )
    make_item(world.store, world.customer, "希望有无糖款", circle=world.circle)
    make_item(world.store, world.customer, "想要大杯", circle=second)
    make_item(world.store, world.customer2, "求冰美式", source="review", product=world.product)
    analyse()
    period = parse_period({"period": "7d"})
    in_first = selectors.wishes(world.store, period, selectors.Filters(circle_id=world.circle.pk))
    assert [w.label for w in in_first] == ["无糖款"]
    of_product = selectors.wishes(
        world.store, period, selectors.Filters(product_id=world.product.pk)
    )
    assert [w.label for w in of_product] == ["冰美式"]
    assert len(selectors.wishes(world.store, period)) == 3


def test_the_overview_page_shows_the_wishes(world: World, say: Say, analyse: Any) -> None:
    say(world.customer, world.circle, "希望有无糖款")
    analyse()
    client = Client()
    client.force_login(world.insights_staff)
    body = client.get(f"/needs/console/{world.store.pk}/?circle={world.circle.pk}").content.decode()
    assert body.count('data-testid="wish-row"') == 1
    assert "无糖款" in body
    assert 'id="sentiment-chart"' in body  # the chart's data, for the static script


def test_the_wish_trend_is_by_week(world: World, say: Say, analyse: Any) -> None:
    say(world.customer, world.circle, "希望有无糖款")
    analyse()
    wish = Wish.objects.get()
    weeks = selectors.wish_weeks(world.store, wish, parse_period({"period": "30d"}))
    assert sum(w.count for w in weeks) == 1
    assert all(w.week.weekday() == 0 for w in weeks)


def test_quotes_link_to_the_chat_message(world: World, say: Say, analyse: Any) -> None:
    message = say(world.customer, world.circle, "希望有无糖款")
    analyse()
    (quote,) = selectors.wish_quotes(world.store, Wish.objects.get())
    assert quote.link == f"/circles/{world.circle.pk}/chat/#m{message.seq}"
    assert quote.text[quote.start : quote.end] == "无糖款"


def test_the_member_functions_for_profiles_and_segments(world: World, analyse: Any) -> None:
    make_item(world.store, world.customer, "想送朋友当生日礼物，希望有礼盒装")
    make_item(world.store, world.customer2, "很喜欢，价格便宜")
    analyse()
    wish = Wish.objects.get(store=world.store)
    (mine,) = selectors.wishes_of_member(world.store, world.customer)
    assert (mine.wish_id, mine.count) == (wish.pk, 1)
    assert selectors.wishes_of_member(world.store, world.customer2) == []
    assert selectors.member_ids_with_wish(world.store, wish.pk) == {world.customer.pk}
    assert selectors.member_ids_with_wish(world.other_store, wish.pk) == set()
    assert selectors.member_ids_with_motive(world.store, "gift") == {world.customer.pk}
    assert selectors.member_ids_with_motive(world.store, "price") == {world.customer2.pk}
    assert selectors.member_ids_with_motive(world.store, "nonsense") == set()
    split = selectors.motives_of_members(world.store, [world.customer.pk])
    assert (split.deep, split.surface) == (1, 0)
    both = selectors.motives_of_members(world.store, [world.customer.pk, world.customer2.pk])
    assert (both.deep, both.surface, both.texts) == (1, 1, 2)
    (week,) = selectors.sentiment_trend_of_member(world.store, world.customer2)
    assert week.texts == 1 and week.average > 0
    assert TextItem.objects.filter(analysed_at=None).count() == 0
