"""Wishes: the mentions the analysis found, merged into one `Wish` per thing asked for.

A new phrase joins the wish that already has it (the same words, after trimming); the others
are grouped with the store's wish phrases by the text model's `group` (paraphrases: "无糖款",
"不加糖的版本"). Regrouping keeps a wish's id where its group keeps one of its phrases (the
most common phrase names the group), so segments built on a wish survive new mentions. The
counts leave out the members who left the anonymous totals."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max, Min, Q

from quanzi.needs.models import Wish, WishMention
from quanzi.needs.privacy import out_of_aggregates
from quanzi.needs.text.base import get_model

MAX_PHRASES = 3000  # the store's most common phrases regrouped at once
MAX_LABEL = 60


def normalise(phrase: str) -> str:
    return " ".join(phrase.split()).strip()[:MAX_LABEL]


def recount(wish_ids: Iterable[str]) -> None:
    """Count each wish's mentions and askers again (and drop the wishes left without any)."""
    ids = list(set(wish_ids))
    if not ids:
        return
    counted = Q(~Q(user_id__in=out_of_aggregates()))
    rows = (
        WishMention.objects.filter(wish_id__in=ids)
        .values("wish_id")
        .annotate(
            n=Count("pk", filter=counted),
            askers=Count("user_id", filter=counted, distinct=True),
            first=Min("written_at"),
            last=Max("written_at"),
        )
    )
    seen = set()
    for row in rows:
        seen.add(row["wish_id"])
        Wish.objects.filter(pk=row["wish_id"]).update(
            mention_count=row["n"],
            asker_count=row["askers"],
            first_at=row["first"],
            last_at=row["last"],
        )
    Wish.objects.filter(pk__in=[i for i in ids if i not in seen]).delete()


def recount_user(user_id: int) -> None:
    """After a member changed their choice: every wish they asked for is counted again."""
    recount(WishMention.objects.filter(user_id=user_id).values_list("wish_id", flat=True))


def attach(store_id: str, mentions: list[WishMention]) -> None:
    """Give each new (unsaved) mention its wish, save them, regroup the store when a phrase is
    new to it, and count the wishes they touch."""
    if not mentions:
        return
    with transaction.atomic():
        known = _phrase_wishes(store_id, {m.text for m in mentions})
        fresh = sorted({m.text for m in mentions} - set(known))
        for phrase in fresh:
            wish = Wish.objects.create(store_id=store_id, label=phrase)
            known[phrase] = wish.pk
        for m in mentions:
            m.wish_id = known[m.text]
        WishMention.objects.bulk_create(mentions, ignore_conflicts=True)
        touched = set(known.values())
        if fresh:
            touched |= regroup(store_id)
        recount(touched)


def _phrase_wishes(store_id: str, phrases: set[str]) -> dict[str, str]:
    """{phrase: wish id} for the phrases the store knows (a wish's label or a mention's words)."""
    found: dict[str, str] = dict(
        Wish.objects.filter(store_id=store_id, label__in=phrases).values_list("label", "pk")
    )
    rest = phrases - set(found)
    if rest:
        for text, wish_id in (
            WishMention.objects.filter(wish__store_id=store_id, text__in=rest)
            .values_list("text", "wish_id")
            .distinct()
        ):
            found.setdefault(text, wish_id)
    return found


def regroup(store_id: str) -> set[str]:
    """Group the store's phrases again with the model; answers the wishes whose mentions moved
    or whose label changed."""
    rows = (
        WishMention.objects.filter(wish__store_id=store_id)
        .values("text", "wish_id")
        .annotate(n=Count("pk"))
    )
    counts: Counter[str] = Counter()
    current: dict[str, str] = {}
    for row in rows:
        counts[row["text"]] += row["n"]
        current.setdefault(row["text"], row["wish_id"])
    phrases = [p for p, _n in counts.most_common(MAX_PHRASES)]
    if not phrases:
        return set()
    labels = get_model().group(phrases)
    groups: dict[int, list[str]] = defaultdict(list)
    for phrase, group in zip(phrases, labels, strict=True):
        groups[group].append(phrase)
    rank = {p: i for i, p in enumerate(phrases)}
    wishes = {
        w.pk: w for w in Wish.objects.filter(store_id=store_id).only("pk", "label", "mention_count")
    }
    by_label = {w.label: w.pk for w in wishes.values()}
    used: set[str] = set()
    touched: set[str] = set()
    # The biggest groups choose first, so the wish most people asked for keeps its id.
    for members in sorted(groups.values(), key=lambda ps: -sum(counts[p] for p in ps)):
        # the most asked phrasing names the wish; between equals the shortest (the plainest)
        label = max(members, key=lambda p: (counts[p], -len(p), -rank[p]))
        wish_id = by_label.get(label)
        if wish_id is None or wish_id in used:
            candidates = [
                current[p] for p in members if current[p] not in used and current[p] in wishes
            ]
            wish_id = max(candidates, key=lambda i: wishes[i].mention_count) if candidates else None
        if wish_id is None:
            wish_id = Wish.objects.create(store_id=store_id, label=label).pk
        used.add(wish_id)
        if wish_id in wishes and wishes[wish_id].label != label:
            Wish.objects.filter(pk=wish_id).update(label=label)
            touched.add(wish_id)
        moved = [p for p in members if current[p] != wish_id]
        if moved:
            touched |= {current[p] for p in moved} | {wish_id}
            WishMention.objects.filter(wish__store_id=store_id, text__in=moved).update(
                wish_id=wish_id
            )
    return touched
