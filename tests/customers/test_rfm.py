"""RFM: the quintiles of a known population, ties, merchant-set breaks and the segments."""

from __future__ import annotations

import pytest

from quanzi.core.errors import InvalidInput
from quanzi.customers.models import CustomerRfm
from quanzi.customers.services import rfm
from quanzi.needs.models import ProfilingPreference
from tests.customers.conftest import Buy, Crm
from tests.factories import UserFactory


def test_quintiles_of_25_known_customers(crm: Crm, buy: Buy) -> None:
    # given customer i (1..25): last order i days ago, ceil(i/5) orders (ties in fives),
    # spend 100·i fen, except the two biggest who tie at 2 400
    people = []
    for i in range(1, 26):
        person = UserFactory()
        people.append(person)
        orders = (i + 4) // 5
        spend = 2400 if i == 25 else 100 * i
        buy(person, spend, days_ago=i + 0.5)
        for k in range(orders - 1):
            buy(person, 0, days_ago=i + 1.5 + k)
    # when
    assert rfm.compute(crm.store) == 25
    # then
    rows = {row.user_id: row for row in CustomerRfm.objects.filter(store=crm.store)}
    for i, person in enumerate(people, start=1):
        row = rows[person.pk]
        assert row.recency_days == i
        assert row.r == 5 - (i - 1) // 5, i  # 1–5 days: 5 … 21–25 days: 1
        assert row.f == (i + 4) // 5, i  # ties share a score: 5 people with 1 order score 1
        assert row.m == 1 + (i - 1) // 5 or (i == 25 and row.m == 5), i
    assert rows[people[23].pk].m == rows[people[24].pk].m == 5  # the tie at 2 400
    assert rows[people[0].pk].segment == "general_develop"  # R5 F1 M1: recent, small, once
    assert rows[people[24].pk].segment == "important_keep"  # R1 F5 M5: big, gone quiet


def test_segments_follow_high_and_low_scores() -> None:
    assert rfm.segment_of(3, 3, 3) == "important_value"
    assert rfm.segment_of(5, 2, 4) == "important_develop"
    assert rfm.segment_of(2, 4, 5) == "important_keep"
    assert rfm.segment_of(1, 1, 3) == "important_winback"
    assert rfm.segment_of(4, 4, 2) == "general_value"
    assert rfm.segment_of(3, 1, 1) == "general_develop"
    assert rfm.segment_of(2, 3, 2) == "general_keep"
    assert rfm.segment_of(2, 2, 2) == "general_winback"


def test_ties_are_never_split() -> None:
    # ten values, five of them equal: they all take the score of the middle of their tie
    values = [1, 2, 7, 7, 7, 7, 7, 8, 9, 10]
    assert rfm.quintile_scores(values) == [1, 1, 3, 3, 3, 3, 3, 4, 5, 5]
    # everyone alike (one customer, or all bought today) is the middle, not the bottom
    assert rfm.quintile_scores([4, 4, 4]) == [3, 3, 3]
    assert rfm.quintile_scores([3, 3, 3], lower_is_better=True) == [3, 3, 3]
    assert rfm.quintile_scores([5]) == [3]
    assert rfm.quintile_scores([]) == []
    assert rfm.quintile_scores([10, 1], lower_is_better=True) == [2, 4]


def test_merchant_breaks_replace_quintiles(crm: Crm, buy: Buy) -> None:
    a, b = UserFactory(), UserFactory()
    buy(a, 50000, days_ago=3.5)
    buy(b, 900, days_ago=100.5)
    rfm.change_settings(
        crm.store,
        window_days=180,
        recency_breaks=[7, 30, 60, 90],
        frequency_breaks=[2, 3, 5, 10],
        monetary_breaks=[1000, 5000, 20000, 50000],
    )
    row_a = CustomerRfm.objects.get(user=a)
    row_b = CustomerRfm.objects.get(user=b)
    assert (row_a.r, row_a.f, row_a.m) == (5, 1, 5)
    assert (row_b.r, row_b.f, row_b.m) == (1, 1, 1)
    assert rfm.break_score(7, [7, 30, 60, 90], lower_is_better=True) == 5
    assert rfm.break_score(8, [7, 30, 60, 90], lower_is_better=True) == 4
    assert rfm.break_score(1000, [1000, 5000, 20000, 50000]) == 2


def test_the_window_and_opted_out_members(crm: Crm, buy: Buy) -> None:
    inside, outside, private = UserFactory(), UserFactory(), UserFactory()
    buy(inside, 1000, days_ago=10)
    buy(outside, 1000, days_ago=100)
    buy(private, 1000, days_ago=10)
    ProfilingPreference.objects.create(user=private, profiled=False)
    rfm.change_settings(crm.store, window_days=90)
    assert set(CustomerRfm.objects.values_list("user_id", flat=True)) == {inside.pk}
    sizes = {row["segment"]: row["customers"] for row in rfm.sizes(crm.store)}
    assert sum(sizes.values()) == 1 and len(sizes) == 8


@pytest.mark.parametrize(
    "breaks", [[1, 2, 3], [1, 2, 2, 3], [4, 3, 2, 1], ["1", 2, 3, 4], [-1, 2, 3, 4]]
)
def test_bad_breaks_are_400(crm: Crm, breaks: list) -> None:
    with pytest.raises(InvalidInput):
        rfm.change_settings(crm.store, monetary_breaks=breaks)
