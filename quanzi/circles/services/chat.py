"""Chat: sending, history, recall/remove, read positions, the commercial budget, the members'
share limit and reports.

Delivery guarantees (docs/chat-protocol.md): a message is stored under the circle's row lock,
which hands out a gapless `seq`; it is published to the circle's channel group only after the
transaction commits; a resend with the same `client_id` returns the stored message and is not
published again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.circles import signals
from quanzi.circles.errors import CircleCode
from quanzi.circles.locks import lock_circle
from quanzi.circles.models import (
    COMMERCIAL_KINDS,
    Circle,
    Membership,
    MemberState,
    Message,
    MessageKind,
    MessageReport,
)
from quanzi.circles.services import cards
from quanzi.circles.services.access import access_circle, is_muted
from quanzi.core import ratelimit
from quanzi.core.errors import Conflict, CoreCode, InvalidInput, NotFound, PermissionDenied
from quanzi.core.events import send_on_commit
from quanzi.core.ids import is_public_id
from quanzi.core.images import make_thumbnail, validate_image
from quanzi.tracking.models import EventKind
from quanzi.tracking.recorder import record

MAX_TEXT = 2000
MAX_CLIENT_ID = 64
MAX_PAGE = 100
RECALL_WINDOW = timedelta(minutes=2)
SHARE_WINDOW = timedelta(days=7)
DAILY_WINDOW = timedelta(hours=24)
MAX_MENTIONS = 20
MENTION_RE = re.compile(r"@([\w.\-]{1,40})")
SENDABLE_KINDS = (
    MessageKind.TEXT,
    MessageKind.IMAGE,
    MessageKind.PRODUCT,
    MessageKind.ORDER,
    MessageKind.REVIEW,
    MessageKind.CAMPAIGN,
)


def circle_group(circle_id: str) -> str:
    """The channel-layer group of a circle's connected clients."""
    return f"circle.{circle_id}"


