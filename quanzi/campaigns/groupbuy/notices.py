"""Telling a group's members how it ended, in the notification centre (circles).

When a group completes, each paid member hears that the order will ship; when it fails, each
member whose payment goes back hears so; someone whose payment arrives after the group closed
hears the same as the others. Each notice links to the member's own order. The services call
`tell_on_commit` in the transaction that closed the group (or took the late payment): nothing
is said of a close that rolled back, and a failure to notify is logged, never undoes the close.
A notice is written once per member and outcome (its order's link is the member's own), so a
replay — a doubled task, a redelivered webhook — says nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from quanzi.campaigns.groupbuy.models import GroupMember
from quanzi.circles.models import Notification, NotificationKind
from quanzi.circles.services.notifications import notify

logger = logging.getLogger("quanzi.groupbuy")

TEXTS = {
    NotificationKind.GROUP_COMPLETE: gettext_noop(
        "Group buy complete: %(product)s. Your order will ship soon."
    ),
    NotificationKind.GROUP_FAILED: gettext_noop(
        "Group buy failed: %(product)s was not filled in time. Your payment goes back to you."
    ),
}


def tell_on_commit(kind: NotificationKind, seat_ids: Iterable[str]) -> None:
    """Tell the people of these seats about `kind` once the current transaction commits."""
    seats = sorted(set(seat_ids))
    if seats:
        transaction.on_commit(lambda: tell(kind, seats), robust=True)


def tell(kind: NotificationKind, seat_ids: Iterable[str]) -> int:
    """Notify each seat's person of the group's outcome, unless they were told already;
    answers how many were told now. Written in the site's language (the notice is stored as
    text, and the person whose action closed the group is not its reader)."""
    seats = list(
        GroupMember.objects.filter(pk__in=list(seat_ids))
        .select_related("user", "group__campaign__product")
        .order_by("pk")
    )
    urls = {seat.pk: reverse("orders:detail", args=[seat.order_id]) for seat in seats}
    told = set(
        Notification.objects.filter(kind=kind, url__in=list(urls.values())).values_list(
            "url", flat=True
        )
    )
    count = 0
    with translation.override(settings.LANGUAGE_CODE):
        for seat in seats:
            if urls[seat.pk] in told:
                continue
            text = gettext(TEXTS[kind]) % {"product": seat.group.campaign.product.title}
            notify(seat.user, kind, text, url=urls[seat.pk])
            count += 1
    return count
