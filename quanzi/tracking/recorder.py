"""Recording events on the hot paths without slowing them.

`record(...)` builds the row and hands it over once the caller's transaction commits (an order
that rolls back was never paid); the row waits in this process's buffer, and the buffer is
written in one `bulk_create` when it holds `TRACKING_BATCH` rows, or at the end of the first
request finishing `TRACKING_FLUSH_SECONDS` after the oldest row came in (Django sends
`request_finished` after the response has gone out), or when a row comes in after that time
(the chat's sockets have no request cycle), when the server shuts down (the ASGI lifespan,
`lifespan.py`) and when the process exits. Recording
never raises into the request: a failure to write is logged and the batch is dropped — these
are counts for the dashboard; money figures are read from orders and the ledger, never from
here.

`visitor_of(request)` is who: the account's id, or for a visitor not signed in a daily hash of
the address and browser (as Plausible counts, no cookie); bots are not recorded at all.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import re
import threading
import time
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from quanzi.tracking.models import Event, Source

log = logging.getLogger("quanzi.tracking")

BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|bingpreview|facebookexternalhit|embedly|preview|monitor|"
    r"curl|wget|python-|httpx|aiohttp|go-http-client|java/|okhttp|libwww|scrapy|headless",
    re.IGNORECASE,
)

_lock = threading.Lock()
_buffer: list[Event] = []
_oldest: float | None = None


def _batch() -> int:
    return int(getattr(settings, "TRACKING_BATCH", 200))


def _flush_seconds() -> float:
    return float(getattr(settings, "TRACKING_FLUSH_SECONDS", 5.0))


def is_bot(request: HttpRequest) -> bool:
    """A crawler, a link preview or a script: no user agent, or one that says so."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    return not agent or bool(BOT_AGENTS.search(agent))


def visitor_of(request: HttpRequest) -> str:
    """The account's id when signed in; else a hash of today, the address and the browser
    (salted with the secret key), so the same phone counts once a day and nothing identifies
    it."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return str(user.pk)
    address = request.META.get("REMOTE_ADDR", "")
    agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    day = timezone.localdate().isoformat()
    raw = f"{settings.SECRET_KEY}|{day}|{address}|{agent}".encode()
    return "a" + hashlib.sha256(raw).hexdigest()[:23]


VIA = re.compile(r"[A-Za-z0-9_-]{1,32}")


def via_of(request: HttpRequest) -> str:
    """The id of what brought the visit (`?via=`: a share code, a note, a circle), when it
    looks like an id; anything else is dropped."""
    wanted = request.GET.get("via", "")
    return wanted if VIA.fullmatch(wanted) else ""


def source_of(request: HttpRequest) -> str:
    """Where the visit came from: the link's `src` (the chat card, a note, the feed, search and
    campaign pages add it; a share link's redirect says `share`), else direct."""
    wanted = request.GET.get("src", "")
    return wanted if wanted in Source.values else Source.DIRECT


def record(
    kind: str,
    *,
    store_id: str = "",
    user_id: int | str = "",
    visitor: str = "",
    source: str = "",
    ref: str = "",
    via: str = "",
    amount: int = 0,
) -> None:
    """Count an event once the current transaction commits (at once outside one). Never
    raises."""
    if not getattr(settings, "TRACKING_ENABLED", True):
        return
    try:
        row = Event(
            at=timezone.now(),
            kind=kind,
            store_id=str(store_id or "")[:16],
            user_id=str(user_id or "")[:16],
            visitor=str(visitor or user_id or "")[:32],
            source=str(source or "")[:10],
            ref=str(ref or "")[:32],
            via=str(via or "")[:32],
            amount=int(amount),
        )
        transaction.on_commit(_once(row))
    except Exception:
        log.exception("could not record a %s event", kind)


def record_visit(request: HttpRequest, kind: str, *, store_id: str, ref: str = "") -> None:
    """A page view (product or store) by a person, with its source; bots are not counted."""
    if is_bot(request):
        return
    user = getattr(request, "user", None)
    record(
        kind,
        store_id=store_id,
        user_id=str(user.pk) if user is not None and user.is_authenticated else "",
        visitor=visitor_of(request),
        source=source_of(request),
        ref=ref,
        via=via_of(request),
    )


def _once(row: Event) -> Any:
    """The commit callback that hands `row` over: once, however often it is called (nested
    test captures run a callback more than once)."""
    kept = False

    def keep() -> None:
        nonlocal kept
        if not kept:
            kept = True
            _keep(row)

    return keep


def _keep(row: Event) -> None:
    """Buffer the row; write the buffer when it is full, or when its oldest row has waited
    the flush time (traffic with no request cycle, the chat's sockets, flushes here)."""
    global _oldest
    with _lock:
        _buffer.append(row)
        now = time.monotonic()
        if _oldest is None:
            _oldest = now
        due = len(_buffer) >= _batch() or now - _oldest >= _flush_seconds()
    if due:
        flush()


def pending() -> int:
    """Rows waiting in this process's buffer."""
    with _lock:
        return len(_buffer)


def flush() -> int:
    """Write the buffered rows in one statement; answers how many. A failure is logged and
    the batch dropped (never raised: the caller's work is done)."""
    global _oldest
    with _lock:
        rows = list(_buffer)
        _buffer.clear()
        _oldest = None
    if not rows:
        return 0
    try:
        with transaction.atomic():  # a savepoint: a failure never breaks the caller's transaction
            Event.objects.bulk_create(rows, batch_size=500)
    except Exception:
        log.exception("could not write %d tracking events; dropped", len(rows))
        return 0
    return len(rows)


def _flush_if_due(**_: Any) -> None:
    with _lock:
        due = _oldest is not None and time.monotonic() - _oldest >= _flush_seconds()
    if due:
        flush()


def connect() -> None:
    request_finished.connect(_flush_if_due, dispatch_uid="tracking.flush_if_due")
    atexit.register(flush)
