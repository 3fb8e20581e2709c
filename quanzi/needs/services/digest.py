"""The weekly digest: for each store with community text, once a week (Monday, after the
week closed), what a merchant should read — the top wishes, the rising topics, the change of
sentiment against the week before, and the questions members asked in its circles that nobody
answered. Stored (`Digest`), shown in the console, notified to the owner and to the staff who
see the insights (`NotificationKind.DIGEST`).

A question is a member's chat text that asks (a question mark, 吗 at the end, 怎么, 多少…). It
is answered when, within `NEEDS_ANSWER_HOURS` (24), someone else replied to it, or one of the
store's people wrote in that circle. The questions judged in a week's digest are those asked in
the week shifted back by those hours, so each question is judged once, with its full window."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from quanzi.needs import selectors
from quanzi.needs.models import Digest, NeedsMark, Source, TextItem
from quanzi.needs.privacy import out_of_aggregates
from quanzi.stores.models import StaffRole, Store, StoreStaff

QUESTION = re.compile(
    r"[?？]|吗[。！!~～\s]*$|怎么|如何|多少|什么时候|哪里|哪儿|能不能|可不可以|是不是|有没有"
)
MARK = "digest"
TOP_WISHES = 10
TOP_TOPICS = 5
MAX_UNANSWERED = 20
CHUNK = 1000


def answer_hours() -> int:
    return int(getattr(settings, "NEEDS_ANSWER_HOURS", 24))


def is_question(text: str) -> bool:
    return bool(QUESTION.search(text))


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    since = timezone.make_aware(datetime.combine(week_start, time.min))
    return since, since + timedelta(days=7)


def last_closed_week(today: date | None = None) -> date:
    """The Monday of the last full week (Monday to Sunday, local days) before today."""
    today = today or timezone.localdate()
    return today - timedelta(days=today.weekday() + 7)


def unanswered(store: Store, since: datetime, until: datetime) -> tuple[int, list[dict[str, Any]]]:
    """The questions asked in [since, until) in the store's circles left without an answer."""
    from quanzi.circles.models import Message, MessageKind

    hours = timedelta(hours=answer_hours())
    # The database picks the candidates by the same pattern (PostgreSQL's and Python's regular
    # expressions agree on this one; SQLite's REGEXP is Python's), so only questions are loaded.
    questions = [
        TextItem(
            pk=pk,
            store=store,
            source=Source.CHAT,
            source_id=source_id,
            circle_id=circle_id,
            author_id=author_id,
            text=text,
            written_at=written_at,
        )
        for pk, source_id, circle_id, author_id, text, written_at in TextItem.objects.filter(
            store=store,
            source=Source.CHAT,
            written_at__gte=since,
            written_at__lt=until,
            text__regex=QUESTION.pattern,
        )
        .exclude(author_id__in=out_of_aggregates())
        .order_by("written_at")
        .values_list("pk", "source_id", "circle_id", "author_id", "text", "written_at")
        .iterator(chunk_size=CHUNK)
        if is_question(text)
    ]
    if not questions:
        return 0, []
    replied: set[str] = set()
    by_id = {q.source_id: q for q in questions}
    ids = list(by_id)
    for start in range(0, len(ids), CHUNK):
        for reply_to, sender, at in Message.objects.filter(
            reply_to_id__in=ids[start : start + CHUNK],
            recalled_at=None,
            removed_at=None,
        ).values_list("reply_to_id", "sender_id", "created_at"):
            q = by_id[reply_to]
            if sender != q.author_id and at <= q.written_at + hours:
                replied.add(reply_to)
    staff = list(StoreStaff.objects.filter(store=store).values_list("user_id", flat=True))
    said: dict[str, list[datetime]] = defaultdict(list)
    for circle_id, at in (
        Message.objects.filter(
            circle__store=store,
            sender_id__in=staff,
            kind=MessageKind.TEXT,
            created_at__gte=since,
            created_at__lt=until + hours,
            removed_at=None,
        )
        .order_by("created_at")
        .values_list("circle_id", "created_at")
    ):
        said[circle_id].append(at)
    left = []
    for q in questions:
        if q.source_id in replied:
            continue
        times = said.get(q.circle_id or "", [])
        i = bisect.bisect_right(times, q.written_at)
        if i < len(times) and times[i] <= q.written_at + hours:
            continue
        left.append(q)
    links = selectors.links_of(store, left[-MAX_UNANSWERED:])
    shown = [
        {"text": q.text[:200], "link": links[q.pk], "written_at": q.written_at.isoformat()}
        for q in reversed(left[-MAX_UNANSWERED:])
    ]
    return len(left), shown