def publish(circle_id: str, event: dict[str, Any]) -> None:
    """Send an event to every client of the circle once the current transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(circle_group(circle_id), event)

    transaction.on_commit(send)


def disconnect_member(circle_id: str, user: User) -> None:
    """Close the sockets of a person who left or was removed/banned (after commit)."""
    publish(circle_id, {"type": "member.removed", "user_id": user.pk})


# --- Serialising ---------------------------------------------------------------------------


def _stock_state(product: Product) -> str:
    if not product.on_shelf or not product.store.is_active:
        return "off_shelf"
    stock = sum(s.stock for s in product.skus.all() if s.is_active)
    return "in_stock" if stock > 0 else "sold_out"


def product_card(product: Product, *, circle_id: str = "") -> dict[str, Any]:
    """What a product card shows (needs skus and images prefetched for lists). A card in a
    circle's chat links with `src=chat&via=<circle>`, so the insights count the visits it
    brought to the circle."""
    skus = [s for s in product.skus.all() if s.is_active]
    images = list(product.images.all())
    return {
        "id": product.pk,
        "title": product.title,
        "price": product.min_price,
        "image": images[0].thumbnail.url if images and images[0].thumbnail else None,
        "stock_state": _stock_state(product),
        "sku_id": skus[0].pk if len(skus) == 1 else None,
        "sku_count": len(skus),
        "url": f"/products/{product.pk}/" + (f"?src=chat&via={circle_id}" if circle_id else ""),
    }


def _user_json(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.public_id,
        "name": user.display_name,
        "avatar": user.avatar.url if user.avatar else None,
    }


def message_json(message: Message) -> dict[str, Any]:
    """The one JSON shape of a message (HTTP and socket). Recalled/removed messages are
    tombstones: same seq, no content."""
    gone = message.recalled_at is not None or message.removed_at is not None
    reply = message.reply_to
    data: dict[str, Any] = {
        "id": message.pk,
        "seq": message.seq,
        "kind": message.kind,
        "client_id": message.client_id,
        "sender": _user_json(message.sender),
        "created_at": message.created_at.isoformat(),
        "is_commercial": message.is_commercial,
        "recalled": message.recalled_at is not None,
        "removed": message.removed_at is not None,
        "text": "",
        "image": None,
        "thumbnail": None,
        "product": None,
        "card": {},
        "mentions": [],
        "reply_to": None,
    }
    if gone:
        return data
    data.update(
        text=message.text,
        image=message.image.url if message.image else None,
        thumbnail=message.thumbnail.url if message.thumbnail else None,
        product=(
            product_card(message.product, circle_id=message.circle_id) if message.product else None
        ),
        card=message.card,
        mentions=message.mentions,
    )
    if reply is not None:
        reply_gone = reply.recalled_at is not None or reply.removed_at is not None
        data["reply_to"] = {
            "id": reply.pk,
            "seq": reply.seq,
            "sender": _user_json(reply.sender),
            "text": "" if reply_gone else reply.text[:80],
        }
    return data


def messages_qs(circle: Circle) -> QuerySet[Message]:
    """A circle's messages with everything message_json reads, in a constant number of
    queries."""
    return (
        Message.objects.filter(circle=circle)
        .select_related("sender", "reply_to__sender", "product__store")
        .prefetch_related("product__skus", "product__images")
    )


# --- Sending -------------------------------------------------------------------------------


@dataclass
class Draft:
    """A checked message, ready to store."""

    kind: str
    text: str
    product: Product | None = None
    card: dict[str, Any] | None = None
    card_ref: str = ""
    store_id: str | None = None  # whose commerce a product or campaign card is
    reply_to: Message | None = None
    mentions: list[str] | None = None
    mentioned: list[User] | None = None


def send_message(
    user: User,
    circle_id: str,
    *,
    kind: str,
    text: str = "",
    client_id: str,
    image: IO[bytes] | Any = None,
    product_id: str | None = None,
    order_id: str | None = None,
    review_id: str | None = None,
    reply_to_id: str | None = None,
    card_type: str | None = None,
    target_id: str | None = None,
) -> Message:
    """Store a message and publish it after commit; a resend (same sender and `client_id`)
    returns the first message without storing or publishing again. A campaign card (kind
    "campaign") shares the object `target_id` of `card_type` (cards.card_types())."""
    circle, membership = access_circle(user, circle_id, need="member")
    assert membership is not None
    client_id = _clean_client_id(client_id)
    existing = Message.objects.filter(circle=circle, sender=user, client_id=client_id).first()
    if existing is not None:
        return existing
    if is_muted(membership):
        assert membership.muted_until is not None
        until = timezone.localtime(membership.muted_until)
        raise PermissionDenied(
            _("You are muted in this circle until %(time)s.")
            % {"time": until.strftime("%Y-%m-%d %H:%M")},
            code=CircleCode.MUTED,
            muted_until=until.isoformat(),
        )
    draft = _draft(
        user,
        circle,
        kind,
        text,
        product_id=product_id,
        order_id=order_id,
        review_id=review_id,
        reply_to_id=reply_to_id,
        card_type=card_type,
        target_id=target_id,
    )
    if kind == MessageKind.IMAGE:
        if image is None:
            raise InvalidInput(_("Choose an image to send."), code=CircleCode.IMAGE_REQUIRED)
        validate_image(image)
    _check_blocked_words(circle, draft.text)
    ratelimit.hit(f"chat:{circle.pk}:{user.pk}", circle.flood_per_minute, 60)
    try:
        return _store(user, circle, client_id, draft, image)
    except IntegrityError:
        # A concurrent resend of the same client_id won the race: return its message.
        return Message.objects.get(circle=circle, sender=user, client_id=client_id)


def post_card(
    user: User, circle: Circle, *, card: dict[str, Any], text: str, client_id: str
) -> Message:
    """Store a card message made by another domain (e.g. a red packet: card["type"]) as a system
    message of `user`, published like any message; a repeat with the same client_id returns the
    first one. The caller checked the permissions."""
    existing = Message.objects.filter(circle=circle, sender=user, client_id=client_id).first()
    if existing is not None:
        return existing
    draft = Draft(kind=MessageKind.SYSTEM, text=text[:MAX_TEXT], card=card)
    return _store(user, circle, client_id, draft, None)


def refresh_card(message_id: str, card: dict[str, Any], *, version: str) -> bool:
    """Replace a card message's card with a newer state made by its domain (a red packet's
    count of grabs) and tell the circle's clients (a `card` frame) after commit. `version`
    names a number in the card that only grows: an older state arriving late changes
    nothing, so concurrent refreshes end on the newest. False when nothing changed."""
    newer = Q(**{f"card__{version}__lt": card[version]}) | Q(**{f"card__{version}__isnull": True})
    message = Message.objects.filter(pk=message_id).only("circle_id").first()
    if message is None:
        return False
    changed = Message.objects.filter(newer, pk=message_id).update(card=card)
    if changed:
        publish(message.circle_id, {"type": "chat.card", "id": message_id, "card": card})
    return bool(changed)


def refresh_cards(
    ref: str,
    card: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    version: str,
) -> int:
    """Redraw every message showing the object `ref` (a shared group, bargain, coupon…) with
    its newer card, as `refresh_card` does for one; answers how many changed. `card` may be a
    function making it, called only when some message shows the object. Run it after the
    change commits, with a card read after the commit."""
    ids = list(
        Message.objects.filter(
            card_ref=ref, recalled_at__isnull=True, removed_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    made = card() if callable(card) else card
    return sum(refresh_card(pk, made, version=version) for pk in ids)


def _clean_client_id(client_id: str) -> str:
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > MAX_CLIENT_ID or not client_id.isprintable():
        raise InvalidInput(
            _("Each message needs a client id of at most 64 characters."),
            code=CircleCode.INVALID_CLIENT_ID,
        )
    return client_id


def _draft(
    user: User,
    circle: Circle,
    kind: str,
    text: str,
    *,
    product_id: str | None,
    order_id: str | None,
    review_id: str | None,
    reply_to_id: str | None,
    card_type: str | None,
    target_id: str | None,
) -> Draft:
    if kind not in SENDABLE_KINDS:
        raise InvalidInput(_("This kind of message cannot be sent."), code=CircleCode.INVALID_KIND)
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            _("A message can have at most %(n)d characters.") % {"n": MAX_TEXT},
            code=CoreCode.TEXT_TOO_LONG,
        )
    if kind == MessageKind.TEXT and not text:
        raise InvalidInput(_("Write something first."), code=CircleCode.EMPTY_MESSAGE)
    draft = Draft(kind=kind, text=text)
    if kind == MessageKind.PRODUCT:
        draft.product = _circle_product(circle, product_id)
        draft.store_id = draft.product.store_id
    elif kind == MessageKind.CAMPAIGN:
        share = cards.make_card(user, circle, card_type or "", target_id or "")
        draft.card, draft.card_ref, draft.store_id = share.card, share.ref, share.store_id
    elif kind == MessageKind.ORDER:
        draft.card = _order_card(user, order_id)
    elif kind == MessageKind.REVIEW:
        draft.card = _review_card(review_id)
    if reply_to_id:
        draft.reply_to = _reply_target(circle, reply_to_id)
    draft.mentioned = _mentioned(circle, user, text)
    draft.mentions = [u.public_id for u in draft.mentioned]
    return draft


def _circle_product(circle: Circle, product_id: str | None) -> Product:
    product = None
    if circle.store_id is not None and is_public_id(product_id):
        product = Product.objects.filter(pk=product_id, store_id=circle.store_id).first()
    if product is None:
        raise InvalidInput(
            _("Only products of this circle's store can be shared here."),
            code=CircleCode.INVALID_PRODUCT,
        )
    return product


def _order_card(user: User, order_id: str | None) -> dict[str, Any]:
    from quanzi.orders.services.access import access_order

    try:
        order = access_order(user, order_id or "", need="buyer")
    except NotFound as exc:
        raise InvalidInput(
            _("You can only share your own orders."), code=CircleCode.INVALID_ORDER
        ) from exc
    items = list(order.items.all()[:3])
    return {
        "order_id": order.pk,
        "store": order.store.name,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "total": order.total,
        "items": [{"title": i.title, "quantity": i.quantity, "image": i.image_url} for i in items],
        "item_count": order.items.count(),
    }


def _review_card(review_id: str | None) -> dict[str, Any]:
    from quanzi.reviews.models import Review

    review = None
    if is_public_id(review_id):
        review = (
            Review.objects.select_related("product", "author")
            .filter(pk=review_id, is_hidden=False)
            .first()
        )
    if review is None:
        raise InvalidInput(_("This review cannot be shared."), code=CircleCode.INVALID_REVIEW)
    return {
        "review_id": review.pk,
        "product_id": review.product_id,
        "product_title": review.product.title,
        "stars": review.stars,
        "text": review.text[:200],
        "author": review.author_name,
    }


def _reply_target(circle: Circle, reply_to_id: str) -> Message:
    target = None
    if is_public_id(reply_to_id):
        target = (
            Message.objects.select_related("sender").filter(pk=reply_to_id, circle=circle).first()
        )
    if target is None:
        raise InvalidInput(
            _("The message you reply to is not in this circle."), code=CircleCode.INVALID_REPLY
        )
    return target


def _mentioned(circle: Circle, sender: User, text: str) -> list[User]:
    """Active members named by `@nickname` or `@username` in the text (not the sender)."""
    names = list(dict.fromkeys(MENTION_RE.findall(text)))[:MAX_MENTIONS]
    if not names:
        return []
    members = (
        Membership.objects.filter(circle=circle, state=MemberState.ACTIVE)
        .filter(Q(user__username__in=names) | Q(user__nickname__in=names))
        .exclude(user=sender)
        .select_related("user")
    )
    return [m.user for m in members]


def _check_blocked_words(circle: Circle, text: str) -> None:
    lowered = text.casefold()
    for word in circle.blocked_words or []:
        if isinstance(word, str) and word.strip() and word.strip().casefold() in lowered:
            raise InvalidInput(
                _("Your message contains a word not allowed in this circle: “%(word)s”.")
                % {"word": word.strip()},
                code=CircleCode.BLOCKED_WORD,
                word=word.strip(),
            )


def _store(
    user: User, circle: Circle, client_id: str, draft: Draft, image: IO[bytes] | Any
) -> Message:
    # A product or campaign card is commercial when the store's people or its promoters post
    # it; an ordinary member's share is not, but counts against the member's own limit.
    shared = draft.kind in COMMERCIAL_KINDS and draft.store_id is not None
    is_commercial = shared and cards.sells_for(user, draft.store_id or "")
    with transaction.atomic():
        locked = lock_circle(circle.pk)
        # Counted under the circle's lock, so two sends never both take the last place.
        if is_commercial:
            check_commercial_budget(locked)
        elif shared:
            check_member_shares(locked, user)
        seq = locked.last_message_seq + 1
        Circle.objects.filter(pk=locked.pk).update(last_message_seq=seq)
        message = Message(
            circle=locked,
            seq=seq,
            sender=user,
            client_id=client_id,
            kind=draft.kind,
            text=draft.text,
            product=draft.product,
            card=draft.card or {},
            card_ref=draft.card_ref,
            reply_to=draft.reply_to,
            mentions=draft.mentions or [],
            is_commercial=is_commercial,
        )
        if image is not None and draft.kind == MessageKind.IMAGE:
            name = getattr(image, "name", "") or "chat.jpg"
            upload = image if isinstance(image, File) else File(image, name=name)
            message.image.save(name, upload, save=False)
            message.thumbnail.save("thumb.jpg", make_thumbnail(image), save=False)
        message.save()
        Membership.objects.filter(circle=locked, user=user, last_read_seq__lt=seq).update(
            last_read_seq=seq
        )
        _notify(locked, message, draft)
        record(EventKind.MESSAGE, store_id=locked.store_id or "", user_id=user.pk, ref=locked.pk)
        send_on_commit(
            signals.message_sent,
            Message,
            circle_id=locked.pk,
            message_id=message.pk,
            user_id=user.pk,
            store_id=locked.store_id,
        )
        full = messages_qs(locked).get(pk=message.pk)
        publish(locked.pk, {"type": "chat.message", "message": message_json(full)})
    return full


def _notify(circle: Circle, message: Message, draft: Draft) -> None:
    """Tell the mentioned members and the replied-to sender (in the same transaction)."""
    mentioned = draft.mentioned or []
    target = draft.reply_to.sender if draft.reply_to is not None else None
    if target is not None and (target == message.sender or target in mentioned):
        target = None
    if not mentioned and target is None:
        return
    from quanzi.circles.services.notifications import notify

    url = f"/circles/{circle.pk}/chat/#m{message.seq}"
    names = {"name": message.sender.display_name if message.sender else "", "circle": circle.name}
    for person in mentioned:
        text = str(_("%(name)s mentioned you in %(circle)s") % names)
        notify(person, "mention", text, circle=circle, message=message, url=url)
    if target is not None:
        text = str(_("%(name)s replied to you in %(circle)s") % names)
        notify(target, "reply", text, circle=circle, message=message, url=url)


# --- Commercial budget ---------------------------------------------------------------------


@dataclass
class CommercialUsage:
    commercial: int  # commercial messages in the last 7 days
    total: int  # all messages in the last 7 days
    daily: int  # commercial messages in the last 24 hours
    oldest_weekly: datetime | None  # the oldest commercial message counted in the 7 days
    oldest_daily: datetime | None  # the oldest commercial message counted in the 24 hours
    now: datetime  # the moment the windows end


def commercial_usage(circle: Circle) -> CommercialUsage:
    """The circle's commercial counts over the rolling windows, in one aggregate query
    (recalled and removed messages do not count)."""
    now = timezone.now()
    day = now - DAILY_WINDOW
    com = Q(is_commercial=True)
    row = Message.objects.filter(
        circle=circle,
        created_at__gt=now - SHARE_WINDOW,
        recalled_at__isnull=True,
        removed_at__isnull=True,
    ).aggregate(
        total=Count("pk"),
        commercial=Count("pk", filter=com),
        daily=Count("pk", filter=com & Q(created_at__gt=day)),
        oldest_weekly=Min("created_at", filter=com),
        oldest_daily=Min("created_at", filter=com & Q(created_at__gt=day)),
    )
    return CommercialUsage(
        commercial=row["commercial"],
        total=row["total"],
        daily=row["daily"],
        oldest_weekly=row["oldest_weekly"],
        oldest_daily=row["oldest_daily"],
        now=now,
    )


def commercial_share(circle: Circle) -> tuple[int, int]:
    """(commercial messages, all messages) over the rolling 7 days."""
    usage = commercial_usage(circle)
    return usage.commercial, usage.total


def check_commercial_budget(circle: Circle) -> None:
    """Refuse one more commercial message if it would pass the circle's share or daily cap,
    saying why and when the budget frees up."""
    usage = commercial_usage(circle)
    if usage.daily >= circle.commercial_daily_cap:
        today = Message.objects.filter(
            circle=circle,
            is_commercial=True,
            created_at__gt=usage.now - DAILY_WINDOW,
            recalled_at__isnull=True,
            removed_at__isnull=True,
        )
        frees = _frees(today, usage.daily - circle.commercial_daily_cap)
        reason = _("this circle allows at most %(n)d commercial messages a day") % {
            "n": circle.commercial_daily_cap
        }
        _refuse("daily", reason, frees)
    over = (usage.commercial + 1) * 100 > circle.commercial_share_percent * (usage.total + 1)
    if over:
        frees = (usage.oldest_weekly + SHARE_WINDOW) if usage.oldest_weekly else None
        reason = _(
            "commercial messages may be at most %(p)d%% of the circle's messages over 7 days"
        ) % {"p": circle.commercial_share_percent}
        _refuse("share", reason, frees)


def member_shares(circle: Circle, user: User) -> QuerySet[Message]:
    """The member's own product and campaign cards in the circle that count against the
    member's share limit: not commercial, not recalled by the member (an admin's removal
    does not give the place back)."""
    return Message.objects.filter(
        circle=circle,
        sender=user,
        kind__in=COMMERCIAL_KINDS,
        is_commercial=False,
        recalled_at__isnull=True,
    )


def check_member_shares(circle: Circle, user: User) -> None:
    """Refuse an ordinary member's card past the circle's `member_share_daily_limit` in the
    rolling 24 hours, saying when the member may share again (called under the circle's
    lock, so the count and the insert are one step)."""
    limit = circle.member_share_daily_limit
    today = member_shares(circle, user).filter(created_at__gt=timezone.now() - DAILY_WINDOW)
    count = today.count()
    if count < limit:
        return
    reason = _(
        "each member may share at most %(n)d products or campaigns in this circle in 24 hours"
    ) % {"n": limit}
    _refuse("member", reason, _frees(today, count - limit), code=CircleCode.MEMBER_SHARE_LIMIT)


def _frees(counted: QuerySet[Message], over: int) -> datetime | None:
    """When one more fits in the rolling 24 hours: a day after the counted message whose
    leaving brings the count under the cap (the oldest, unless the cap was lowered since)."""
    times = counted.order_by("created_at").values_list("created_at", flat=True)
    found = list(times[over : over + 1])
    return found[0] + DAILY_WINDOW if found else None


def _refuse(
    limit: str, reason: Any, frees: datetime | None, *, code: str = CircleCode.COMMERCIAL_BUDGET
) -> None:
    """A 409 saying what limit refused the message and when it can be posted again, in the
    person's language and the site's time zone (`frees_at` for clients)."""
    if frees is None:
        raise Conflict(
            _("Not sent: %(reason)s. More conversation in the circle makes room.")
            % {"reason": reason},
            code=code,
            limit=limit,
            frees_at=None,
        )
    when = timezone.localtime(frees)
    raise Conflict(
        _("Not sent: %(reason)s. You can post it again after %(time)s.")
        % {"reason": reason, "time": when.strftime("%Y-%m-%d %H:%M")},
        code=code,
        limit=limit,
        frees_at=when.isoformat(),
    )


# --- Reading -------------------------------------------------------------------------------


def history(
    user: User,
    circle_id: str,
    *,
    before_seq: int | None = None,
    after_seq: int | None = None,
    limit: int = 50,
) -> tuple[list[Message], bool]:
    """A page of messages in seq order and whether more exist in the direction asked.

    `after_seq`: the messages right after it (catching up); `before_seq`: the ones right
    before it (loading earlier); neither: the latest. Tombstones included, so seq is gapless.
    """
    circle, _membership = access_circle(user, circle_id, need="member")
    return history_page(circle, before_seq=before_seq, after_seq=after_seq, limit=limit)


def history_page(
    circle: Circle,
    *,
    before_seq: int | None = None,
    after_seq: int | None = None,
    limit: int = 50,
) -> tuple[list[Message], bool]:
    limit = max(1, min(int(limit), MAX_PAGE))
    qs = messages_qs(circle)
    if after_seq is not None:
        rows = list(qs.filter(seq__gt=after_seq).order_by("seq")[: limit + 1])
        return rows[:limit], len(rows) > limit
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    rows = list(qs.order_by("-seq")[: limit + 1])
    return list(reversed(rows[:limit])), len(rows) > limit


def mark_read(user: User, circle_id: str, seq: int) -> int:
    """Move the member's read position forward to `seq` (never back, never past the last
    message); returns the unread count."""
    circle, membership = access_circle(user, circle_id, need="member")
    assert membership is not None
    seq = max(0, min(int(seq), circle.last_message_seq))
    Membership.objects.filter(pk=membership.pk, last_read_seq__lt=seq).update(last_read_seq=seq)
    membership.refresh_from_db(fields=["last_read_seq"])
    return max(0, circle.last_message_seq - membership.last_read_seq)


def unread_count(circle: Circle, membership: Membership) -> int:
    return max(0, circle.last_message_seq - membership.last_read_seq)


def unread_total(user: User) -> int:
    """Unread messages over all the person's circles (one query)."""
    from django.db.models import F

    row = Membership.objects.filter(user=user, state=MemberState.ACTIVE).aggregate(
        n=Sum(F("circle__last_message_seq") - F("last_read_seq"))
    )
    return int(row["n"] or 0)


