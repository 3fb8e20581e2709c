"""The follow graph: follows of people and stores, friends (mutual person follows), blocks and
privacy settings.

A block in either direction makes follows impossible; the refusal never says who blocked whom.
Unfollowing or blocking also removes the other's activity from one's feed (see
`quanzi.social.services.feed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.locks import lock_users
from quanzi.accounts.models import User
from quanzi.core.errors import InvalidInput, NotFound, PermissionDenied
from quanzi.core.ids import is_public_id
from quanzi.social.errors import SocialCode
from quanzi.social.models import Block, Follow, PrivacySettings
from quanzi.stores.models import Store

MAX_PAGE_SIZE = 100
MSG_NOT_POSSIBLE = _("Following this person is not possible.")


def person(public_id: str) -> User:
    """The active person with this public id, or 404."""
    found = (
        User.objects.filter(public_id=public_id, is_active=True).first()
        if is_public_id(public_id)
        else None
    )
    if found is None:
        raise NotFound(_("Person not found."))
    return found


def visible_person(viewer: User | None, public_id: str) -> User:
    """The person as `viewer` may see them: someone who blocked the viewer is 'not found'."""
    target = person(public_id)
    if viewer is not None and Block.objects.filter(blocker=target, blocked=viewer).exists():
        raise NotFound(_("Person not found."))
    return target


def public_store(store_id: str) -> Store:
    found = (
        Store.objects.filter(pk=store_id, is_active=True).first()
        if is_public_id(store_id)
        else None
    )
    if found is None:
        raise NotFound(_("Store not found."))
    return found


def is_blocked_between(a_id: int, b_id: int) -> bool:
    """Whether either of the two people blocked the other."""
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def _lock_pair(a_id: int, b_id: int) -> None:
    """Serialise follows and blocks between two people (rows locked in id order), so a follow
    racing a block can never survive it. A no-op on SQLite, which serialises writes anyway."""
    lock_users([a_id, b_id])


def follow_person(user: User, public_id: str) -> tuple[User, bool]:
    """Follow a person; (the person, whether a new follow was made). Following twice is a
    no-op; oneself or a blocked relation (either way) is refused."""
    target = person(public_id)
    if target.pk == user.pk:
        raise InvalidInput(_("You cannot follow yourself."), code=SocialCode.SELF_FOLLOW)
    try:
        with transaction.atomic():
            _lock_pair(user.pk, target.pk)
            if is_blocked_between(user.pk, target.pk):
                raise PermissionDenied(MSG_NOT_POSSIBLE, code=SocialCode.BLOCKED)
            created = Follow.objects.get_or_create(follower=user, followee=target)[1]
    except IntegrityError:  # a concurrent double follow: the other one won
        created = False
    if created:
        from quanzi.social.services.feed import backfill_person_notes

        backfill_person_notes(user, target)
    return target, created


def unfollow_person(user: User, public_id: str) -> bool:
    """Stop following; True when there was a follow. Their entries leave my feed, and mine
    (friends-only purchases and reviews) leave theirs, as we are no longer friends."""
    from quanzi.social.services.feed import forget_after_unfollow

    target = person(public_id)
    with transaction.atomic():
        deleted = Follow.objects.filter(follower=user, followee=target).delete()[0]
        forget_after_unfollow(user.pk, target.pk)
    return deleted > 0


def follow_store(user: User, store_id: str) -> tuple[Store, bool]:
    store = public_store(store_id)
    try:
        with transaction.atomic():
            created = Follow.objects.get_or_create(follower=user, store=store)[1]
    except IntegrityError:
        created = False
    return store, created


def unfollow_store(user: User, store_id: str) -> bool:
    store = public_store(store_id)
    deleted = Follow.objects.filter(follower=user, store=store).delete()[0]
    return deleted > 0


def block(user: User, public_id: str) -> User:
    """Block a person: follows both ways end and each other's entries leave both feeds."""
    from quanzi.social.services.feed import forget_between

    target = person(public_id)
    if target.pk == user.pk:
        raise InvalidInput(_("You cannot block yourself."), code=SocialCode.SELF_BLOCK)
    with transaction.atomic():
        _lock_pair(user.pk, target.pk)
        Block.objects.get_or_create(blocker=user, blocked=target)
        Follow.objects.filter(
            Q(follower=user, followee=target) | Q(follower=target, followee=user)
        ).delete()
        forget_between(user.pk, target.pk)
    return target


def unblock(user: User, public_id: str) -> bool:
    target = person(public_id)
    deleted = Block.objects.filter(blocker=user, blocked=target).delete()[0]
    return deleted > 0


def blocked_ids(user: User) -> set[int]:
    """Everyone in a block with `user`, whichever side blocked (one query)."""
    pairs = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list(
        "blocker_id", "blocked_id"
    )
    return {b if a == user.pk else a for a, b in pairs}


def friends_filter(user_id: int) -> Q:
    """A filter on User: people who follow `user_id` and whom `user_id` follows."""
    return Q(Exists(Follow.objects.filter(follower_id=user_id, followee_id=OuterRef("pk")))) & Q(
        Exists(Follow.objects.filter(follower_id=OuterRef("pk"), followee_id=user_id))
    )


def friend_ids(user: User | int) -> set[int]:
    """Ids of the user's friends (mutual follows), in one query."""
    user_id = user if isinstance(user, int) else user.pk
    mutual = Follow.objects.filter(follower_id=OuterRef("followee_id"), followee_id=user_id)
    return set(
        Follow.objects.filter(follower_id=user_id, followee__isnull=False)
        .filter(Exists(mutual))
        .values_list("followee_id", flat=True)
    )


