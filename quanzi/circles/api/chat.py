"""Circles API: chat (thin: schema in → service call → schema out). See docs/chat-protocol.md."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Status, UploadedFile

from quanzi.accounts.auth import AUTH, current_user
from quanzi.circles.models import MessageReport
from quanzi.circles.services import chat
from quanzi.circles.services.access import access_circle
from quanzi.core.schemas import Schema

router = Router(auth=AUTH)


class HistoryQuery(Schema):
    before_seq: int | None = Field(None, ge=0)
    after_seq: int | None = Field(None, ge=0)
    limit: int = Field(50, ge=1, le=chat.MAX_PAGE)


class SendIn(Schema):
    client_id: str = Field(..., max_length=chat.MAX_CLIENT_ID)
    kind: str = "text"
    text: str = Field("", max_length=chat.MAX_TEXT)
    product_id: str | None = None
    order_id: str | None = None
    review_id: str | None = None
    reply_to: str | None = None
    card_type: str | None = Field(
        None, description='kind "campaign": group, groupbuy, bargain or coupon'
    )
    target_id: str | None = Field(None, description="the group, campaign, bargain or coupon")


class CardOptionOut(Schema):
    card_type: str
    target_id: str
    title: str
    detail: str
    image: str | None


class ReadIn(Schema):
    seq: int = Field(..., ge=0)


class ReportIn(Schema):
    reason: str = Field(..., max_length=200)


class ResolveIn(Schema):
    action: str


class ReportOut(Schema):
    id: str
    reason: str
    reporter: str
    created_at: datetime
    resolved_at: datetime | None
    resolution: str
    message: dict[str, Any]


def _report_out(report: MessageReport) -> ReportOut:
    return ReportOut(
        id=report.pk,
        reason=report.reason,
        reporter=report.reporter.display_name,
        created_at=report.created_at,
        resolved_at=report.resolved_at,
        resolution=report.resolution,
        message=chat.message_json(report.message) | {"reported_text": report.message.text},
    )


@router.get("/{circle_id}/messages", response=dict[str, Any])
def list_messages(request: HttpRequest, circle_id: str, q: Query[HistoryQuery]) -> dict[str, Any]:
    """A page of history in seq order: the latest, `before_seq` (earlier) or `after_seq`
    (catch up). Recalled/removed messages are tombstones, so seq has no gaps."""
    user = current_user(request)
    rows, more = chat.history(
        user, circle_id, before_seq=q.before_seq, after_seq=q.after_seq, limit=q.limit
    )
    circle, membership = access_circle(user, circle_id, need="member")
    assert membership is not None
    return {
        "items": [chat.message_json(m) for m in rows],
        "has_more": more,
        "last_message_seq": circle.last_message_seq,
        "last_read_seq": membership.last_read_seq,
        "unread": chat.unread_count(circle, membership),
    }


@router.post("/{circle_id}/messages", response={201: dict[str, Any]})
def send(request: HttpRequest, circle_id: str, data: SendIn) -> Status[dict[str, Any]]:
    """Send a text, product, order, review or campaign card message; resending the same
    `client_id` returns the first message."""
    message = chat.send_message(
        current_user(request),
        circle_id,
        kind=data.kind,
        text=data.text,
        client_id=data.client_id,
        product_id=data.product_id,
        order_id=data.order_id,
        review_id=data.review_id,
        reply_to_id=data.reply_to,
        card_type=data.card_type,
        target_id=data.target_id,
    )
    return Status(201, chat.message_json(message))


@router.post("/{circle_id}/messages/image", response={201: dict[str, Any]})
def send_image(
    request: HttpRequest,
    circle_id: str,
    image: File[UploadedFile],
    client_id: Form[str],
    text: Form[str] = "",
) -> Status[dict[str, Any]]:
    """Send an image (multipart: `image`, `client_id`, optional `text`): JPEG, PNG, WebP or
    GIF, validated like product images."""
    message = chat.send_message(
        current_user(request), circle_id, kind="image", text=text, client_id=client_id, image=image
    )
    return Status(201, chat.message_json(message))


@router.post("/{circle_id}/messages/{message_id}/recall", response=dict[str, Any])
def recall(request: HttpRequest, circle_id: str, message_id: str) -> dict[str, Any]:
    """The sender takes back their message within 2 minutes."""
    message = chat.recall_message(current_user(request), circle_id, message_id)
    return chat.message_json(message)


@router.delete("/{circle_id}/messages/{message_id}", response=dict[str, Any])
def remove(request: HttpRequest, circle_id: str, message_id: str) -> dict[str, Any]:
    """An admin removes any message."""
    message = chat.remove_message(current_user(request), circle_id, message_id)
    return chat.message_json(message)


@router.post("/{circle_id}/messages/{message_id}/report", response={201: dict[str, str]})
def report(
    request: HttpRequest, circle_id: str, message_id: str, data: ReportIn
) -> Status[dict[str, str]]:
    """A member reports a message (once) to the circle's admins."""
    created = chat.report_message(current_user(request), circle_id, message_id, data.reason)
    return Status(201, {"id": created.pk})


