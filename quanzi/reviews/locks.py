"""Row locks of reviews: the only place that takes them.

Lock order: writing a review locks its order (`quanzi.orders.locks.lock_existing_order`: the
order may have moved since it was read) → inserts the review and its photos → the product's rating
(conditional update). Hiding or showing a review locks the review → the product's rating. Both
are FOR NO KEY UPDATE of the named row only: neither changes a key, and review photos (rows
pointing at a review) are not held back.
"""

from __future__ import annotations

from quanzi.reviews.models import Review


def lock_review(review_id: str) -> Review | None:
    """The review, locked; None if there is none."""
    return Review.objects.select_for_update(of=("self",), no_key=True).filter(pk=review_id).first()
