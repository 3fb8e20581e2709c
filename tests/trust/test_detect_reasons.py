"""Every reason the detectors emit reads as a sentence with its numbers filled in."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from quanzi.trust.detect.analyse import analyse
from quanzi.trust.detect.records import Findings, Reason
from quanzi.trust.detect.signals import POINTS
from quanzi.trust.reasons import SENTENCES, describe
from tests.trust.detect_world import DAY, NOW, World

GENERIC = "A signal that is no longer used."


def _everything() -> Findings:
    """A graph where every signal fires: a sloppy ring of fresh accounts led by a promoter of
    the store, a ring of old accounts bound to a promoter reviewing together, a viral burst
    through a group buy, a plain burst."""
    w = World(21)
    w.organic()
    w.ring(
        k=12,
        m=4,
        promoter_inside=True,
        device="dev-emulator",
        address="addr-collection-point",
    )
    w.ring(
        k=10,
        m=3,
        fresh=False,
        start=NOW - 60 * DAY,
        promoter="boss-x",
        template=False,
        prefix=None,
    )
    w.burst(n=40)
    w.burst(n=30, campaign="")
    return analyse(w.reviews, w.accounts)


def _emitted(findings: Findings) -> list[Reason]:
    reasons = [r for s in findings.reviews.values() for r in s.reasons]
    reasons += [r for s in findings.accounts.values() for r in s.reasons]
    reasons += [r for b in findings.blocks for r in b.reasons]
    return reasons


@pytest.fixture(scope="module")
def everything() -> Findings:
    return _everything()


def test_given_every_signal_code_then_it_has_a_sentence() -> None:
    assert set(POINTS) <= set(SENTENCES)


def test_given_a_graph_where_everything_fires_then_every_code_is_emitted(
    everything: Findings,
) -> None:
    assert {r.code for r in _emitted(everything)} == set(POINTS)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_given_an_emitted_reason_when_described_then_its_numbers_fill_the_sentence(
    everything: Findings, language: str
) -> None:
    seen: dict[str, Reason] = {}
    for reason in _emitted(everything):
        seen.setdefault(reason.code, reason)
    with translation.override(language):
        for code, reason in sorted(seen.items()):
            sentence = describe(reason.as_json())
            assert sentence != GENERIC, code
            assert "%(" not in sentence and "%%" not in sentence, (code, sentence)
            numbers = {str(v) for v in reason.params.values()}
            assert not numbers or set(re.findall(r"\d+(?:\.\d+)?", sentence)) & numbers, (
                code,
                sentence,
            )


@translation.override("en")
def test_given_a_count_of_one_then_the_sentence_is_singular() -> None:
    one = describe({"code": "tracking_reused", "points": 25, "params": {"others": 1}})
    two = describe({"code": "tracking_reused", "points": 25, "params": {"others": 2}})

    assert "1 other buyer." in one
    assert "2 other buyers." in two


@translation.override("en")
def test_given_a_reason_missing_its_numbers_then_it_reads_without_placeholders() -> None:
    assert "%(" not in describe({"code": "dense_block", "params": {}})
    assert describe({"code": "retired_code", "params": {}}) == GENERIC
