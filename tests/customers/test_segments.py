"""Segment definitions: each condition, AND / OR / NOT, strict validation, opted-out members."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from quanzi.core.errors import InvalidInput, NotFound
from quanzi.customers.models import CustomerRfm, CustomerTag, Segment, Tag, TagKind
from quanzi.customers.services import segments
from quanzi.needs.models import ProfilingPreference, TextItem, Wish, WishMention
from tests.customers.conftest import Buy, Crm
from tests.factories import ProductFactory, UserFactory


def seg(crm: Crm, definition: dict[str, Any]) -> Segment:
    return Segment.objects.create(
        store=crm.store, name="s", definition=segments.validate(crm.store, definition)
    )


def members(crm: Crm, definition: dict[str, Any]) -> set[int]:
    return set(segments.members_of(seg(crm, definition)))


@pytest.fixture
def people(crm: Crm, buy: Buy, join: Any) -> dict[str, Any]:
    """a: coffee ¥59 + member; b: tea ¥20 ×2; c: member only; x: another store's buyer."""
    a, b, c, x = (UserFactory(nickname=n) for n in "abcx")
    buy(a, 5900)
    join(a)
    buy(b, 2000, sku=crm.tea_sku)
    buy(b, 2000, sku=crm.tea_sku)
    join(c)
    return {"a": a, "b": b, "c": c, "x": x}


def test_empty_and_is_every_customer_and_empty_or_nobody(crm: Crm, people: dict) -> None:
    a, b, c = people["a"].pk, people["b"].pk, people["c"].pk
    assert members(crm, {"kind": "and", "of": []}) == {a, b, c}
    assert members(crm, {"kind": "or", "of": []}) == set()


def test_each_purchase_and_circle_condition(crm: Crm, people: dict) -> None:
    a, b, c = people["a"].pk, people["b"].pk, people["c"].pk
    assert members(crm, {"kind": "product", "product": crm.coffee.pk}) == {a}
    assert members(crm, {"kind": "category", "category": crm.tea_cat.pk}) == {b}
    assert members(crm, {"kind": "circle", "circle": crm.circle.pk}) == {a, c}
    assert members(crm, {"kind": "spend", "min": 4000, "max": None}) == {a, b}
    assert members(crm, {"kind": "spend", "min": None, "max": 4500}) == {b}
    assert members(crm, {"kind": "spend", "min": 4001, "max": 5000}) == set()


def test_tag_rfm_wish_and_motive_conditions(crm: Crm, people: dict) -> None:
    a, b, c = people["a"], people["b"], people["c"]
    tag = Tag.objects.create(store=crm.store, name="老客", kind=TagKind.MANUAL)
    CustomerTag.objects.create(tag=tag, store=crm.store, user=b, source=TagKind.MANUAL)
    now = timezone.now()
    CustomerRfm.objects.create(
        store=crm.store,
        user=a,
        recency_days=1,
        frequency=1,
        monetary=5900,
        r=5,
        f=2,
        m=4,
        segment="important_develop",
        computed_at=now,
    )
    item = TextItem.objects.create(
        store=crm.store,
        source="chat",
        source_id="m1",
        author=c,
        text="想要无糖款,送朋友",
        written_at=now,
        motives=["gift"],
    )
    wish = Wish.objects.create(store=crm.store, label="无糖款")
    WishMention.objects.create(
        wish=wish, item=item, user=c, start=2, end=5, text="无糖款", written_at=now
    )
    assert members(crm, {"kind": "tag", "tag": tag.pk}) == {b.pk}
    assert members(crm, {"kind": "rfm_segment", "segment": "important_develop"}) == {a.pk}
    assert members(crm, {"kind": "rfm_score", "letter": "f", "min": 1, "max": 2}) == {a.pk}
    assert members(crm, {"kind": "rfm_score", "letter": "f", "min": 3, "max": 5}) == set()
    assert members(crm, {"kind": "wish", "wish": wish.pk}) == {c.pk}
    assert members(crm, {"kind": "motive", "motive": "gift"}) == {c.pk}
    assert members(crm, {"kind": "motive", "motive": "self_reward"}) == set()


