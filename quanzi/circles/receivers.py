"""The notification centre hears of other apps' events (connected in CirclesConfig.ready).

After-sales (orders): each new line of a request's thread — a message, or a step of the request —
is told to the other side, with the words and links orders gives (`thread.notices_for`). The line
is sent after its transaction commits, so a message that rolled back tells nobody; a failure is
logged by `quanzi.core.events` and never undoes the message. A notice links to its line (the
line's id is in the link), so a line told twice is written once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation

from quanzi.circles.models import Notification, NotificationKind
from quanzi.circles.services.notifications import notify
from quanzi.orders.services import thread
from quanzi.orders.signals import after_sale_line_added


def on_after_sale_line(sender: Any, line_id: str, **kwargs: Any) -> None:
    """Written in the site's language: a notice is stored as text, and its reader is not the
    person whose request wrote it."""
    with translation.override(settings.LANGUAGE_CODE):
        notices = thread.notices_for(line_id)
    told = set(
        Notification.objects.filter(
            kind=NotificationKind.AFTER_SALES, url__in=[n.url for n in notices]
        ).values_list("user_id", "url")
    )
    for notice in notices:
        if (notice.user.pk, notice.url) not in told:
            notify(notice.user, NotificationKind.AFTER_SALES, notice.text, url=notice.url)


def connect() -> None:
    after_sale_line_added.connect(on_after_sale_line, dispatch_uid="circles.after_sale_line")
