"""Review actions: write a review of a received item, the merchant's reply, moderation.

These are the only writers of reviews and of the products' denormalised rating
(`rating_sum`, `rating_count`), which always change in the same transaction as the review.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.core.errors import (
    Conflict,
    CoreCode,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from quanzi.core.events import send_on_commit
from quanzi.core.ids import is_public_id
from quanzi.core.images import PreparedImage, delete_files, prepare_image, save_image_rows
from quanzi.core.validation import clean_text
from quanzi.orders.locks import lock_existing_order
from quanzi.orders.models import Order, OrderItem, OrderStatus
from quanzi.orders.services.timers import refresh_order
from quanzi.reviews.errors import ReviewCode
from quanzi.reviews.locks import lock_review
from quanzi.reviews.models import (
    MAX_PHOTOS,
    MAX_REPLY,
    MAX_STARS,
    MAX_TEXT,
    Moderation,
    Review,
    ReviewPhoto,
)
from quanzi.reviews.signals import review_replied, review_written
from quanzi.stores.services import role_in

Actor = User | AnonymousUser | None
REVIEWABLE_STATUSES = frozenset({OrderStatus.RECEIVED, OrderStatus.COMPLETED})


def order_is_reviewable(order: Order) -> bool:
    """Reviews open after receipt; an after-sales request opened after receipt keeps them open,
    a refunded or cancelled order never allows one."""
    if order.status in REVIEWABLE_STATUSES:
        return True
    return (
        order.status == OrderStatus.AFTER_SALES
        and order.status_before_after_sales in REVIEWABLE_STATUSES
    )


def _require_user(user: Actor) -> User:
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def buyer_item(user: Actor, order_id: str, item_id: str) -> OrderItem:
    """The order item if `user` bought it; anyone else's item is 'not found', never revealed."""
    buyer = _require_user(user)
    if not (is_public_id(item_id) and is_public_id(order_id)):
        raise NotFound(_("Order item not found."))
    item = (
        OrderItem.objects.select_related("order", "product")
        .filter(pk=item_id, order_id=order_id, order__buyer=buyer)
        .first()
    )
    if item is None:
        raise NotFound(_("Order item not found."))
    refresh_order(item.order)  # a shipped order past its auto-receive time is received now
    return item


def _check_reviewable(order: Order) -> None:
    if order.status == OrderStatus.REFUNDED:
        raise Conflict(_("A refunded order cannot be reviewed."), code=ReviewCode.ORDER_REFUNDED)
    if not order_is_reviewable(order):
        raise Conflict(
            _("You can review an item once you have received it."), code=ReviewCode.NOT_RECEIVED
        )


def _already_reviewed(item: OrderItem) -> bool:
    return Review.objects.filter(order_item=item).exists()


def reviewable_item(user: Actor, order_id: str, item_id: str) -> OrderItem:
    """The buyer's item if it can be reviewed now (the review form shows it)."""
    item = buyer_item(user, order_id, item_id)
    _check_reviewable(item.order)
    if _already_reviewed(item):
        raise Conflict(_("You have already reviewed this item."), code=ReviewCode.ALREADY_REVIEWED)
    return item


def _clean_stars(stars: int | str) -> int:
    try:
        value = int(stars)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_STARS:
        raise InvalidInput(
            _("Choose from 1 to 5 stars."), code=ReviewCode.INVALID_STARS, field="stars"
        )
    return value


_clean_text = partial(clean_text, multiline=True, too_long_code=CoreCode.TEXT_TOO_LONG)


def _prepare_photos(photos: Sequence[UploadedFile]) -> list[PreparedImage]:
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)d photos per review.") % {"n": MAX_PHOTOS},
            code=ReviewCode.TOO_MANY_PHOTOS,
            field="photos",
        )
    return [prepare_image(upload, field="photos") for upload in photos]


def _insert_review(item: OrderItem, author: User, stars: int, text: str, anon: bool) -> Review:
    try:
        with transaction.atomic():
            return Review.objects.create(
                order_item=item,
                product_id=item.product_id,
                store_id=item.order.store_id,
                author=author,
                stars=stars,
                text=text,
                is_anonymous=anon,
            )
    except IntegrityError as exc:  # a concurrent submit for the same item won the race
        raise Conflict(
            _("You have already reviewed this item."), code=ReviewCode.ALREADY_REVIEWED
        ) from exc


