"""The analysis: the site's rows → the detectors → scores and cases (docs/trust.md).

`run_analysis` reads the records of the last 180 days (`quanzi.trust.collect`), runs the
detectors (`analyse`, pure code: `quanzi.trust.detect`), then:

1. writes each review's and account's score with its reasons (`ReviewScore`, `AccountScore`),
   only the rows that changed, in bulk;
2. for each ring (`Block`) scoring at least the operator's `review_flag`, finds the case it
   continues — one not dismissed with the same fingerprint, else the one sharing most members
   (at least half of the smaller group) — or opens a case, in the store of most of its products.
   Members, products and reviews are only ever added (a decided case keeps its history); the
   case records OPENED, or UPDATED when it changed (who: the detector, why: in words). A ring
   scoring at least `hold` has its reviews held out of view and rating at once
   (`services.cases.hold_reviews`), and new reviews of a case whose reviews are held are held
   with them — never after an operator restored the case's reviews;
3. a dismissed case is reopened (REOPEN) only by a ring that grew beyond it (new members or
   products); the same ring again changes nothing;
4. a case an operator actioned keeps following its ring: new reviews by its members of its
   products join it (even when the detectors no longer see the ring), held if the case's
   reviews are held.

Runs are serialised by the settings row's lock (`locks.lock_settings`), taken for each ring's
transaction, so two runs never open the same case twice."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext

from quanzi.reviews.models import Review
from quanzi.trust.collect import Records, collect
from quanzi.trust.detect.records import (
    AccountRecord,
    Block,
    Findings,
    ReviewRecord,
    Scored,
    Thresholds,
)
from quanzi.trust.locks import lock_case, lock_settings
from quanzi.trust.models import (
    AccountScore,
    ActionKind,
    Case,
    CaseAction,
    CaseMember,
    CaseProduct,
    CaseReview,
    CaseStatus,
    ReviewScore,
)
from quanzi.trust.services import indicator
from quanzi.trust.services import settings as trust_settings
from quanzi.trust.services.cases import hold_reviews

CHUNK = 500  # ids per IN (…) of the score look-ups
LIVE = (CaseStatus.OPEN, CaseStatus.ACTIONED)
MAX_REASON = 500  # CaseAction.reason

T = TypeVar("T")


def analyse(
    reviews: Sequence[ReviewRecord],
    accounts: Sequence[AccountRecord],
    thresholds: Thresholds,
    now: float,
) -> Findings:
    """The detectors (`quanzi.trust.detect.analyse.analyse`): pure code over the records,
    imported when first run so that the pipeline and the detectors load independently."""
    from quanzi.trust.detect.analyse import (  # type: ignore[import-not-found,unused-ignore]
        analyse as detect,
    )

    findings: Findings = detect(list(reviews), list(accounts), thresholds, now)
    return findings


@dataclass(frozen=True)
class AnalysisRun:
    """What one run did."""

    at: datetime
    reviews: int  # reviews read
    accounts: int  # accounts read
    review_scores: int  # review scores written (new or changed)
    account_scores: int
    rings: int  # rings the detectors found
    flagged: int  # of which at least the flag threshold
    opened: int  # cases opened
    updated: int  # cases that changed
    reopened: int  # dismissed cases reopened by a ring that grew
    held: int  # reviews newly held out of the rating

    def lines(self) -> list[str]:
        """The summary in words (the `trust_analyse` command prints it)."""
        return [
            gettext("Read %(reviews)d reviews by %(accounts)d accounts.")
            % {"reviews": self.reviews, "accounts": self.accounts},
            gettext("Scores written: %(reviews)d reviews, %(accounts)d accounts.")
            % {"reviews": self.review_scores, "accounts": self.account_scores},
            gettext("Rings found: %(rings)d, of which %(flagged)d flagged.")
            % {"rings": self.rings, "flagged": self.flagged},
            gettext(
                "Cases opened: %(opened)d, updated: %(updated)d, reopened: %(reopened)d; "
                "reviews held: %(held)d."
            )
            % {
                "opened": self.opened,
                "updated": self.updated,
                "reopened": self.reopened,
                "held": self.held,
            },
        ]


@dataclass
class _Tally:
    opened: int = 0
    updated: int = 0
    reopened: int = 0
    held: int = 0


@dataclass
class _Known:
    """The keys the records hold, so a ring names only rows that exist."""

    reviews: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    store_of: dict[str, str] = field(default_factory=dict)  # product → store


def run_analysis(now: datetime | None = None) -> AnalysisRun:
    """Collect, analyse, write the scores and the cases (see the module's docstring)."""
    now = now or timezone.now()
    row = trust_settings.current()
    records = collect(now)
    findings = analyse(
        records.reviews, records.accounts, trust_settings.thresholds(row), now.timestamp()
    )
    known = _known(records)
    review_scores = write_review_scores(
        {k: v for k, v in findings.reviews.items() if k in known.reviews}
    )
    account_scores = write_account_scores(
        {k: v for k, v in findings.accounts.items() if k in known.users}
    )
    if review_scores:  # a flag that came or went changes what a store's indicator counts
        indicator.forget({r.store for r in records.reviews})
    tally = _Tally()
    flagged = [b for b in findings.blocks if b.score >= row.review_flag]
    for block in sorted(flagged, key=lambda b: (-b.score, sorted(b.users))):
        ring = _within(block, known)
        if ring.users and ring.products:
            _record_ring(ring, known, row.hold, now, tally)
    follow_actioned(now, tally)
    return AnalysisRun(
        at=now,
        reviews=len(records.reviews),
        accounts=len(records.accounts),
        review_scores=review_scores,
        account_scores=account_scores,
        rings=len(findings.blocks),
        flagged=len(flagged),
        opened=tally.opened,
        updated=tally.updated,
        reopened=tally.reopened,
        held=tally.held,
    )


def _known(records: Records) -> _Known:
    known = _Known()
    for review in records.reviews:
        known.reviews.add(review.review_id)
        known.store_of[review.product] = review.store
    known.users = {account.user for account in records.accounts}
    return known


def _within(block: Block, known: _Known) -> Block:
    """The ring without keys the records do not hold."""
    return Block(
        users=frozenset(u for u in block.users if u in known.users),
        products=frozenset(p for p in block.products if p in known.store_of),
        review_ids=frozenset(r for r in block.review_ids if r in known.reviews),
        density=block.density,
        score=_score(block.score),
        reasons=block.reasons,
    )


# --- Scores -----------------------------------------------------------------------------------


def _score(value: int) -> int:
    return max(0, min(100, int(value)))


def _reasons(scored: Scored) -> list[dict[str, object]]:
    return [reason.as_json() for reason in scored.reasons]


def _chunks(items: Iterable[T]) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _changed(
    scores: Mapping[str, Scored], stored: Mapping[str, tuple[int, Any]]
) -> dict[str, tuple[int, list[dict[str, object]]]]:
    changed = {}
    for key, scored in scores.items():
        value = (_score(scored.score), _reasons(scored))
        if stored.get(key) != value:
            changed[key] = value
    return changed


def write_review_scores(scores: Mapping[str, Scored]) -> int:
    """Upsert the reviews' scores that changed; answers how many rows were written."""
    stored: dict[str, tuple[int, Any]] = {}
    for chunk in _chunks(scores):
        rows = ReviewScore.objects.filter(review_id__in=chunk)
        for review_id, score, reasons in rows.values_list("review_id", "score", "reasons"):
            stored[review_id] = (score, reasons)
    changed = _changed(scores, stored)
    ReviewScore.objects.bulk_create(
        [ReviewScore(review_id=k, score=s, reasons=r) for k, (s, r) in sorted(changed.items())],
        update_conflicts=True,
        unique_fields=["review"],
        update_fields=["score", "reasons", "computed_at"],
        batch_size=CHUNK,
    )
    return len(changed)


def write_account_scores(scores: Mapping[str, Scored]) -> int:
    """Upsert the accounts' scores that changed; answers how many rows were written."""
    stored: dict[str, tuple[int, Any]] = {}
    for chunk in _chunks(scores):
        rows = AccountScore.objects.filter(user_id__in=[int(k) for k in chunk])
        for user_id, score, reasons in rows.values_list("user_id", "score", "reasons"):
            stored[str(user_id)] = (score, reasons)
    changed = _changed(scores, stored)
    AccountScore.objects.bulk_create(
        [
            AccountScore(user_id=int(k), score=s, reasons=r)
            for k, (s, r) in sorted(changed.items(), key=lambda item: int(item[0]))
        ],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["score", "reasons", "computed_at"],
        batch_size=CHUNK,
    )
    return len(changed)


# --- Cases ------------------------------------------------------------------------------------


def fingerprint(users: Iterable[str], products: Iterable[str]) -> str:
    """A stable key of a ring: its members and products as the detector saw them."""
    raw = "u:" + ",".join(sorted(users)) + "|p:" + ",".join(sorted(products))
    return hashlib.sha256(raw.encode()).hexdigest()


def _members(case: Case) -> set[str]:
    return {str(u) for u in CaseMember.objects.filter(case=case).values_list("user_id", flat=True)}


def _products(case: Case) -> set[str]:
    return set(CaseProduct.objects.filter(case=case).values_list("product_id", flat=True))


def _match(block: Block, print_: str, statuses: Sequence[str]) -> Case | None:
    """The case in `statuses` the ring continues: the same fingerprint, else the one sharing
    most members, if they are at least half of the smaller of the two groups."""
    same = Case.objects.filter(fingerprint=print_, status__in=statuses).order_by("created_at")
    found = same.first()
    if found is not None:
        return found
    users = [int(u) for u in block.users]
    common = (
        CaseMember.objects.filter(user_id__in=users, case__status__in=statuses)
        .values("case_id")
        .annotate(common=Count("pk"))
    )
    shared = {row["case_id"]: row["common"] for row in common}
    if not shared:
        return None
    sizes = dict(
        Case.objects.filter(pk__in=shared).annotate(size=Count("members")).values_list("pk", "size")
    )
    best = max(shared, key=lambda pk: (shared[pk], pk))
    if 2 * shared[best] < min(len(users), sizes.get(best, 0)):
        return None
    return Case.objects.get(pk=best)


def _locked(case: Case | None) -> Case | None:
    return lock_case(case.pk) if case is not None else None


def _grew(block: Block, case: Case) -> bool:
    """Whether the ring has members or products the case does not hold."""
    return bool(block.users - _members(case)) or bool(block.products - _products(case))


def _store_of(block: Block, known: _Known) -> str | None:
    stores = Counter(known.store_of[p] for p in block.products)
    if not stores:
        return None
    return min(stores, key=lambda store: (-stores[store], store))


def _last_hold(case: Case) -> str | None:
    """HOLD or RESTORE, whichever happened last to the case's reviews (None: neither)."""
    kind: str | None = (
        CaseAction.objects.filter(case=case, kind__in=[ActionKind.HOLD, ActionKind.RESTORE])
        .order_by("-created_at", "-pk")
        .values_list("kind", flat=True)
        .first()
    )
    return kind


def _holds(case: Case, score: int, hold: int) -> bool:
    """Whether the case's reviews are to be held now: the ring scores at least `hold`, or its
    reviews are held already (new ones join them); never after an operator restored them."""
    last = _last_hold(case)
    if last == ActionKind.RESTORE:
        return False
    return score >= hold or last == ActionKind.HOLD


@dataclass(frozen=True)
class _Added:
    members: int
    products: int
    reviews: int

    def __bool__(self) -> bool:
        return bool(self.members or self.products or self.reviews)


def _add(
    case: Case, users: Iterable[str], products: Iterable[str], reviews: Iterable[str]
) -> _Added:
    """Add what the case does not hold yet; never removes anything."""
    new_users = {int(u) for u in users} - {int(u) for u in _members(case)}
    new_products = set(products) - _products(case)
    inside = set(CaseReview.objects.filter(case=case).values_list("review_id", flat=True))
    new_reviews = set(reviews) - inside
    CaseMember.objects.bulk_create(
        [CaseMember(case=case, user_id=u) for u in sorted(new_users)], ignore_conflicts=True
    )
    CaseProduct.objects.bulk_create(
        [CaseProduct(case=case, product_id=p) for p in sorted(new_products)],
        ignore_conflicts=True,
    )
    CaseReview.objects.bulk_create(
        [CaseReview(case=case, review_id=r) for r in sorted(new_reviews)], ignore_conflicts=True
    )
    return _Added(len(new_users), len(new_products), len(new_reviews))


def _trim(text: str) -> str:
    return text[:MAX_REASON]


def _record_ring(block: Block, known: _Known, hold: int, now: datetime, tally: _Tally) -> None:
    print_ = fingerprint(block.users, block.products)
    reasons = [reason.as_json() for reason in block.reasons]
    numbers = {
        "members": len(block.users),
        "products": len(block.products),
        "reviews": len(block.review_ids),
        "score": block.score,
    }
    with transaction.atomic():
        lock_settings()  # one run at a time: the same ring never opens two cases
        found = _locked(_match(block, print_, LIVE))
        if found is not None and found.status == CaseStatus.DISMISSED:
            found = None  # dismissed since it was read: decided below like the others
        reopening = False
        if found is None:
            dismissed = _locked(_match(block, print_, (CaseStatus.DISMISSED,)))
            if dismissed is not None and dismissed.status == CaseStatus.DISMISSED:
                if not _grew(block, dismissed):
                    return  # dismissed, and the ring is no bigger than what was decided
                found, reopening = dismissed, True
        if found is None:
            case = Case.objects.create(
                store_id=_store_of(block, known),
                score=block.score,
                density=block.density,
                reasons=reasons,
                fingerprint=print_,
                last_seen_at=now,
            )
            _add(case, block.users, block.products, block.review_ids)
            CaseAction.objects.create(
                case=case,
                kind=ActionKind.OPENED,
                actor=None,
                reason=_trim(
                    gettext(
                        "The detectors found %(members)d accounts reviewing %(products)d "
                        "products together (%(reviews)d reviews, score %(score)d)."
                    )
                    % numbers
                ),
                detail={**numbers, "density": block.density},
            )
            tally.opened += 1
        else:
            case = found
            added = _add(case, block.users, block.products, block.review_ids)
            changed = bool(added) or case.score != block.score or reopening
            case.score, case.density, case.reasons = block.score, block.density, reasons
            case.fingerprint, case.last_seen_at = print_, now
            fields = ["score", "density", "reasons", "fingerprint", "last_seen_at", "updated_at"]
            if reopening:
                case.status = CaseStatus.OPEN
                fields.append("status")
            case.save(update_fields=fields)
            if changed:
                detail = {
                    **numbers,
                    "density": block.density,
                    "members_added": added.members,
                    "products_added": added.products,
                    "reviews_added": added.reviews,
                }
                CaseAction.objects.create(
                    case=case,
                    kind=ActionKind.REOPEN if reopening else ActionKind.UPDATED,
                    actor=None,
                    reason=_trim(_update_reason(added, block.score, reopening)),
                    detail=detail,
                )
                if reopening:
                    tally.reopened += 1
                else:
                    tally.updated += 1
        if _holds(case, block.score, hold) and _unheld(case):
            reason = (
                gettext(
                    "Held by the detectors: the ring scores %(score)d, at least the hold "
                    "threshold %(hold)d."
                )
                % {"score": block.score, "hold": hold}
                if block.score >= hold
                else _joined_reason()
            )
            tally.held += hold_reviews(case, None, _trim(reason))


def _unheld(case: Case) -> bool:
    return CaseReview.objects.filter(case=case, held=False).exists()


def _joined_reason() -> str:
    return gettext("Held by the detectors: new reviews of a ring whose reviews are held.")


def _update_reason(added: _Added, score: int, reopening: bool) -> str:
    values = {
        "members": added.members,
        "products": added.products,
        "reviews": added.reviews,
        "score": score,
    }
    if reopening:
        return (
            gettext(
                "Reopened: the dismissed ring grew by %(members)d accounts and %(products)d "
                "products (%(reviews)d new reviews, score %(score)d)."
            )
            % values
        )
    return (
        gettext(
            "The detectors saw the ring again: %(members)d new accounts, %(products)d new "
            "products, %(reviews)d new reviews (score %(score)d)."
        )
        % values
    )


def follow_actioned(now: datetime, tally: _Tally | None = None) -> int:
    """New reviews by the members of an actioned case of its products join the case, held if
    the case's reviews are (its last HOLD came after any RESTORE); answers how many joined."""
    tally = tally or _Tally()
    cases = {c.pk: c for c in Case.objects.filter(status=CaseStatus.ACTIONED)}
    if not cases:
        return 0
    members: dict[str, set[int]] = defaultdict(set)
    for case_id, user_id in CaseMember.objects.filter(case_id__in=cases).values_list(
        "case_id", "user_id"
    ):
        members[case_id].add(user_id)
    products: dict[str, set[str]] = defaultdict(set)
    for case_id, product_id in CaseProduct.objects.filter(case_id__in=cases).values_list(
        "case_id", "product_id"
    ):
        products[case_id].add(product_id)
    inside: dict[str, set[str]] = defaultdict(set)
    for case_id, review_id in CaseReview.objects.filter(case_id__in=cases).values_list(
        "case_id", "review_id"
    ):
        inside[case_id].add(review_id)
    since = min(c.first_seen_at for c in cases.values())
    candidates = Review.objects.filter(
        created_at__gte=since,
        created_at__lte=now,
        author_id__in=CaseMember.objects.filter(case_id__in=cases).values("user_id"),
        product_id__in=CaseProduct.objects.filter(case_id__in=cases).values("product_id"),
    ).values_list("pk", "author_id", "product_id", "created_at")
    joining: dict[str, list[str]] = defaultdict(list)
    for review_id, author_id, product_id, at in candidates:
        for case_id, actioned in cases.items():
            if (
                at >= actioned.first_seen_at
                and author_id in members[case_id]
                and product_id in products[case_id]
                and review_id not in inside[case_id]
            ):
                joining[case_id].append(review_id)
    joined = 0
    for case_id in sorted(joining):
        with transaction.atomic():
            lock_settings()
            locked = lock_case(case_id)
            if locked is None or locked.status != CaseStatus.ACTIONED:
                continue
            case = locked
            added = _add(case, (), (), joining[case_id])
            if not added:
                continue
            joined += added.reviews
            CaseAction.objects.create(
                case=case,
                kind=ActionKind.UPDATED,
                actor=None,
                reason=_trim(
                    gettext("%(reviews)d new reviews by the ring's accounts of its products.")
                    % {"reviews": added.reviews}
                ),
                detail={"reviews_added": added.reviews},
            )
            tally.updated += 1
            if _last_hold(case) == ActionKind.HOLD and _unheld(case):
                tally.held += hold_reviews(case, None, _joined_reason())
    return joined


__all__ = [
    "AnalysisRun",
    "analyse",
    "fingerprint",
    "follow_actioned",
    "run_analysis",
    "write_account_scores",
    "write_review_scores",
]