# --- Recall and removal --------------------------------------------------------------------


def _message_in(circle: Circle, message_id: str) -> Message:
    message = None
    if is_public_id(message_id):
        message = Message.objects.filter(pk=message_id, circle=circle).first()
    if message is None:
        raise NotFound(_("Message not found."), code=CircleCode.MESSAGE_NOT_FOUND)
    return message


def recall_message(user: User, circle_id: str, message_id: str) -> Message:
    """The sender takes back their message within 2 minutes; every client removes it."""
    circle, _membership = access_circle(user, circle_id, need="member")
    message = _message_in(circle, message_id)
    if message.sender_id != user.pk:
        raise PermissionDenied(
            _("You can only recall your own messages."), code=CircleCode.NOT_SENDER
        )
    if message.recalled_at or message.removed_at:
        return message
    if timezone.now() - message.created_at > RECALL_WINDOW:
        raise Conflict(
            _("Messages can only be recalled within 2 minutes."),
            code=CircleCode.RECALL_WINDOW_PASSED,
        )
    with transaction.atomic():
        updated = Message.objects.filter(
            pk=message.pk, recalled_at__isnull=True, removed_at__isnull=True
        ).update(recalled_at=timezone.now())
        if updated:
            _publish_deleted(circle, message, "recalled")
    message.refresh_from_db()
    return message