def write_review(
    user: Actor,
    order_id: str,
    item_id: str,
    stars: int | str,
    text: str,
    photos: Sequence[UploadedFile] | None = None,
    anonymous: bool = False,
) -> Review:
    """Review one purchased item, once, after receipt; all or nothing (rows and files)."""
    item = reviewable_item(user, order_id, item_id)
    author = _require_user(user)  # the buyer: buyer_item filtered on it
    clean_stars = _clean_stars(stars)
    clean_text = _clean_text(text, field="text", max_length=MAX_TEXT)
    prepared = _prepare_photos(list(photos or []))
    written: list[str] = []
    try:
        with transaction.atomic():
            order = lock_existing_order(item.order_id)
            _check_reviewable(order)  # the order may have moved since it was read
            review = _insert_review(item, author, clean_stars, clean_text, anonymous)
            save_image_rows(
                (
                    (ReviewPhoto(review=review, width=p.width, height=p.height, position=i), p)
                    for i, p in enumerate(prepared)
                ),
                written,
            )
            Product.objects.filter(pk=item.product_id).update(
                rating_sum=F("rating_sum") + clean_stars, rating_count=F("rating_count") + 1
            )
            # Social feed (issue 4): friends' reviews, once the review is committed.
            send_on_commit(review_written, Review, review_id=review.pk, author_id=author.pk)
    except BaseException:
        delete_files(written)
        raise
    return review


def access_review(
    user: Actor, review_id: str, *, need: Literal["view", "reply"] = "view"
) -> Review:
    """The review if `user` may `need` it.

    'view': visible reviews to everyone; a hidden one only to its author, the store's staff
    and platform operators (others get 404). 'reply': the store's owner and staff; anyone else
    gets 403 on a visible review and 404 on a hidden one.
    """
    review = Review.objects.select_related("store", "author").filter(pk=review_id).first()
    if review is None:
        raise NotFound(_("Review not found."))
    person = user if isinstance(user, User) and user.is_authenticated else None
    needs_role = person is not None and (need == "reply" or review.is_hidden)
    role = role_in(person, review.store) if needs_role else None
    if review.is_hidden and not (
        role or (person and (person.pk == review.author_id or person.is_staff))
    ):
        raise NotFound(_("Review not found."))
    if need == "reply":
        _require_user(person)
        if role is None:
            raise PermissionDenied(_("Only the store's staff can reply to its reviews."))
    return review


def reply(user: Actor, review_id: str, text: str) -> Review:
    """The store's answer to a review; replying again replaces it (replied_at is renewed)."""
    replier = _require_user(user)
    review = access_review(replier, review_id, need="reply")
    answer = _clean_text(text, field="text", max_length=MAX_REPLY)
    if not answer:
        raise InvalidInput(_("Write a reply first."), code=ReviewCode.EMPTY_REPLY, field="text")
    review.merchant_reply = answer
    review.replied_at = timezone.now()
    review.replied_by = replier
    review.save(update_fields=["merchant_reply", "replied_at", "replied_by", "updated_at"])
    send_on_commit(
        review_replied, Review, review_id=review.pk, store_id=review.store_id, user_id=replier.pk
    )
    return review


def set_moderation(review_id: str, state: Moderation | str) -> bool:
    """Move a review to `state` (visible, held or hidden), keeping the product's rating to the
    visible reviews in the same transaction. Returns False when it was already there."""
    wanted = Moderation(state)
    with transaction.atomic():
        review = lock_review(review_id)
        if review is None:
            raise NotFound(_("Review not found."))
        if review.moderation == wanted:
            return False
        was_counted = review.moderation == Moderation.VISIBLE
        counted = wanted == Moderation.VISIBLE
        Review.objects.filter(pk=review.pk).update(
            moderation=wanted, is_hidden=not counted, updated_at=timezone.now()
        )
        if was_counted != counted:
            sign = 1 if counted else -1
            Product.objects.filter(pk=review.product_id).update(
                rating_sum=F("rating_sum") + sign * review.stars,
                rating_count=F("rating_count") + sign,
            )
    return True


def set_hidden(review_id: str, hidden: bool) -> bool:
    """Moderation by platform operators: hide or show a review, keeping the product's rating to
    the visible reviews. Returns False when the review was already in that state."""
    return set_moderation(review_id, Moderation.HIDDEN if hidden else Moderation.VISIBLE)


def set_held(review_id: str, held: bool) -> bool:
    """Hold a review out of view and rating while a suspected-fraud case is decided, or restore
    it. A review hidden by moderation stays hidden (holding or restoring it changes nothing), so
    a case's restore never undoes an operator's separate decision."""
    with transaction.atomic():
        # Decided under the review's lock: an operator hiding it meanwhile is never undone.
        review = lock_review(review_id)
        if review is None:
            raise NotFound(_("Review not found."))
        if review.moderation == Moderation.HIDDEN:
            return False
        if not held and review.moderation != Moderation.HELD:
            return False
        return set_moderation(review_id, Moderation.HELD if held else Moderation.VISIBLE)
