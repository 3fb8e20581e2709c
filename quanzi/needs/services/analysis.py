"""Analysis: the text model reads the pending items in batches, in the task worker, after the
writers' transactions committed (never on the request path). Each item gets its sentiment,
motives and keywords; each wish span becomes a `WishMention` merged into the store's wishes."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from quanzi.core.events import send_on_commit
from quanzi.needs.models import TextItem, WishMention
from quanzi.needs.services.wishes import attach, normalise, recount, regroup
from quanzi.needs.signals import text_analysed
from quanzi.needs.text.base import get_model

log = logging.getLogger("quanzi.needs")

BATCH = 200


def analyse_items(items: list[TextItem]) -> int:
    """Analyse these items (again): one `analyze` call for all of them."""
    if not items:
        return 0
    model = get_model()
    analyses = model.analyze([item.text for item in items])
    now = timezone.now()
    mentions: dict[str, list[WishMention]] = defaultdict(list)
    with transaction.atomic():
        old = WishMention.objects.filter(item_id__in=[i.pk for i in items])
        stale = set(old.values_list("wish_id", flat=True))
        old.delete()
        for item, analysis in zip(items, analyses, strict=True):
            item.sentiment = str(analysis.sentiment)
            item.sentiment_score = float(analysis.sentiment_score)
            item.motives = [str(m) for m in analysis.motives]
            item.keywords = list(analysis.keywords)[:10]
            item.analysed_at = now
            item.model = model.name[:40]
            for span in analysis.wishes:
                phrase = normalise(span.text)
                if phrase:
                    mentions[item.store_id].append(
                        WishMention(
                            item_id=item.pk,
                            user_id=item.author_id,
                            start=span.start,
                            end=span.end,
                            text=phrase,
                            written_at=item.written_at,
                        )
                    )
        TextItem.objects.bulk_update(
            items,
            ["sentiment", "sentiment_score", "motives", "keywords", "analysed_at", "model"],
        )
        recount(stale)
        for store_id, found in mentions.items():
            attach(store_id, found)
        send_on_commit(text_analysed, TextItem, item_ids=[item.pk for item in items])
    return len(items)


def analyse_pending(batch: int = BATCH, *, limit: int | None = None) -> int:
    """Analyse the items still waiting, a batch at a time; answers how many were analysed."""
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        items = list(TextItem.objects.filter(analysed_at=None).order_by("pk")[:size])
        if not items:
            break
        done += analyse_items(items)
        if len(items) < size:
            break
    return done


def reanalyse_store(store_id: str, batch: int = BATCH) -> int:
    """Every item of the store again (a better model landed), then one regroup of its wishes."""
    done = 0
    last = 0
    while True:
        items = list(TextItem.objects.filter(store_id=store_id, pk__gt=last).order_by("pk")[:batch])
        if not items:
            break
        done += analyse_items(items)
        last = items[-1].pk
    recount(regroup(store_id))
    return done
