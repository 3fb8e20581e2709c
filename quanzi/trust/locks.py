"""Row locks of trust: the only place that takes them.

Lock order: the settings row first, where a flow takes it (an operator's change of the
thresholds; an analysis run, so that two runs never open the same case twice; opening or growing
alerts, so that two workers never open the same alert twice) → a case → its reviews' rows in
reviews (`reviews.services.set_moderation` locks each review → the product's rating; restoring
a case's review locks it first, `lock_case_review`, so that which other cases still hold it is
read after any concurrent restore committed) → promoters' rows in referrals
(`referrals.services.suspension`); an appeal → its case (then as above); an alert alone. All are
FOR NO KEY UPDATE of the named row: none changes a key."""

from __future__ import annotations

from quanzi.reviews.locks import lock_review
from quanzi.trust.models import Appeal, Case, ReputationAlert, TrustSettings


def lock_settings() -> TrustSettings:
    """The settings row (pk 1), created with the defaults if missing, locked."""
    TrustSettings.objects.get_or_create(pk=1)
    return TrustSettings.objects.select_for_update(of=("self",), no_key=True).get(pk=1)


def lock_case(case_id: str) -> Case | None:
    return Case.objects.select_for_update(of=("self",), no_key=True).filter(pk=case_id).first()


def lock_case_review(review_id: str) -> bool:
    """A review of a locked case, locked in reviews (its own lock); False when it is gone."""
    return lock_review(review_id) is not None


def lock_appeal(appeal_id: str) -> Appeal | None:
    return Appeal.objects.select_for_update(of=("self",), no_key=True).filter(pk=appeal_id).first()


def lock_alert(alert_id: str) -> ReputationAlert | None:
    return (
        ReputationAlert.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=alert_id)
        .first()
    )


def lock_alerting() -> TrustSettings:
    """The settings row (pk 1), held while alerts are opened or grown."""
    return lock_settings()
