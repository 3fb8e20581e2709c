"""What a text model answers about a message, and the interface every model implements.

A model is small, offline and replaceable: `get_model()` loads the class named by
`settings.NEEDS_TEXT_MODEL` once per process."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


SENTIMENT_LABELS = {
    Sentiment.POSITIVE: _("Positive"),
    Sentiment.NEUTRAL: _("Neutral"),
    Sentiment.NEGATIVE: _("Negative"),
}


class Motive(StrEnum):
    """Why someone wants a thing: the surface motives name the product's function, quality or
    price; the deep ones what it does for the person."""

    FUNCTION = "function"
    QUALITY = "quality"
    PRICE = "price"
    GIFT = "gift"
    STATUS = "status"
    SELF_REWARD = "self_reward"
    STRESS_RELIEF = "stress_relief"
    BELONGING = "belonging"


SURFACE_MOTIVES = frozenset({Motive.FUNCTION, Motive.QUALITY, Motive.PRICE})
DEEP_MOTIVES = frozenset(set(Motive) - SURFACE_MOTIVES)

MOTIVE_LABELS = {
    Motive.FUNCTION: _("Function"),
    Motive.QUALITY: _("Quality"),
    Motive.PRICE: _("Price"),
    Motive.GIFT: _("A gift"),
    Motive.STATUS: pgettext_lazy("motive", "Status"),
    Motive.SELF_REWARD: _("Self-reward"),
    Motive.STRESS_RELIEF: _("Stress relief"),
    Motive.BELONGING: _("Belonging"),
}


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of the analysed text; `text` is that slice."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Analysis:
    """One message, analysed. `sentiment_score` runs from -1 (negative) to 1 (positive);
    `wishes` are the explicit asks ("希望有无糖款" → the span "无糖款"); `motives` may be empty;
    `keywords` are the message's content words, best first."""

    sentiment: Sentiment
    sentiment_score: float
    wishes: tuple[Span, ...]
    motives: tuple[Motive, ...]
    keywords: tuple[str, ...]


class TextModel(Protocol):
    """What needs discovery asks of a model."""

    name: str

    def analyze(self, texts: Sequence[str]) -> list[Analysis]:
        """One analysis per text, in order (batched: pass many at once)."""
        ...

    def group(self, phrases: Sequence[str]) -> list[int]:
        """Paraphrase groups: one label per phrase; phrases that ask for the same thing share a
        label ("无糖款" and "不加糖的版本"). Labels are 0..k-1 in order of first appearance."""
        ...

    def topics(self, texts: Sequence[str], k: int) -> list[int]:
        """At most k topics: one label per text (0..k-1, in order of first appearance)."""
        ...


@cache
def get_model() -> TextModel:
    """The configured model, built once per process."""
    cls = import_string(getattr(settings, "NEEDS_TEXT_MODEL", "quanzi.needs.text.rules.RuleModel"))
    model: TextModel = cls()
    return model