def remove_message(user: User, circle_id: str, message_id: str) -> Message:
    """An admin removes any message; every client removes it."""
    circle, _membership = access_circle(user, circle_id, need="admin")
    message = _message_in(circle, message_id)
    with transaction.atomic():
        updated = Message.objects.filter(
            pk=message.pk, recalled_at__isnull=True, removed_at__isnull=True
        ).update(removed_at=timezone.now(), removed_by=user)
        if updated:
            _publish_deleted(circle, message, "removed")
    message.refresh_from_db()
    return message


def _publish_deleted(circle: Circle, message: Message, reason: str) -> None:
    send_on_commit(
        signals.message_deleted,
        Message,
        circle_id=circle.pk,
        message_id=message.pk,
        reason=reason,
    )
    publish(
        circle.pk,
        {"type": "chat.deleted", "seq": message.seq, "id": message.pk, "reason": reason},
    )


# --- Reports -------------------------------------------------------------------------------


def report_message(user: User, circle_id: str, message_id: str, reason: str) -> MessageReport:
    """A member reports a message (once per member per message) for the admins' queue."""
    circle, _membership = access_circle(user, circle_id, need="member")
    message = _message_in(circle, message_id)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise InvalidInput(
            _("Say in at most 200 characters what is wrong."), code=CircleCode.INVALID_REASON
        )
    if message.sender_id == user.pk:
        raise InvalidInput(_("You cannot report your own message."), code=CircleCode.OWN_MESSAGE)
    try:
        with transaction.atomic():
            return MessageReport.objects.create(message=message, reporter=user, reason=reason)
    except IntegrityError as exc:
        raise Conflict(
            _("You have already reported this message."), code=CircleCode.ALREADY_REPORTED
        ) from exc