def followed_ids(user: User | int) -> set[int]:
    """Ids of the people the user follows (friends among them), in one query."""
    user_id = user if isinstance(user, int) else user.pk
    return set(
        Follow.objects.filter(follower_id=user_id, followee__isnull=False).values_list(
            "followee_id", flat=True
        )
    )


def is_friend(a: User | int, b: User | int) -> bool:
    a_id = a if isinstance(a, int) else a.pk
    b_id = b if isinstance(b, int) else b.pk
    if a_id == b_id:
        return False
    return (
        Follow.objects.filter(
            Q(follower_id=a_id, followee_id=b_id) | Q(follower_id=b_id, followee_id=a_id)
        ).count()
        == 2
    )


@dataclass(frozen=True)
class Counts:
    followers: int
    following: int
    notes: int


def counts(target: User) -> Counts:
    """Follower, following and visible-note counts of a person (three small counts)."""
    from quanzi.social.models import Note

    return Counts(
        followers=Follow.objects.filter(followee=target).count(),
        following=Follow.objects.filter(follower=target).count(),
        notes=Note.objects.filter(author=target, store__isnull=True, is_hidden=False).count(),
    )


@dataclass(frozen=True)
class PersonRow:
    public_id: str
    display_name: str
    avatar_url: str | None
    viewer_follows: bool


@dataclass(frozen=True)
class PeoplePage:
    items: list[PersonRow]
    count: int
    page: int
    page_size: int
    pages: int


def _people_page(
    viewer: User | None, follows: Any, person_field: str, page: int, page_size: int
) -> PeoplePage:
    """One page of people from a Follow queryset (two queries whatever the page size)."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    if viewer is not None:  # people who blocked the viewer are not shown to them
        follows = follows.exclude(
            Exists(Block.objects.filter(blocker_id=OuterRef(person_field), blocked_id=viewer.pk))
        )
    count = follows.count()
    rows = follows.select_related(person_field).order_by("-created_at", "-id")
    if viewer is not None:
        rows = rows.annotate(
            viewer_follows=Exists(
                Follow.objects.filter(follower_id=viewer.pk, followee_id=OuterRef(person_field))
            )
        )
    start = (page - 1) * page_size
    items = []
    for follow in rows[start : start + page_size]:
        who: User = getattr(follow, person_field)
        items.append(
            PersonRow(
                public_id=who.public_id,
                display_name=who.display_name,
                avatar_url=who.avatar.url if who.avatar else None,
                viewer_follows=bool(getattr(follow, "viewer_follows", False)),
            )
        )
    pages = max(1, -(-count // page_size))
    return PeoplePage(items=items, count=count, page=page, page_size=page_size, pages=pages)


def followers_page(
    viewer: User | None, target: User, page: int = 1, page_size: int = 20
) -> PeoplePage:
    """People following `target`, newest first, each with whether the viewer follows them."""
    follows = Follow.objects.filter(followee=target, follower__is_active=True)
    return _people_page(viewer, follows, "follower", page, page_size)


def following_page(
    viewer: User | None, target: User, page: int = 1, page_size: int = 20
) -> PeoplePage:
    """People `target` follows (stores are listed on their own pages)."""
    follows = Follow.objects.filter(
        follower=target, followee__isnull=False, followee__is_active=True
    )
    return _people_page(viewer, follows, "followee", page, page_size)


def follows_person(viewer: User | None, target: User) -> bool:
    if viewer is None:
        return False
    return Follow.objects.filter(follower=viewer, followee=target).exists()


def follows_store(viewer: User | None, store: Store) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    return Follow.objects.filter(follower=viewer, store=store).exists()


def privacy(user: User) -> PrivacySettings:
    """The user's privacy settings (the defaults when never saved; nothing is written)."""
    found = PrivacySettings.objects.filter(user=user).first()
    return found if found is not None else PrivacySettings(user=user)


def answer_purchase_question(user: User, share: bool) -> PrivacySettings:
    """The person's answer, after a purchase, to "may friends see what you buy?" (asked once:
    a second answer changes nothing; the privacy page is where the choice changes later)."""
    try:
        with transaction.atomic():
            PrivacySettings.objects.get_or_create(user=user)
    except IntegrityError:  # a concurrent first answer made the row
        pass
    # the first answer wins, without a lock: the update only changes an unanswered row
    PrivacySettings.objects.filter(user=user, purchases_asked_at__isnull=True).update(
        share_purchases=share, purchases_asked_at=timezone.now()
    )
    return PrivacySettings.objects.get(user=user)


def asks_about_purchases(user_ids: Iterable[int]) -> set[int]:
    """Who, among these people, has not yet been asked whether friends may see purchases (and
    does not share them already)."""
    ids = set(user_ids)
    answered = set(
        PrivacySettings.objects.filter(user_id__in=ids)
        .filter(Q(purchases_asked_at__isnull=False) | Q(share_purchases=True))
        .values_list("user_id", flat=True)
    )
    return ids - answered


def update_privacy(
    user: User, *, share_purchases: bool | None = None, share_reviews: bool | None = None
) -> PrivacySettings:
    """Change what friends see. Applies to activity from now on: entries already written to
    friends' feeds stay (docs/feed.md)."""
    settings = PrivacySettings.objects.get_or_create(user=user)[0]
    if share_purchases is not None:
        settings.share_purchases = share_purchases
    if share_reviews is not None:
        settings.share_reviews = share_reviews
    settings.save()
    return settings
