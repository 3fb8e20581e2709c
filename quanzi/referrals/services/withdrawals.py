"""Withdrawals (提现) of distribution commission: request, review, payout through the provider.

Money moves only through `post_transaction`, one balanced transaction per step, each idempotent
by (kind, withdrawal id), on the promoter's accounts in the store (see `distribution`):

- requested: available → withdrawing (the hold), kind "withdrawal.requested";
- rejected by the merchant: withdrawing → available, kind "withdrawal.rejected";
- approved: the withdrawal is "paying" and a `Payout` of `amount - fee` is started through the
  payment provider after commit, outside the row locks, once (one payout per withdrawal);
- paid (the provider's payout.succeeded, told through `payout_settled`): withdrawing → the
  provider account (what left the platform) and the store's available balance (the fee), kind
  "withdrawal.paid";
- payout failed: withdrawing → available, kind "withdrawal.failed", the reason kept.

Who may withdraw: a promoter of the store by its rule, and anyone who has earned there before — a
revoked promoter, or everyone once the store switched distribution off, still takes out what
they earned. A negative available balance (a refund after an earlier withdrawal) blocks new
withdrawals until later earnings repay it. See docs/referrals.md.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import Conflict, CoreCode, InvalidInput, NotFound, PermissionDenied
from quanzi.core.ids import is_public_id
from quanzi.core.money import format_fen
from quanzi.ledger.kinds import register_transaction_kind
from quanzi.ledger.models import Account, Entry
from quanzi.ledger.services import Line, post_transaction
from quanzi.ledger.store_accounts import available_account
from quanzi.payments.accounts import provider_account
from quanzi.referrals.errors import ReferralCode
from quanzi.referrals.locks import lock_account, lock_withdrawal
from quanzi.referrals.models import DistributionConfig, Withdrawal, WithdrawalStatus
from quanzi.referrals.services.distribution import (
    BP,
    config_for,
    is_promoter,
    promoter_available_account,
    withdrawing_account,
)
from quanzi.referrals.services.suspension import refuse_if_suspended
from quanzi.reviews.errors import ReviewCode
from quanzi.stores.models import StaffRole, Store
from quanzi.stores.services import access_store, role_in
from quanzi.wallets.errors import WalletCode

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.payments.models import Payout

log = logging.getLogger("quanzi.referrals")

KIND_REQUESTED = "withdrawal.requested"
KIND_REJECTED = "withdrawal.rejected"
KIND_FAILED = "withdrawal.failed"
KIND_PAID = "withdrawal.paid"
PAYOUT_PURPOSE = "withdrawal"
MAX_AMOUNT = 10**12  # fen (¥10 billion): beyond any balance, well inside a BigIntegerField
REASON_LENGTH = 200
STORE_NOT_FOUND = _("Store not found.")
WITHDRAWAL_NOT_FOUND = _("Withdrawal not found.")


def fee_of(amount: int, fee_bp: int) -> int:
    """floor(amount × fee / 10000): the fee is rounded in the promoter's favour. With the fee
    below 100 % (a database constraint) the net paid out is always at least 1 fen."""
    return amount * fee_bp // BP


# --- Access --------------------------------------------------------------------------------------


def withdrawal_store(store_id: str) -> Store:
    """The store a promoter withdraws from: any existing store, open or closed (closing a store
    or its programme never traps what was earned there)."""
    store = Store.objects.filter(pk=store_id).first() if is_public_id(store_id) else None
    if store is None:
        raise NotFound(STORE_NOT_FOUND)
    return store


def access_review(user: User, store_id: str) -> Store:
    """The store whose withdrawals `user` may review: its owner and staff (else 403/404)."""
    if not is_public_id(store_id):
        raise NotFound(STORE_NOT_FOUND)
    return access_store(user, store_id)


def access_withdrawal(user: User, store_id: str, withdrawal_id: str) -> Withdrawal:
    """A withdrawal of the store for its reviewers; one of another store is 'not found'. Staff
    who are promoters too may not review their own (the owner may: it is their money)."""
    store = access_review(user, store_id)
    withdrawal = (
        Withdrawal.objects.filter(pk=withdrawal_id, store=store).first()
        if is_public_id(withdrawal_id)
        else None
    )
    if withdrawal is None:
        raise NotFound(WITHDRAWAL_NOT_FOUND)
    if withdrawal.promoter_id == user.pk and role_in(user, store) != StaffRole.OWNER:
        raise PermissionDenied(
            _("Someone else in the store must review your own withdrawal."),
            code=ReferralCode.OWN_WITHDRAWAL,
        )
    return withdrawal


# --- Request -------------------------------------------------------------------------------------


def _check_amount(amount: Any, config: DistributionConfig) -> int:
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        raise InvalidInput(_("Enter an amount greater than zero."), code=CoreCode.INVALID_AMOUNT)
    if amount < config.min_withdrawal:
        raise InvalidInput(
            _("You can withdraw %(min)s or more at a time.")
            % {"min": format_fen(config.min_withdrawal)},
            code=ReferralCode.BELOW_MINIMUM,
        )
    return amount


def _locked_available(store_id: str, public_id: str) -> Account | None:
    """The promoter's available account, locked (the first of the two accounts a request posts
    to, in code order), or None when they never had commission released in the store."""
    return lock_account(promoter_available_account(store_id, public_id))


def request_withdrawal(user: User, store_id: str, amount: Any) -> Withdrawal:
    """Hold `amount` fen of the promoter's available commission for a withdrawal.

    400 for an amount that is not a whole number of fen in range or is below the store's
    minimum; 403 for someone who is not a promoter and never earned in the store; 409 when the
    promoter's commissions there are suspended (trust and safety), or the available balance is
    negative or smaller than the amount. The balance (and the suspension) is read under the
    account's row lock, so concurrent requests can never hold more than there is.
    """
    store = withdrawal_store(store_id)
    config = config_for(store)
    amount = _check_amount(amount, config)
    with transaction.atomic():
        account = _locked_available(store.pk, user.public_id)
        if account is None and not (config.enabled and is_promoter(user.pk, config)):
            raise PermissionDenied(
                _("You are not a promoter of this store."), code=ReferralCode.NOT_PROMOTER
            )
        refuse_if_suspended(store.pk, user.pk)  # read under the account's lock (see locks)
        available = -account.balance if account is not None else 0
        if available < 0:
            raise Conflict(
                _(
                    "A refund took back %(owed)s of commission you had already withdrawn. "
                    "Your next earnings in this store repay it before you can withdraw again."
                )
                % {"owed": format_fen(-available)},
                code=ReferralCode.NEGATIVE_BALANCE,
            )
        if amount > available:
            raise Conflict(
                _("You can withdraw at most %(available)s.") % {"available": format_fen(available)},
                code=WalletCode.INSUFFICIENT_BALANCE,
            )
        withdrawal = Withdrawal.objects.create(
            store=store, promoter=user, amount=amount, fee=fee_of(amount, config.withdrawal_fee_bp)
        )
        post_transaction(
            KIND_REQUESTED,
            withdrawal.pk,
            [
                (promoter_available_account(store.pk, user.public_id), amount),
                (withdrawing_account(store.pk, user.public_id), -amount),
            ],
            memo=f"withdrawal {withdrawal.pk} requested",
        )
    return withdrawal


# --- Review --------------------------------------------------------------------------------------


def _lock_pending(user: User, store_id: str, withdrawal_id: str) -> Withdrawal:
    found = access_withdrawal(user, store_id, withdrawal_id)
    withdrawal = lock_withdrawal(found.pk)
    if withdrawal is None or withdrawal.status != WithdrawalStatus.PENDING:
        raise Conflict(_("This withdrawal was already reviewed."), code=ReviewCode.ALREADY_REVIEWED)
    return withdrawal


def approve_withdrawal(user: User, store_id: str, withdrawal_id: str) -> Withdrawal:
    """Approve a pending withdrawal: it is paying, and its payout (the amount less the fee) is
    sent through the payment provider once this commits — once, whatever happens next. Refused
    (409) while the promoter's commissions in the store are suspended; rejecting stays open."""
    from quanzi.payments.services import start_payout

    with transaction.atomic():
        withdrawal = _lock_pending(user, store_id, withdrawal_id)
        refuse_if_suspended(withdrawal.store_id, withdrawal.promoter_id)
        payout = start_payout(
            recipient=withdrawal.promoter,
            amount=withdrawal.net,
            purpose=PAYOUT_PURPOSE,
            reference=withdrawal.pk,
        )
        withdrawal.status = WithdrawalStatus.PAYING
        withdrawal.reviewed_by = user
        withdrawal.reviewed_at = timezone.now()
        withdrawal.payout_ref = payout.pk
        withdrawal.save(
            update_fields=["status", "reviewed_by", "reviewed_at", "payout_ref", "updated_at"]
        )
    return withdrawal