@router.post("/{circle_id}/read", response=dict[str, int])
def read(request: HttpRequest, circle_id: str, data: ReadIn) -> dict[str, int]:
    """Move the caller's read position forward (never back); returns the unread count."""
    unread = chat.mark_read(current_user(request), circle_id, data.seq)
    return {"unread": unread}


@router.get("/{circle_id}/commercial-share", response=dict[str, Any])
def commercial_share(request: HttpRequest, circle_id: str) -> dict[str, Any]:
    """The circle's commercial messages against its caps (admins)."""
    circle, _membership = access_circle(current_user(request), circle_id, need="admin")
    usage = chat.commercial_usage(circle)
    return {
        "commercial": usage.commercial,
        "total": usage.total,
        "percent": round(usage.commercial * 100 / usage.total, 1) if usage.total else 0.0,
        "cap_percent": circle.commercial_share_percent,
        "daily": usage.daily,
        "daily_cap": circle.commercial_daily_cap,
        "member_share_daily_limit": circle.member_share_daily_limit,
    }


@router.get("/{circle_id}/chat-products", response=list[dict[str, Any]])
def chat_products(request: HttpRequest, circle_id: str) -> list[dict[str, Any]]:
    """The store's on-shelf products for the composer's product picker."""
    return [chat.product_card(p) for p in chat.shelf_products(current_user(request), circle_id)]


@router.get("/{circle_id}/chat-cards", response=list[CardOptionOut])
def chat_cards(request: HttpRequest, circle_id: str) -> list[CardOptionOut]:
    """What the member may share here as a campaign card now (the composer's picker): the
    store's group buys and open groups, the member's own bargains, the store's coupons."""
    return [
        CardOptionOut(
            card_type=o.card_type,
            target_id=o.target_id,
            title=o.title,
            detail=o.detail,
            image=o.image,
        )
        for o in chat.card_options(current_user(request), circle_id)
    ]


@router.get("/{circle_id}/reports", response=list[ReportOut])
def reports(request: HttpRequest, circle_id: str, all: bool = False) -> list[ReportOut]:
    """The report queue (admins): open reports, oldest first; `all=true` for every report."""
    rows = chat.report_queue(current_user(request), circle_id, open_only=not all)
    return [_report_out(r) for r in rows]


@router.post("/{circle_id}/reports/{report_id}/resolve", response=ReportOut)
def resolve(request: HttpRequest, circle_id: str, report_id: str, data: ResolveIn) -> ReportOut:
    """`remove` the reported message (closing all its reports) or `dismiss` the report."""
    done = chat.resolve_report(current_user(request), circle_id, report_id, data.action)
    return _report_out(done)
