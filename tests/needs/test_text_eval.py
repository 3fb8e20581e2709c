"""The text models of needs discovery measured on the labelled fixture: the local model beats
the keyword baseline on the held-out split, and every figure clears a floor set a little below
what was measured when the split was first scored (so a regression fails)."""

from __future__ import annotations

import pytest

from quanzi.needs.text.base import Motive, Sentiment
from quanzi.needs.text.evaluate import evaluate, load_fixture, pairwise_scores
from quanzi.needs.text.local import LocalModel
from quanzi.needs.text.rules import RuleModel

# Measured on the held split (see quanzi/needs/text/__init__.py): wish-span F1 1.00, group F1
# 0.97, sentiment accuracy 0.85 / macro-F1 0.85, motive accuracy 0.91.
FLOORS = {
    "wish_f1": 0.92,
    "wish_partial_f1": 0.95,
    "group_f1": 0.90,
    "sentiment_accuracy": 0.80,
    "sentiment_macro_f1": 0.80,
    "motive_accuracy": 0.86,
}
BEATS = ("wish_f1", "group_f1", "sentiment_macro_f1", "motive_accuracy")


@pytest.fixture(scope="module")
def held() -> dict[str, dict[str, float]]:
    items = load_fixture("held")
    return {"rules": evaluate(RuleModel(), items), "local": evaluate(LocalModel(), items)}


def test_the_fixture_is_large_labelled_and_partly_held_out() -> None:
    # given the committed fixture
    items = load_fixture("all")
    # then it has enough items, unique ids, every source, about 40 % held out
    assert len(items) >= 360
    assert len({i.id for i in items}) == len(items)
    assert {i.source for i in items} == {"chat", "review", "comment", "after_sale"}
    held = sum(i.split == "held" for i in items)
    assert 0.35 <= held / len(items) <= 0.45
    # and every label is usable: spans are substrings, groups have several phrasings
    for item in items:
        for wish in item.wishes:
            assert item.text[wish.start : wish.end] == wish.text
    assert {i.sentiment for i in items} == set(Sentiment)
    assert {m for i in items for m in i.motives} == set(Motive)
    phrasings: dict[str, set[str]] = {}
    for wish in (w for i in items for w in i.wishes):
        phrasings.setdefault(wish.group, set()).add(wish.text)
    assert sum(len(v) >= 3 for v in phrasings.values()) >= 15
    assert len(load_fixture("held")) + len(load_fixture("tune")) == len(items)


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError):
        load_fixture("dev")


@pytest.mark.parametrize("figure", BEATS)
def test_local_model_beats_the_baseline_on_the_held_split(
    held: dict[str, dict[str, float]], figure: str
) -> None:
    assert held["local"][figure] > held["rules"][figure]


@pytest.mark.parametrize("figure", sorted(FLOORS))
def test_local_model_clears_its_floor_on_the_held_split(
    held: dict[str, dict[str, float]], figure: str
) -> None:
    assert held["local"][figure] >= FLOORS[figure]


def test_pairwise_scores_count_pairs() -> None:
    # given gold groups a a b and a prediction that puts everything together
    scores = pairwise_scores(["a", "a", "b"], [0, 0, 0])
    # then one of three predicted pairs is right and the one gold pair is found
    assert scores["group_precision"] == pytest.approx(1 / 3)
    assert scores["group_recall"] == 1.0
    # and a perfect prediction scores 1 whatever its label numbers
    assert pairwise_scores(["a", "a", "b"], [5, 5, 2])["group_f1"] == 1.0


def test_the_baseline_is_measured_too(held: dict[str, dict[str, float]]) -> None:
    # the baseline is a real competitor, not a strawman at zero everywhere
    assert held["rules"]["wish_f1"] > 0.4
    assert held["rules"]["sentiment_accuracy"] > 0.4
    assert held["rules"]["motive_accuracy"] > 0.2