def clean_reason(reason: Any) -> str:
    text = str(reason or "").strip()
    if not text:
        raise InvalidInput(
            _("Say why the withdrawal is rejected."), code=ReferralCode.REASON_REQUIRED
        )
    if len(text) > REASON_LENGTH:
        raise InvalidInput(
            _("The reason is too long (at most %(n)d characters).") % {"n": REASON_LENGTH},
            code=ReferralCode.REASON_TOO_LONG,
        )
    return text


def reject_withdrawal(user: User, store_id: str, withdrawal_id: str, reason: Any) -> Withdrawal:
    """Reject a pending withdrawal with a reason: the held amount is available again."""
    text = clean_reason(reason)
    with transaction.atomic():
        withdrawal = _lock_pending(user, store_id, withdrawal_id)
        _release(withdrawal, KIND_REJECTED, "rejected")
        withdrawal.status = WithdrawalStatus.REJECTED
        withdrawal.reviewed_by = user
        withdrawal.reviewed_at = timezone.now()
        withdrawal.reject_reason = text
        withdrawal.save(
            update_fields=["status", "reviewed_by", "reviewed_at", "reject_reason", "updated_at"]
        )
    return withdrawal


def _release(withdrawal: Withdrawal, kind: str, what: str) -> None:
    """Give a held withdrawal back to the promoter's available balance."""
    public_id = withdrawal.promoter.public_id
    post_transaction(
        kind,
        withdrawal.pk,
        [
            (withdrawing_account(withdrawal.store_id, public_id), withdrawal.amount),
            (promoter_available_account(withdrawal.store_id, public_id), -withdrawal.amount),
        ],
        memo=f"withdrawal {withdrawal.pk} {what}",
    )