def _sentiment(summary: selectors.SentimentSummary) -> dict[str, Any]:
    return {
        "positive": summary.positive,
        "neutral": summary.neutral,
        "negative": summary.negative,
        "average": summary.average,
        "total": summary.total,
    }


def digest_content(store: Store, week_start: date) -> dict[str, Any]:
    since, until = week_bounds(week_start)
    before = (since - timedelta(days=7), since)
    wishes = selectors.wishes_between(store, (since, until), before, limit=TOP_WISHES)
    topics = [
        t
        for t in selectors.topics_between(store, (since, until), before)
        if t.count > 0 and t.growth > 0
    ][:TOP_TOPICS]
    now = selectors.sentiment_between(store, since, until)
    then = selectors.sentiment_between(store, *before)
    hours = timedelta(hours=answer_hours())
    left, questions = unanswered(store, since - hours, until - hours)
    return {
        "week_start": week_start.isoformat(),
        "week_end": (week_start + timedelta(days=6)).isoformat(),
        "texts": now.total,
        "wishes": [
            {
                "id": w.id,
                "label": w.label,
                "count": w.count,
                "previous": w.previous,
                "askers": w.askers,
            }
            for w in wishes
        ],
        "topics": [
            {
                "label": t.label,
                "count": t.count,
                "previous": t.previous,
                "share": round(t.share, 3),
                "previous_share": round(t.previous_share, 3),
            }
            for t in topics
        ],
        "sentiment": {
            "now": _sentiment(now),
            "before": _sentiment(then),
            "change": round(now.average - then.average, 3),
        },
        "unanswered_count": left,
        "unanswered": questions,
        "answer_hours": answer_hours(),
    }


def build_digest(store: Store, week_start: date, *, notify: bool = True) -> Digest:
    """The store's digest of that week (built once; a second call answers the first)."""
    existing = Digest.objects.filter(store=store, week_start=week_start).first()
    if existing is not None:
        return existing
    content = digest_content(store, week_start)
    try:
        with transaction.atomic():
            digest = Digest.objects.create(store=store, week_start=week_start, content=content)
            if notify:
                _notify(store, digest)
    except IntegrityError:
        return Digest.objects.get(store=store, week_start=week_start)
    return digest


def _notify(store: Store, digest: Digest) -> None:
    from quanzi.circles.models import NotificationKind
    from quanzi.circles.services.notifications import notify

    url = reverse("needs:digest", args=[store.pk, digest.pk])
    readers = StoreStaff.objects.filter(store=store).select_related("user")
    for staff in readers:
        if staff.role != StaffRole.OWNER and not staff.sees_insights:
            continue
        with override(settings.LANGUAGE_CODE):
            text = _("%(store)s: what your community said in the week of %(day)s") % {
                "store": store.name,
                "day": digest.week_start.strftime("%m-%d"),
            }
        notify(staff.user, NotificationKind.DIGEST, text, url=url)


def weekly(today: date | None = None) -> int:
    """Build the last closed week's digests once (the sweep's mark); answers how many."""
    week = last_closed_week(today)
    mark, _created = NeedsMark.objects.get_or_create(name=MARK)
    if mark.day is not None and mark.day >= week:
        return 0
    since, until = week_bounds(week)
    store_ids = set(
        TextItem.objects.filter(written_at__gte=since, written_at__lt=until)
        .values_list("store_id", flat=True)
        .distinct()
    )
    built = 0
    for store in Store.objects.filter(pk__in=store_ids):
        build_digest(store, week)
        built += 1
    NeedsMark.objects.filter(pk=mark.pk).update(day=week)
    return built
