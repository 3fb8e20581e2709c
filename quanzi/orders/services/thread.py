"""The thread of an after-sales request: the buyer and the store's staff write to each other
(text and photos) while the request is open, and every step of the request is a system line in
it (requested, return sent, approved, rejected with the merchant's answer, refunded, withdrawn).

The thread takes messages only while the request is open (waiting for the merchant, or approved
and refunding). Once it is decided, withdrawn or refunded, its thread is the record the outcome
rests on and stays as it was: a buyer who still disagrees opens a new request (the order allows
one as long as it is within its after-sales window), which starts a thread of its own.

Every line is written under the request's row lock (`locks.lock_after_sale`, or the conditional
update of the step that adds it) and numbered in order; the other side hears of it in the
notification centre once it commits (`signals.after_sale_line_added`, `notices_for`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Prefetch
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.errors import CatalogCode
from quanzi.core.errors import Conflict, CoreCode, InvalidInput, NotFound
from quanzi.core.events import send_on_commit
from quanzi.core.ids import is_public_id
from quanzi.core.images import PreparedImage, delete_files, prepare_image, save_image_rows
from quanzi.core.validation import clean_text
from quanzi.orders.errors import OrderCode
from quanzi.orders.locks import lock_after_sale
from quanzi.orders.models import (
    MAX_THREAD_PHOTOS,
    MAX_THREAD_TEXT,
    AfterSale,
    AfterSaleEvent,
    AfterSaleMessage,
    AfterSalePhoto,
    AfterSaleRole,
    AfterSaleStatus,
    Order,
)
from quanzi.orders.services.access import Need, access_order
from quanzi.orders.signals import after_sale_line_added
from quanzi.orders.thread_lines import Side, author_name, describe
from quanzi.stores.services import staff_of

OPEN_STATUSES = (AfterSaleStatus.REQUESTED, AfterSaleStatus.APPROVED)
MAX_MESSAGES = 100  # messages of people in one thread
MAX_PHOTOS_IN_THREAD = 36  # the request's 6 and 30 more

CLOSED = _(
    "This after-sales request is closed (“%(status)s”): its messages can no longer change. "
    "To ask again, open a new request from the order."
)

clean_message_text = partial(
    clean_text, multiline=True, max_length=MAX_THREAD_TEXT, too_long_code=CoreCode.TEXT_TOO_LONG
)


@dataclass(frozen=True)
class MessageInput:
    """A message of the thread: text, photos, or both."""

    text: str = ""
    photos: Sequence[UploadedFile] = field(default_factory=tuple)


def prepare_photos(photos: Sequence[UploadedFile]) -> list[PreparedImage]:
    """Check and thumbnail the photos of one line before anything is written: at most 6, each a
    real image within the size limits (quanzi.core.images)."""
    if len(photos) > MAX_THREAD_PHOTOS:
        raise InvalidInput(
            _("At most %(n)d photos at a time.") % {"n": MAX_THREAD_PHOTOS},
            code=CatalogCode.TOO_MANY_IMAGES,
            field="photos",
        )
    return [prepare_image(upload, field="photos") for upload in photos]


def add_line(
    after_sale: AfterSale,
    role: str,
    *,
    author: User | None,
    event: str = "",
    params: dict[str, Any] | None = None,
    text: str = "",
    photos: Sequence[PreparedImage] = (),
    written: list[str] | None = None,
) -> AfterSaleMessage:
    """Append a line to the thread; the caller's transaction holds the request's row (its lock,
    or the conditional update of the step) so that the next number is this line's. Photos are
    stored under random names; `written` collects them for the caller to delete on failure."""
    last = AfterSaleMessage.objects.filter(after_sale_id=after_sale.pk).aggregate(n=Max("seq"))
    line = AfterSaleMessage.objects.create(
        after_sale_id=after_sale.pk,
        seq=0 if last["n"] is None else last["n"] + 1,
        author=author,
        role=role,
        event=event,
        params=params or {},
        text=text,
    )
    if photos:
        save_image_rows(
            (
                (
                    AfterSalePhoto(message=line, width=p.width, height=p.height, position=i),
                    p,
                )
                for i, p in enumerate(photos)
            ),
            [] if written is None else written,
        )
    send_on_commit(after_sale_line_added, AfterSaleMessage, line_id=line.pk)
    return line


def record(
    after_sale: AfterSale,
    event: str,
    *,
    author: User | None = None,
    params: dict[str, Any] | None = None,
    text: str = "",
    photos: Sequence[PreparedImage] = (),
    written: list[str] | None = None,
) -> AfterSaleMessage:
    """A system line: a step of the request, stored as its code and parameters."""
    return add_line(
        after_sale,
        AfterSaleRole.SYSTEM,
        author=author,
        event=event,
        params=params,
        text=text,
        photos=photos,
        written=written,
    )


def after_sale_of(order: Order, after_sale_id: str) -> AfterSale:
    found = None
    if is_public_id(after_sale_id):
        found = AfterSale.objects.filter(pk=after_sale_id, order=order).first()
    if found is None:
        raise NotFound(_("After-sales request not found."), code=OrderCode.AFTER_SALE_NOT_FOUND)
    return found


def _side(user: User, order: Order, need: Need) -> Side:
    if need == "buyer":
        return "buyer"
    if need == "store":
        return "merchant"
    return "buyer" if order.buyer_id == user.pk else "merchant"


def is_open(after_sale: AfterSale) -> bool:
    return after_sale.status in OPEN_STATUSES


def closed_error(after_sale: AfterSale) -> Conflict:
    return Conflict(
        CLOSED % {"status": AfterSaleStatus(after_sale.status).label},
        code=OrderCode.AFTER_SALE_CLOSED,
    )


def post_message(
    user: User, order_id: str, after_sale_id: str, data: MessageInput, *, need: Need = "any"
) -> AfterSaleMessage:
    """The buyer or one of the store's staff writes in an open request's thread. `need` says
    as whom ('buyer', 'store'; 'any': the buyer if they are, else the store's staff, as the
    API has it); anyone else finds no such order (404). A closed request answers 409."""
    order = access_order(user, order_id, need=need)
    side = _side(user, order, need)
    after_sale = after_sale_of(order, after_sale_id)
    text = clean_message_text(data.text, field="text")
    photos = list(data.photos or ())
    if not text and not photos:
        raise InvalidInput(
            _("Write a message or add a photo."), code=CoreCode.REQUIRED, field="text"
        )
    if not is_open(after_sale):
        raise closed_error(after_sale)
    prepared = prepare_photos(photos)
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = lock_after_sale(after_sale.pk, order)
            if locked is None:  # cannot happen: requests are never deleted
                raise NotFound(
                    _("After-sales request not found."), code=OrderCode.AFTER_SALE_NOT_FOUND
                )
            if not is_open(locked):
                raise closed_error(locked)
            _check_room(locked, len(prepared))
            role = AfterSaleRole.BUYER if side == "buyer" else AfterSaleRole.MERCHANT
            line = add_line(locked, role, author=user, text=text, photos=prepared, written=written)
    except BaseException:
        delete_files(written)
        raise
    return line


def _check_room(after_sale: AfterSale, photos: int) -> None:
    people = AfterSaleMessage.objects.filter(after_sale=after_sale).exclude(
        role=AfterSaleRole.SYSTEM
    )
    if people.count() >= MAX_MESSAGES:
        raise Conflict(
            _("This thread holds as many messages as it may (%(n)d).") % {"n": MAX_MESSAGES},
            code=OrderCode.THREAD_FULL,
        )
    if photos:
        held = AfterSalePhoto.objects.filter(message__after_sale=after_sale).count()
        if held + photos > MAX_PHOTOS_IN_THREAD:
            raise Conflict(
                _("This thread holds as many photos as it may (%(n)d).")
                % {"n": MAX_PHOTOS_IN_THREAD},
                code=OrderCode.THREAD_FULL,
            )


# --- Reading ---------------------------------------------------------------------------------


def lines_prefetch() -> Prefetch[Any]:
    """The thread of each request, in order, with authors and photos (three queries a page)."""
    return Prefetch(
        "messages",
        queryset=AfterSaleMessage.objects.select_related("author")
        .prefetch_related("photos")
        .order_by("seq"),
    )


@dataclass(frozen=True)
class Thread:
    order: Order
    after_sale: AfterSale
    side: Side
    lines: list[AfterSaleMessage]

    @property
    def open(self) -> bool:
        return is_open(self.after_sale)


def thread_of(user: User, order_id: str, after_sale_id: str, *, need: Need = "any") -> Thread:
    """A request's thread, for its buyer and its store's staff (404 for anyone else)."""
    order = access_order(user, order_id, need=need)
    found = None
    if is_public_id(after_sale_id):
        found = (
            AfterSale.objects.filter(pk=after_sale_id, order=order)
            .prefetch_related(lines_prefetch())
            .first()
        )
    if found is None:
        raise NotFound(_("After-sales request not found."), code=OrderCode.AFTER_SALE_NOT_FOUND)
    return Thread(order, found, _side(user, order, need), list(found.messages.all()))


# --- Telling the other side ------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """What the notification centre tells one person about a new line, and where it links."""

    user: User
    text: str
    url: str


NOTICE = gettext_noop("After-sales · order %(number)s: %(what)s")
SAID = gettext_noop("%(name)s: %(text)s")


def _photos_only(count: int) -> str:
    return ngettext("sent a photo", "sent %(n)d photos", count) % {"n": count}


def notices_for(line_id: str) -> list[Notice]:
    """Who hears of a new line, in the current language: a message goes to the other side; a
    step goes to the side that did not take it (the store hears of a request, a return sent, a
    withdrawal and a refund that failed; the buyer of a decision and of the refund). The author
    is never told of their own line. Each notice links to the line on its reader's order page."""
    line = (
        AfterSaleMessage.objects.select_related(
            "author", "after_sale__order__store", "after_sale__order__buyer"
        )
        .filter(pk=line_id)
        .first()
    )
    if line is None:
        return []
    order = line.after_sale.order
    to = _audience(line)
    if to == "buyer":
        people = [order.buyer]
        url = reverse("orders:detail", args=[order.pk])
    else:
        people = [member.user for member in staff_of(order.store)]
        url = reverse("orders:console_order", args=[order.store_id, order.pk])
    if line.role == AfterSaleRole.SYSTEM:
        what = describe(line)
    else:
        count = line.photos.count()
        words = line.text or _photos_only(count)
        what = gettext(SAID) % {"name": author_name(line, order, to), "text": words}
    text = gettext(NOTICE) % {"number": order.number, "what": what}
    return [
        Notice(user=person, text=text, url=f"{url}#as-{line.pk}")
        for person in people
        if person.pk != line.author_id
    ]


# The steps the store hears of: the buyer's, and a failed refund (the merchant decides again).
STORE_HEARS = {
    AfterSaleEvent.REQUESTED,
    AfterSaleEvent.RETURN_TRACKING,
    AfterSaleEvent.WITHDRAWN,
    AfterSaleEvent.REFUND_FAILED,
}


def _audience(line: AfterSaleMessage) -> Side:
    if line.role == AfterSaleRole.BUYER:
        return "merchant"
    if line.role == AfterSaleRole.MERCHANT:
        return "buyer"
    return "merchant" if line.event in STORE_HEARS else "buyer"