# --- Payout outcome ------------------------------------------------------------------------------


def settle_withdrawal(
    withdrawal_id: str, *, succeeded: bool, provider: str, reason: str = ""
) -> bool:
    """Book the payout's outcome on a paying withdrawal, once; False when there is nothing to do
    (settled before, or not paying).

    Paid: the held amount leaves the promoter's withdrawing account — the net to the provider
    account (the money left the platform) and the fee to the store's available balance, in one
    posting. Failed: the held amount is available again and the reason is kept."""
    with transaction.atomic():
        withdrawal = lock_withdrawal(withdrawal_id)
        if withdrawal is None or withdrawal.status != WithdrawalStatus.PAYING:
            return False
        now = timezone.now()
        if succeeded:
            _book_paid(withdrawal, provider)
            withdrawal.status, withdrawal.paid_at = WithdrawalStatus.PAID, now
        else:
            _release(withdrawal, KIND_FAILED, "payout failed")
            withdrawal.status = WithdrawalStatus.FAILED
            withdrawal.reject_reason = (reason or "failed")[:REASON_LENGTH]
        withdrawal.save(update_fields=["status", "paid_at", "reject_reason", "updated_at"])
    return True


def _book_paid(withdrawal: Withdrawal, provider: str) -> None:
    store_id, public_id = withdrawal.store_id, withdrawal.promoter.public_id
    lines: list[Line] = [
        (withdrawing_account(store_id, public_id), withdrawal.amount),
        (provider_account(provider), -withdrawal.net),
    ]
    if withdrawal.fee:
        lines.append((available_account(store_id), -withdrawal.fee))
    post_transaction(KIND_PAID, withdrawal.pk, lines, memo=f"withdrawal {withdrawal.pk} paid")


