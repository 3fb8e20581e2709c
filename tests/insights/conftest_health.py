"""Helpers of the circle-health and campaign-results tests (imported explicitly: this is not a
conftest pytest finds). Rows are written directly with known timestamps, so every figure has
an answer worked out by hand."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.circles.models import Circle, Membership, Message, MessageKind
from quanzi.circles.services import membership as circle_services
from quanzi.orders.models import Order
from quanzi.stores.models import StaffRole, Store, StoreStaff
from quanzi.tracking.models import DailyCount, EventKind
from tests.factories import UserFactory, store_with_owner


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """An aware moment of a local day."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def a_store(name: str = "阿梅的咖啡小店") -> tuple[User, Store]:
    owner = UserFactory(nickname="店主")
    return owner, store_with_owner(owner, name=name)


def a_staff(store: Store, *, sees_insights: bool = False) -> User:
    user = UserFactory(nickname="店员")
    StoreStaff.objects.create(
        store=store, user=user, role=StaffRole.STAFF, sees_insights=sees_insights
    )
    return user


def a_circle(owner: User, store: Store | None, name: str, *, born: datetime) -> Circle:
    circle = circle_services.create_circle(
        owner,
        circle_services.CircleInput(name=name, store_id=store.pk if store else None),
    )
    Circle.objects.filter(pk=circle.pk).update(created_at=born)
    circle.refresh_from_db()
    return circle


def a_member(circle: Circle, joined_at: datetime, *, state: str = "active") -> User:
    user = UserFactory()
    membership = Membership.objects.create(circle=circle, user=user, state=state)
    Membership.objects.filter(pk=membership.pk).update(joined_at=joined_at)
    return user


def a_message(
    circle: Circle,
    sender: User | None,
    created_at: datetime,
    *,
    commercial: bool = False,
    kind: str = MessageKind.TEXT,
    removed: bool = False,
) -> Message:
    seq = Message.objects.filter(circle=circle).count() + 1
    message = Message.objects.create(
        circle=circle,
        seq=seq,
        sender=sender,
        kind=kind,
        text="你好",
        is_commercial=commercial,
        removed_at=created_at if removed else None,
    )
    Message.objects.filter(pk=message.pk).update(created_at=created_at)
    return message


def rolled_up(store: Store, circle: Circle, day: date, *, joins: int = 0, leaves: int = 0) -> None:
    """What the tracking rollup holds for a day of the circle."""
    for kind, count in ((EventKind.CIRCLE_JOIN, joins), (EventKind.CIRCLE_LEAVE, leaves)):
        if count:
            DailyCount.objects.create(
                store_id=store.pk, day=day, kind=kind, ref=circle.pk, count=count
            )


def an_order(
    buyer: User,
    store: Store,
    total: int,
    *,
    paid_at: datetime | None,
    refunded: int = 0,
    created_at: datetime | None = None,
    **fields: Any,
) -> Order:
    order = Order.objects.create(
        buyer=buyer,
        store=store,
        subtotal=total,
        total=total,
        refunded_amount=refunded,
        address={"name": "张三"},
        pay_deadline=paid_at or timezone.now(),
        paid_at=paid_at,
        **fields,
    )
    if created_at is not None:
        Order.objects.filter(pk=order.pk).update(created_at=created_at)
    return order
