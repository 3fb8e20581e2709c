"""Referrals API (thin: schema in → service call → schema out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Status

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.errors import NotFound
from quanzi.core.schemas import Schema
from quanzi.referrals.models import ShareLink
from quanzi.referrals.services import links as services

router = Router()


class LinkIn(Schema):
    kind: str = Field(max_length=10)
    target_id: str = Field(max_length=16)
    parent_code: str | None = Field(default=None, max_length=16)


class LinkOut(Schema):
    code: str
    kind: str
    target_id: str
    parent_code: str | None
    url: str
    poster_url: str
    created_at: datetime


class MyLinkOut(LinkOut):
    visit_count: int
    attributed_orders: int


def _link_out(request: HttpRequest, link: ShareLink, parent_code: str | None) -> dict[str, Any]:
    return {
        "code": link.code,
        "kind": link.kind,
        "target_id": link.target_id,
        "parent_code": parent_code,
        "url": request.build_absolute_uri(reverse("referrals:go", args=[link.code])),
        "poster_url": request.build_absolute_uri(reverse("referrals:poster", args=[link.code])),
        "created_at": link.created_at,
    }


@router.post("/links", auth=AUTH, response={201: LinkOut})
def create_link(request: HttpRequest, data: LinkIn) -> Status[Any]:
    """Make (or reuse) my share link to a product, note, circle, store, group or bargain."""
    link = services.share_link(current_user(request), data.kind, data.target_id, data.parent_code)
    parent = link.parent.code if link.parent_id and link.parent else None
    return Status(201, _link_out(request, link, parent))


@router.get("/links/{code}", auth=AUTH, response=LinkOut)
def get_link(request: HttpRequest, code: str) -> dict[str, Any]:
    """One of my links (others' links answer 404)."""
    link = services.get_link(code)
    if link.sharer_id != current_user(request).pk:
        raise NotFound()
    parent = link.parent.code if link.parent_id and link.parent else None
    return _link_out(request, link, parent)


@router.get("/me", auth=AUTH, response=list[MyLinkOut])
def my_links(request: HttpRequest) -> list[dict[str, Any]]:
    """My links, newest first, with visit and attributed-order counts (two queries)."""
    links = (
        ShareLink.objects.filter(sharer=current_user(request))
        .select_related("parent")
        .annotate(
            n_visits=Count("visits", distinct=True),
            n_orders=Count("attributions", distinct=True),
        )
        .order_by("-created_at")[:200]
    )
    return [
        {
            **_link_out(request, link, link.parent.code if link.parent else None),
            "visit_count": link.n_visits,
            "attributed_orders": link.n_orders,
        }
        for link in links
    ]
