"""The labels a review carries for buyers: every review here is a verified purchase (one per
order item, written after receipt), and upper domains add what they know — circles says the
author is a member of the store's circles (来自圈子成员).

A provider takes the reviews of one list and answers `{review id: label}` in one query, so a
list of any length costs one query per provider (`attach`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

from quanzi.reviews.models import Review

LabelProvider = Callable[[Sequence[Review]], Mapping[str, str]]

VERIFIED = _("Verified purchase")

_providers: dict[str, LabelProvider] = {}
Reviews = TypeVar("Reviews", bound=Iterable[Review])


def register_label(name: str, provider: LabelProvider) -> None:
    """Register (or replace, by name) a provider of labels; called from an AppConfig.ready."""
    _providers[name] = provider


def attach(reviews: Reviews) -> Reviews:
    """Set `labels` (a list of texts, verified purchase first) on each review; answers them."""
    listed = list(reviews)
    extra: dict[str, list[str]] = {r.pk: [] for r in listed}
    if listed:
        for name in sorted(_providers):
            for review_id, label in _providers[name](listed).items():
                if review_id in extra:
                    extra[review_id].append(label)
    for review in listed:
        review.labels = [str(VERIFIED), *extra[review.pk]]  # type: ignore[attr-defined]
    return reviews