def on_payout_settled(
    sender: Any, payout: Payout, succeeded: bool, reason: str = "", **kwargs: Any
) -> None:
    """Receiver of payments' `payout_settled`, inside its transaction: an error here rolls the
    payout's settlement back with it, and the provider's event is retried."""
    if payout.purpose != PAYOUT_PURPOSE:
        return
    if not settle_withdrawal(
        payout.reference, succeeded=succeeded, provider=payout.provider, reason=reason
    ):
        log.warning("payout %s settled a withdrawal that was not paying", payout.pk)


def _promoters_of(entries: Sequence[Entry]) -> Mapping[int, str]:
    """A withdrawal's movements name its promoter (the reference is the withdrawal's id)."""
    rows = Withdrawal.objects.filter(pk__in={e.transaction.reference for e in entries})
    names = {row.pk: row.promoter.display_name for row in rows.select_related("promoter")}
    return {
        entry.pk: gettext("Promoter %(name)s") % {"name": names[entry.transaction.reference]}
        for entry in entries
        if entry.transaction.reference in names
    }


def register_kinds() -> None:
    register_transaction_kind(KIND_REQUESTED, _("Withdrawal requested"), detail=_promoters_of)
    register_transaction_kind(KIND_REJECTED, _("Withdrawal rejected"), detail=_promoters_of)
    register_transaction_kind(KIND_FAILED, _("Withdrawal failed"), detail=_promoters_of)
    register_transaction_kind(KIND_PAID, _("Withdrawal paid"), detail=_promoters_of)


def connect() -> None:
    from quanzi.payments.signals import payout_settled

    register_kinds()

    payout_settled.connect(on_payout_settled, dispatch_uid="referrals.withdrawals.payout")


# --- Reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WithdrawalSummary:
    """A promoter's withdrawals in one store, in fen: `withdrawn` is what paid withdrawals took
    out of the programme (fees included), `fees` what the store kept of it, `in_progress` what
    is held for withdrawals under review or being paid."""

    withdrawn: int
    fees: int
    in_progress: int

    @property
    def received(self) -> int:
        return self.withdrawn - self.fees


def withdrawal_summary(store_id: str, user: User) -> WithdrawalSummary:
    """The promoter centre's "withdrawn" figures (one query)."""
    paid = Q(status=WithdrawalStatus.PAID)
    open_ = Q(status__in=[WithdrawalStatus.PENDING, WithdrawalStatus.PAYING])
    row = Withdrawal.objects.filter(store_id=store_id, promoter=user).aggregate(
        withdrawn=Coalesce(Sum("amount", filter=paid), 0),
        fees=Coalesce(Sum("fee", filter=paid), 0),
        in_progress=Coalesce(Sum("amount", filter=open_), 0),
    )
    return WithdrawalSummary(
        withdrawn=int(row["withdrawn"]), fees=int(row["fees"]), in_progress=int(row["in_progress"])
    )


def withdrawals_of_promoter(user: User, store: Store) -> QuerySet[Withdrawal]:
    """The promoter's own withdrawals in the store, newest first."""
    return Withdrawal.objects.filter(store=store, promoter=user).order_by("-created_at", "-pk")


def clean_status(status: str | None) -> str | None:
    if not status:
        return None
    if status not in WithdrawalStatus.values:
        raise InvalidInput(_("Unknown withdrawal status."), code=ReferralCode.BAD_STATUS)
    return status


def withdrawals_of_store(store: Store, status: str | None = None) -> QuerySet[Withdrawal]:
    """The store's withdrawals for review: waiting ones first, then newest first; optionally of
    one status (checked)."""
    chosen = clean_status(status)
    rows = Withdrawal.objects.filter(store=store).select_related("promoter")
    if chosen:
        rows = rows.filter(status=chosen)
    waiting = Case(
        When(status=WithdrawalStatus.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return rows.annotate(waiting=waiting).order_by("waiting", "-created_at", "-pk")
