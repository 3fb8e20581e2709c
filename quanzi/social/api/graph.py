"""Social API: graph (thin: schema in → service call → schema out).

People are named by their public user id, stores by their id. Following twice or unfollowing
someone not followed is not an error (idempotent); a block in either direction is a 403
`blocked` that does not say who blocked whom."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.core.schemas import Schema
from quanzi.social.services import graph

router = Router()


class FollowOut(Schema):
    following: bool
    created: bool = Field(description="false when the follow already existed")


class UnfollowOut(Schema):
    following: bool
    removed: bool


class BlockOut(Schema):
    blocked: bool


class PersonOut(Schema):
    id: str
    display_name: str
    avatar: str | None = None
    followers: int
    following: int
    notes: int
    you_follow: bool
    follows_you: bool
    is_friend: bool


class PersonRowOut(Schema):
    id: str
    display_name: str
    avatar: str | None = None
    you_follow: bool


class PeoplePageOut(Schema):
    items: list[PersonRowOut]
    count: int
    page: int
    page_size: int
    pages: int


class PeoplePageQuery(Schema):
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=20, ge=1, le=graph.MAX_PAGE_SIZE)


class PrivacyOut(Schema):
    share_purchases: bool
    share_reviews: bool


class PrivacyIn(Schema):
    share_purchases: bool | None = None
    share_reviews: bool | None = None


def _page(found: graph.PeoplePage) -> PeoplePageOut:
    return PeoplePageOut(
        items=[
            PersonRowOut(
                id=row.public_id,
                display_name=row.display_name,
                avatar=row.avatar_url,
                you_follow=row.viewer_follows,
            )
            for row in found.items
        ],
        count=found.count,
        page=found.page,
        page_size=found.page_size,
        pages=found.pages,
    )


@router.post("/users/{public_id}/follow", response=FollowOut, auth=AUTH)
def follow_person(request: HttpRequest, public_id: str) -> FollowOut:
    """Follow a person. Two people following each other are friends."""
    created = graph.follow_person(current_user(request), public_id)[1]
    return FollowOut(following=True, created=created)


@router.delete("/users/{public_id}/follow", response=UnfollowOut, auth=AUTH)
def unfollow_person(request: HttpRequest, public_id: str) -> UnfollowOut:
    removed = graph.unfollow_person(current_user(request), public_id)
    return UnfollowOut(following=False, removed=removed)


@router.post("/stores/{store_id}/follow", response=FollowOut, auth=AUTH)
def follow_store(request: HttpRequest, store_id: str) -> FollowOut:
    created = graph.follow_store(current_user(request), store_id)[1]
    return FollowOut(following=True, created=created)


@router.delete("/stores/{store_id}/follow", response=UnfollowOut, auth=AUTH)
def unfollow_store(request: HttpRequest, store_id: str) -> UnfollowOut:
    removed = graph.unfollow_store(current_user(request), store_id)
    return UnfollowOut(following=False, removed=removed)


@router.post("/users/{public_id}/block", response=BlockOut, auth=AUTH)
def block(request: HttpRequest, public_id: str) -> BlockOut:
    """Block a person: follows both ways end and each other's activity leaves both feeds."""
    graph.block(current_user(request), public_id)
    return BlockOut(blocked=True)


@router.delete("/users/{public_id}/block", response=BlockOut, auth=AUTH)
def unblock(request: HttpRequest, public_id: str) -> BlockOut:
    graph.unblock(current_user(request), public_id)
    return BlockOut(blocked=False)


@router.get("/users/{public_id}", response=PersonOut, auth=None)
def person(request: HttpRequest, public_id: str) -> PersonOut:
    """A person's public profile with counts and the caller's relation to them."""
    viewer = optional_user(request)
    target = graph.visible_person(viewer, public_id)
    counts = graph.counts(target)
    you_follow = graph.follows_person(viewer, target)
    follows_you = viewer is not None and graph.follows_person(target, viewer)
    return PersonOut(
        id=target.public_id,
        display_name=target.display_name,
        avatar=target.avatar.url if target.avatar else None,
        followers=counts.followers,
        following=counts.following,
        notes=counts.notes,
        you_follow=you_follow,
        follows_you=follows_you,
        is_friend=you_follow and follows_you,
    )


@router.get("/users/{public_id}/followers", response=PeoplePageOut, auth=None)
def followers(request: HttpRequest, public_id: str, q: Query[PeoplePageQuery]) -> PeoplePageOut:
    viewer = optional_user(request)
    target = graph.visible_person(viewer, public_id)
    return _page(graph.followers_page(viewer, target, q.page, q.page_size))


@router.get("/users/{public_id}/following", response=PeoplePageOut, auth=None)
def following(request: HttpRequest, public_id: str, q: Query[PeoplePageQuery]) -> PeoplePageOut:
    viewer = optional_user(request)
    target = graph.visible_person(viewer, public_id)
    return _page(graph.following_page(viewer, target, q.page, q.page_size))


@router.get("/privacy", response=PrivacyOut, auth=AUTH)
def get_privacy(request: HttpRequest) -> PrivacyOut:
    found = graph.privacy(current_user(request))
    return PrivacyOut(share_purchases=found.share_purchases, share_reviews=found.share_reviews)


@router.put("/privacy", response=PrivacyOut, auth=AUTH)
def put_privacy(request: HttpRequest, payload: PrivacyIn) -> PrivacyOut:
    """What friends see of your activity from now on (entries already shown stay)."""
    found = graph.update_privacy(
        current_user(request),
        share_purchases=payload.share_purchases,
        share_reviews=payload.share_reviews,
    )
    return PrivacyOut(share_purchases=found.share_purchases, share_reviews=found.share_reviews)