def report_queue(user: User, circle_id: str, *, open_only: bool = True) -> list[MessageReport]:
    """The circle's reports for its admins, oldest open first."""
    circle, _membership = access_circle(user, circle_id, need="admin")
    qs = (
        MessageReport.objects.filter(message__circle=circle)
        .select_related(
            "reporter", "message__sender", "message__reply_to__sender", "message__product__store"
        )
        .prefetch_related("message__product__skus", "message__product__images")
    )
    if open_only:
        qs = qs.filter(resolved_at__isnull=True).order_by("created_at")
    else:
        qs = qs.order_by("-created_at")
    return list(qs[:200])


def resolve_report(user: User, circle_id: str, report_id: str, action: str) -> MessageReport:
    """Remove the reported message (closing every open report of it) or dismiss the report."""
    circle, _membership = access_circle(user, circle_id, need="admin")
    report = None
    if is_public_id(report_id):
        report = MessageReport.objects.filter(pk=report_id, message__circle=circle).first()
    if report is None:
        raise NotFound(_("Report not found."), code=CircleCode.REPORT_NOT_FOUND)
    if action not in ("remove", "dismiss"):
        raise InvalidInput(_("Choose remove or dismiss."), code=CircleCode.INVALID_ACTION)
    now = timezone.now()
    with transaction.atomic():
        if action == "remove":
            remove_message(user, circle.pk, report.message_id)
            MessageReport.objects.filter(
                message_id=report.message_id, resolved_at__isnull=True
            ).update(resolved_at=now, resolved_by=user, resolution="removed")
        else:
            MessageReport.objects.filter(pk=report.pk, resolved_at__isnull=True).update(
                resolved_at=now, resolved_by=user, resolution="dismissed"
            )
    report.refresh_from_db()
    return report


def open_report_count(circle: Circle) -> int:
    return MessageReport.objects.filter(message__circle=circle, resolved_at__isnull=True).count()


def shelf_products(user: User, circle_id: str, limit: int = 50) -> list[Product]:
    """The store's on-shelf products for the composer's product picker."""
    circle, _membership = access_circle(user, circle_id, need="member")
    if circle.store_id is None:
        return []
    return list(
        Product.objects.filter(store_id=circle.store_id, on_shelf=True)
        .select_related("store")
        .prefetch_related("skus", "images")
        .order_by("-created_at")[:limit]
    )


def card_options(user: User, circle_id: str) -> list[cards.CardOption]:
    """What the member may share in the circle as a campaign card now (the composer's
    picker), from every registered card type."""
    circle, _membership = access_circle(user, circle_id, need="member")
    return cards.options(user, circle)
