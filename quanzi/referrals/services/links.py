"""Share links, visits and last-touch attribution of orders to sharers.

Attribution rule (documented in docs/referrals.md): the buyer's last share-link touch counts for
any order placed within the attribution window of the order's store (`Store.attribution_days`,
default 7), whatever the link pointed at; the sharer must not be the buyer.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.circles.errors import CircleCode
from quanzi.core.errors import DomainError, InvalidInput, NotAuthenticated, NotFound
from quanzi.core.ids import is_public_id
from quanzi.orders.models import Order
from quanzi.referrals.models import CODE_LENGTH, Attribution, ShareLink, TargetKind, Visit
from quanzi.referrals.targets import is_known, target_for
from quanzi.tracking.models import EventKind, Source
from quanzi.tracking.recorder import is_bot, record, visitor_of

log = logging.getLogger(__name__)

SESSION_KEY = "qz_ref"


def _check_target(user: User, kind: str, target_id: str) -> None:
    """Raise NotFound unless the target exists and `user` may see it."""
    if not is_public_id(target_id) or not target_for(kind).exists(user, target_id):
        raise NotFound(_("The shared page was not found."))


def get_link(code: str) -> ShareLink:
    """The link of a short code (NotFound for unknown or malformed codes)."""
    link = None
    if isinstance(code, str) and len(code) == CODE_LENGTH:
        link = ShareLink.objects.select_related("sharer").filter(code=code).first()
    if link is None:
        raise NotFound(_("This share link does not exist."))
    return link


def target_path(link: ShareLink) -> str:
    return target_for(link.kind).path.format(link.target_id)


def _new_code() -> str:
    while True:
        code = secrets.token_urlsafe(6)  # 8 url-safe characters
        if not ShareLink.objects.filter(code=code).exists():
            return code


def share_link(
    user: User | AnonymousUser, kind: str, target_id: str, parent_code: str | None = None
) -> ShareLink:
    """The user's share link to a visible target, reused per (sharer, kind, target, parent).
    `parent_code` is the link the sharer arrived through (ignored when it is their own)."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    if not is_known(kind):
        raise InvalidInput(_("Unknown kind of shared page."), code=CircleCode.INVALID_KIND)
    _check_target(user, kind, target_id)
    parent = get_link(parent_code) if parent_code else None
    if parent is not None and parent.sharer_id == user.pk:
        parent = None
    lookup = {"sharer": user, "kind": kind, "target_id": target_id, "parent": parent}
    link = ShareLink.objects.filter(**lookup).first()
    if link is not None:
        return link
    try:
        with transaction.atomic():
            link = ShareLink.objects.create(code=_new_code(), **lookup)
            record(
                EventKind.SHARE_CREATED,
                store_id=store_of_target(kind, target_id),
                user_id=user.pk,
                ref=link.code,
            )
            return link
    except IntegrityError:  # a concurrent share of the same target won the race
        return ShareLink.objects.get(**lookup)


def store_of_target(kind: str, target_id: str) -> str:
    """The store a shared page belongs to (a product's, a store itself), for the insights;
    '' for pages that are no store's (a note, a circle)."""
    if kind == TargetKind.STORE:
        return target_id
    if kind == TargetKind.PRODUCT:
        found = Product.objects.filter(pk=target_id).values_list("store_id", flat=True).first()
        return found or ""
    return ""


def _ip_hash(request: HttpRequest) -> str:
    ip = request.META.get("REMOTE_ADDR", "") or ""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()


def record_visit(request: HttpRequest, code: str) -> ShareLink:
    """Record a visit through `code` and remember it in the session (last touch wins). The
    sharer's own visits are not recorded (self-referral)."""
    link = get_link(code)
    user = request.user if request.user.is_authenticated else None
    if user is not None and user.pk == link.sharer_id:
        return link
    if request.session.session_key is None:
        request.session.save()
    visit = Visit.objects.create(
        link=link,
        visitor=user,
        session_key=request.session.session_key or "",
        ip_hash=_ip_hash(request),
    )
    if not is_bot(request):
        record(
            EventKind.SHARE_VISIT,
            store_id=store_of_target(link.kind, link.target_id),
            user_id=user.pk if user is not None else "",
            visitor=visitor_of(request),
            source=Source.SHARE,
            ref=link.code,
            via=link.code,
        )
    request.session[SESSION_KEY] = {
        "code": link.code,
        "at": timezone.now().isoformat(),
        "visit": visit.pk,
    }
    return link


def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """After login or sign-up: the anonymous visit of this session now belongs to `user`.
    A touch through the user's own link is dropped (self-referral)."""
    if request is None or not hasattr(request, "session"):
        return
    ref = request.session.get(SESSION_KEY)
    if not isinstance(ref, dict) or not is_public_id(ref.get("visit")):
        return
    visit = Visit.objects.select_related("link").filter(pk=ref["visit"]).first()
    if visit is None or visit.link.sharer_id == user.pk:
        request.session.pop(SESSION_KEY, None)
        if visit is not None:
            visit.delete()
        return
    if visit.visitor_id is None:
        Visit.objects.filter(pk=visit.pk, visitor__isnull=True).update(visitor=user)


def _touch(session_ref: Any) -> tuple[str, datetime] | None:
    """(code, time) of a session's last touch, or None when absent or malformed."""
    if not isinstance(session_ref, dict):
        return None
    code, at = session_ref.get("code"), session_ref.get("at")
    if not isinstance(code, str) or not isinstance(at, str):
        return None
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return None
    return (code, when) if timezone.is_aware(when) else None


def attribute_order(order: Order, session_ref: Any) -> Attribution | None:
    """Credit `order` to the sharer of the buyer's last touch, if within the store's window.
    One attribution per order (an existing one is returned); self-referral ignored."""
    existing = Attribution.objects.filter(order=order).first()
    if existing is not None:
        return existing
    touch = _touch(session_ref)
    if touch is None:
        return None
    code, when = touch
    link = ShareLink.objects.filter(code=code).first()
    if link is None or link.sharer_id == order.buyer_id:
        return None
    window = timedelta(days=order.store.attribution_days)
    if not (when <= order.created_at <= when + window):
        return None
    attribution, _created = Attribution.objects.get_or_create(
        order=order, defaults={"link": link, "sharer_id": link.sharer_id}
    )
    return attribution


def attribute_orders(request: HttpRequest, orders: Iterable[Order]) -> None:
    """Attribute newly placed orders to the session's last touch. Never breaks a checkout."""
    session = getattr(request, "session", None)
    ref = session.get(SESSION_KEY) if session is not None else None
    if ref is None:
        return
    for order in orders:
        try:
            attribute_order(order, ref)
        except DomainError:
            log.exception("attribution failed for order %s", order.pk)


def on_orders_placed(
    sender: Any, request: HttpRequest, orders: Iterable[Order], **kwargs: Any
) -> None:
    """Last-touch attribution of the orders a checkout or buy-now just placed."""
    attribute_orders(request, orders)