def test_and_or_not_combine(crm: Crm, people: dict) -> None:
    a, b, c = people["a"].pk, people["b"].pk, people["c"].pk
    member = {"kind": "circle", "circle": crm.circle.pk}
    coffee = {"kind": "product", "product": crm.coffee.pk}
    tea = {"kind": "category", "category": crm.tea_cat.pk}
    assert members(crm, {"kind": "and", "of": [member, coffee]}) == {a}
    assert members(crm, {"kind": "or", "of": [coffee, tea]}) == {a, b}
    assert members(crm, {"kind": "not", "of": member}) == {b}
    # members who did not buy coffee, or tea buyers
    nested = {
        "kind": "or",
        "of": [{"kind": "and", "of": [member, {"kind": "not", "of": coffee}]}, tea],
    }
    assert members(crm, nested) == {b, c}


def test_opted_out_members_never_appear(crm: Crm, people: dict) -> None:
    ProfilingPreference.objects.create(user=people["a"], profiled=False)
    assert members(crm, {"kind": "and", "of": []}) == {people["b"].pk, people["c"].pk}
    assert members(crm, {"kind": "product", "product": crm.coffee.pk}) == set()
    assert segments.count_of(seg(crm, {"kind": "circle", "circle": crm.circle.pk})) == 1


def test_another_stores_customers_are_not_members(
    crm: Crm, people: dict, buy: Buy, other_store: Any
) -> None:
    buy(people["x"], 9900, store=other_store)
    assert people["x"].pk not in members(crm, {"kind": "and", "of": []})


@pytest.mark.parametrize(
    "definition",
    [
        [],
        "and",
        {"kind": "xor", "of": []},
        {"kind": "and"},
        {"kind": "and", "of": {}},
        {"kind": "and", "of": [], "extra": 1},
        {"kind": "rfm_segment", "segment": "vip"},
        {"kind": "rfm_score", "letter": "x", "min": 1, "max": 5},
        {"kind": "rfm_score", "letter": "r", "min": 0, "max": 5},
        {"kind": "rfm_score", "letter": "r", "min": 4, "max": 2},
        {"kind": "rfm_score", "letter": "r", "min": True, "max": 2},
        {"kind": "spend", "min": None, "max": None},
        {"kind": "spend", "min": "100", "max": None},
        {"kind": "spend", "min": -1, "max": None},
        {"kind": "spend", "min": 10.5, "max": None},
        {"kind": "motive", "motive": "greed"},
        {"kind": "tag", "tag": "abc\x00"},
    ],
)
def test_malformed_definitions_are_400(crm: Crm, definition: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        segments.validate(crm.store, definition)
    assert caught.value.code in ("bad_segment_definition", "nul_character")


def test_depth_and_size_limits(crm: Crm) -> None:
    node: dict[str, Any] = {"kind": "and", "of": []}
    for _ in range(segments.MAX_DEPTH - 1):
        node = {"kind": "not", "of": node}
    segments.validate(crm.store, node)  # exactly at the limit
    with pytest.raises(InvalidInput):
        segments.validate(crm.store, {"kind": "not", "of": node})
    wide = {"kind": "or", "of": [{"kind": "motive", "motive": "gift"}] * segments.MAX_NODES}
    with pytest.raises(InvalidInput):
        segments.validate(crm.store, wide)


@pytest.mark.parametrize("kind", ["tag", "circle", "product", "category", "wish"])
def test_forged_and_foreign_ids_are_404(
    crm: Crm, other_store: Any, kind: str, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0), pytest.raises(NotFound):
        segments.validate(crm.store, {"kind": kind, kind: "../../etc"})
    with pytest.raises(NotFound):
        segments.validate(crm.store, {"kind": kind, kind: "A" * 16})
    foreign = {
        "tag": lambda: Tag.objects.create(store=other_store, name="t", kind="manual").pk,
        "wish": lambda: Wish.objects.create(store=other_store, label="w").pk,
        "product": lambda: ProductFactory(store=other_store).pk,
    }
    if kind in foreign:
        with pytest.raises(NotFound):
            segments.validate(crm.store, {"kind": kind, kind: foreign[kind]()})


def test_a_deleted_object_matches_nobody(crm: Crm, people: dict) -> None:
    tag = Tag.objects.create(store=crm.store, name="临时", kind=TagKind.MANUAL)
    CustomerTag.objects.create(tag=tag, store=crm.store, user=people["a"], source="manual")
    segment = seg(crm, {"kind": "tag", "tag": tag.pk})
    tag.delete()
    assert segments.members_of(segment) == []
