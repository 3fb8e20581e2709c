"""Distribution (分销): binding customers to promoters and their two-level commissions.

Money moves only through `quanzi.ledger.services.post_transaction`, one balanced transaction per
movement, each idempotent by (kind, reference):

- paid (`order_paid`): the store's escrow → "promoter:<store id>:<public id>:frozen",
  kind "commission.frozen", reference "<order id>:<level>";
- completed (`order_completed`, the after-sales window has closed): frozen → available,
  kind "commission.released", reference "<order id>:<level>";
- refunded (`order_refunded`): a proportional reversal, kind "commission.reversal", reference
  "<order id>:<level>:<refunded total>": from the frozen account back to the store's escrow
  while the order is not settled (its available balance once it is), or, once released, from
  the promoter's available balance — which may go negative; the merchant never loses it.

`quanzi.orders.services.postings.settle_order` settles the order's total minus refunds minus what
these postings hold out of its escrow (`escrow_commissions`, registered as a settlement hold), so
the escrow never goes negative. See docs/referrals.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quanzi.core.events import send_on_commit
from quanzi.ledger.accounts import register_account_type
from quanzi.ledger.kinds import register_transaction_kind
from quanzi.ledger.models import AccountKind, Entry
from quanzi.ledger.services import Line, balances, post_transaction
from quanzi.ledger.store_accounts import available_account, escrow_account
from quanzi.orders.locks import lock_order
from quanzi.orders.services.postings import is_settled, order_numbers, register_settlement_hold
from quanzi.referrals.locks import lock_binding, lock_commissions, lock_enabled_config
from quanzi.referrals.models import (
    Attribution,
    Binding,
    BindingMode,
    Commission,
    CommissionStatus,
    CommissionSuspension,
    DistributionConfig,
    ProductCommission,
    Promoter,
    PromoterRule,
    PromoterStatus,
)
from quanzi.referrals.signals import customer_bound

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.orders.models import Order
    from quanzi.stores.models import Store

log = logging.getLogger("quanzi.referrals")

KIND_FROZEN = "commission.frozen"
KIND_RELEASED = "commission.released"
KIND_REVERSAL = "commission.reversal"
MAX_LEVEL = 2  # deeper chains are a legal risk (PRODUCT.md): never more than two levels
BP = 10000


def register_accounts() -> None:
    """A promoter's commission in a store: owed to the promoter, not to the store, so the
    accounts have no store (they stay off the store's own ledger pages)."""
    for state in ("frozen", "available", "withdrawing"):
        register_account_type(f"promoter:{{store}}:{{promoter}}:{state}", AccountKind.LIABILITY)


def _commission_details(entries: Sequence[Entry]) -> Mapping[int, str]:
    """A commission's movements name its order by number and its level (the reference is
    "<order id>:<level>[:<refunded total>]")."""
    numbers = order_numbers(entries)
    return {
        entry.pk: gettext("Order %(number)s, level %(level)s")
        % {"number": numbers[entry.pk], "level": entry.transaction.reference.split(":")[1]}
        for entry in entries
        if entry.pk in numbers
    }


def register_kinds() -> None:
    register_transaction_kind(KIND_FROZEN, _("Commission frozen"), detail=_commission_details)
    register_transaction_kind(KIND_RELEASED, _("Commission released"), detail=_commission_details)
    register_transaction_kind(KIND_REVERSAL, _("Commission reversed"), detail=_commission_details)


def frozen_account(store_id: str, public_id: str) -> str:
    """Commission a promoter earned in a store on orders whose after-sales window is open."""
    return f"promoter:{store_id}:{public_id}:frozen"


def promoter_available_account(store_id: str, public_id: str) -> str:
    """Commission released to a promoter in a store (negative after a late refund: what later
    earnings in the same store repay)."""
    return f"promoter:{store_id}:{public_id}:available"


def withdrawing_account(store_id: str, public_id: str) -> str:
    """Commission held for a withdrawal between the request and its payout or rejection."""
    return f"promoter:{store_id}:{public_id}:withdrawing"


@dataclass(frozen=True)
class PromoterBalance:
    """A promoter's commission in one store, in fen, on the normal side (positive = owed to the
    promoter): frozen (after-sales window open), available (may be negative), withdrawing
    (held for withdrawals under review or being paid)."""

    frozen: int
    available: int
    withdrawing: int = 0


def promoter_balance(store_id: str, public_id: str) -> PromoterBalance:
    codes = [
        frozen_account(store_id, public_id),
        promoter_available_account(store_id, public_id),
        withdrawing_account(store_id, public_id),
    ]
    found = balances(codes)
    frozen, available, withdrawing = (-found.get(code, 0) for code in codes)
    return PromoterBalance(frozen=frozen, available=available, withdrawing=withdrawing)


# --- Binding -----------------------------------------------------------------------------------


def config_for(store: Store) -> DistributionConfig:
    """The store's settings, enabled or not (an unsaved default when never configured): what
    the console shows, and the minimum and fee of withdrawals after a programme is switched
    off."""
    return DistributionConfig.objects.filter(store=store).first() or DistributionConfig(store=store)


def config_of(store_id: str) -> DistributionConfig | None:
    """The store's distribution settings when distribution is enabled, else None."""
    return DistributionConfig.objects.filter(store_id=store_id, enabled=True).first()


def _active(binding: Binding, now: datetime) -> bool:
    return binding.expires_at is None or binding.expires_at > now


def promoter_of(customer_id: int, store_id: str, now: datetime | None = None) -> int | None:
    """The user id of the customer's current promoter in the store, or None."""
    now = now or timezone.now()
    binding = Binding.objects.filter(customer_id=customer_id, store_id=store_id).first()
    return binding.promoter_id if binding is not None and _active(binding, now) else None


def _makes_cycle(customer_id: int, promoter_id: int, store_id: str, now: datetime) -> bool:
    """Whether binding customer → promoter would close a loop: the promoter's own chain of
    promoters (followed to its end) reaches the customer."""
    seen: set[int] = set()
    current: int | None = promoter_id
    while current is not None and current not in seen:
        if current == customer_id:
            return True
        seen.add(current)
        current = promoter_of(current, store_id, now)
    return False


def bind(
    customer_id: int, store_id: str, promoter_id: int, now: datetime | None = None
) -> Binding | None:
    """Bind a customer to a promoter by the store's mode; answers the binding in force after it.

    Permanent: the first binder stays. Time-limited: the current binding stays until it expires
    (`binding_days`, default 30). Last touch: the new promoter replaces the old one. Refused —
    the current binding (or None) is answered — when distribution is off, for self-binding, and
    when the promoter's chain leads back to the customer (a cycle).
    """
    now = now or timezone.now()
    if customer_id == promoter_id:
        return None
    with transaction.atomic():
        # The store's config row serialises its binding changes, so two concurrent binds can
        # neither both be "first" nor close a cycle between them (A → B and B → A).
        config = lock_enabled_config(store_id)
        if config is None:
            return None
        if not is_promoter(promoter_id, config):
            return _in_force(customer_id, store_id, now)
        current = lock_binding(customer_id, store_id)
        if current is not None and _keeps(current, config, now, promoter_id):
            return current
        if _makes_cycle(customer_id, promoter_id, store_id, now):
            return current if current is not None and _active(current, now) else None
        expires_at = (
            now + timedelta(days=config.binding_days)
            if config.binding_mode == BindingMode.TIME_LIMITED
            else None
        )
        binding, _created = Binding.objects.update_or_create(
            customer_id=customer_id,
            store_id=store_id,
            defaults={"promoter_id": promoter_id, "expires_at": expires_at},
        )
        if current is None or current.promoter_id != promoter_id:
            send_on_commit(
                customer_bound,
                sender=Binding,
                store_id=store_id,
                customer_id=customer_id,
                promoter_id=promoter_id,
            )
    return binding


def _in_force(customer_id: int, store_id: str, now: datetime) -> Binding | None:
    binding = Binding.objects.filter(customer_id=customer_id, store_id=store_id).first()
    return binding if binding is not None and _active(binding, now) else None


def _keeps(current: Binding, config: DistributionConfig, now: datetime, promoter_id: int) -> bool:
    """Whether the customer's current binding stands against a new promoter."""
    if not _active(current, now):
        return False
    if config.binding_mode == BindingMode.LAST_TOUCH:
        return current.promoter_id == promoter_id
    return True


# --- Commissions -------------------------------------------------------------------------------


def commission_amount(base: int, rate_bp: int) -> int:
    """floor(base × rate / 10000): a commission is never rounded up."""
    return base * rate_bp // BP


def order_commission_amounts(order: Order, config: DistributionConfig) -> tuple[int, int]:
    """The level 1 and level 2 commissions of an order, in fen.

    Each item earns its product's own rates (ProductCommission) or else the store's, on what the
    buyer paid for goods: the items' share of the total less shipping (so a store discount
    lowers the commission with it). One floor per level, over the whole order.
    """
    items = list(order.items.values_list("product_id", "unit_price", "quantity"))
    paid_goods = max(order.total - order.shipping_fee, 0)
    subtotal = sum(price * quantity for _, price, quantity in items)
    if subtotal <= 0 or paid_goods <= 0:
        return 0, 0
    overrides = {
        row.product_id: (row.level1_rate_bp, row.level2_rate_bp)
        for row in ProductCommission.objects.filter(product_id__in={p for p, _, _ in items})
    }
    store_rates = (config.level1_rate_bp, config.level2_rate_bp)
    weighted = [0, 0]
    for product_id, price, quantity in items:
        rates = overrides.get(product_id, store_rates)
        for level in (0, 1):
            weighted[level] += price * quantity * rates[level]
    paid = min(paid_goods, subtotal)
    return weighted[0] * paid // (subtotal * BP), weighted[1] * paid // (subtotal * BP)


# --- Who is a promoter --------------------------------------------------------------------------


def completed_spend(user_id: int, store_id: str) -> int:
    """What a customer spent on the store's completed orders, net of refunds, in fen."""
    from quanzi.orders.models import Order, OrderStatus

    spent = Order.objects.filter(
        buyer_id=user_id, store_id=store_id, status=OrderStatus.COMPLETED
    ).aggregate(total=Coalesce(Sum(F("total") - F("refunded_amount")), 0))["total"]
    return int(spent)


def is_promoter(user_id: int, config: DistributionConfig) -> bool:
    """Whether the user may earn in the store's programme now, by the store's rule.

    A merchant's decision on the user's Promoter row wins: revoked is never a promoter (under
    any rule), approved always is. Otherwise: everyone is; applicants wait for approval;
    customers qualify once their completed spending reaches the threshold.
    """
    standing = (
        Promoter.objects.filter(store_id=config.store_id, user_id=user_id)
        .values_list("status", flat=True)
        .first()
    )
    if standing == PromoterStatus.REVOKED:
        return False
    if standing == PromoterStatus.APPROVED or config.promoters == PromoterRule.EVERYONE:
        return True
    if config.promoters == PromoterRule.SPENDERS:
        return completed_spend(user_id, config.store_id) >= config.spend_threshold
    return False


def promotes(user: User, store_id: str) -> bool:
    """Whether the person is the store's promoter now (its programme switched on, by its
    rule): what they share of the store in a circle is commercial, like its staff's (circles'
    card registry counts it against the circle's commercial budget)."""
    config = config_of(store_id)
    return config is not None and is_promoter(user.pk, config)


def _chain(buyer_id: int, store_id: str, now: datetime) -> list[int]:
    """Promoters of the buyer for the store: level 1, then level 2, never deeper."""
    chain: list[int] = []
    current = buyer_id
    while len(chain) < MAX_LEVEL:
        promoter = promoter_of(current, store_id, now)
        if promoter is None or promoter == buyer_id or promoter in chain:
            break
        chain.append(promoter)
        current = promoter
    return chain


def freeze_commissions(order_id: str) -> list[Commission]:
    """Bind the buyer to the order's sharer (if attributed) and create the frozen commissions of
    a paid order. Idempotent: an order's commissions are created once."""
    from quanzi.accounts.models import User

    with transaction.atomic():
        order = lock_order(order_id)
        if order is None or order.paid_at is None:
            return []
        config = config_of(order.store_id)
        if config is None or Commission.objects.filter(order_id=order.pk).exists():
            return list(Commission.objects.filter(order_id=order.pk))
        now = timezone.now()
        attribution = Attribution.objects.filter(order_id=order.pk).first()
        if attribution is not None:
            bind(order.buyer_id, order.store_id, attribution.sharer_id, now)
        chain = _chain(order.buyer_id, order.store_id, now)
        amounts = order_commission_amounts(order, config)
        public_ids = dict(User.objects.filter(pk__in=chain).values_list("pk", "public_id"))
        made = []
        for level, promoter_id in enumerate(chain, start=1):
            amount = amounts[level - 1]
            # Each level earns only while its promoter qualifies under the store's rule.
            if amount <= 0 or not is_promoter(promoter_id, config):
                continue
            made.append(_freeze(order, promoter_id, public_ids[promoter_id], level, amount))
    return made


def _freeze(order: Order, promoter_id: int, public_id: str, level: int, amount: int) -> Commission:
    commission = Commission.objects.create(
        order=order, promoter_id=promoter_id, level=level, amount=amount
    )
    post_transaction(
        KIND_FROZEN,
        f"{order.pk}:{level}",
        [
            (escrow_account(order.store_id), amount, order.pk),
            (frozen_account(order.store_id, public_id), -amount, order.pk),
        ],
        memo=f"level {level} commission on order {order.pk}",
    )
    return commission


def suspended_promoters(store_id: str, promoter_ids: Iterable[int]) -> set[int]:
    """Which of these promoters have their commissions in the store suspended (one query)."""
    wanted = set(promoter_ids)
    if not wanted:
        return set()
    return set(
        CommissionSuspension.objects.filter(
            store_id=store_id, promoter_id__in=wanted, suspended=True
        ).values_list("promoter_id", flat=True)
    )


def release_commissions(order_id: str) -> int:
    """Move the frozen commissions of a completed order (what refunds left of them) to the
    promoters' available balances, except those of promoters whose commissions in the store are
    suspended (they stay frozen until it is lifted). Answers the fen released; idempotent."""
    from quanzi.orders.models import OrderStatus

    released = 0
    with transaction.atomic():
        order = lock_order(order_id)
        if order is None or order.status != OrderStatus.COMPLETED:
            return 0
        now = timezone.now()
        commissions = lock_commissions(order.pk)
        # Read after the commission rows are locked: see `quanzi.referrals.locks`.
        held = suspended_promoters(order.store_id, {c.promoter_id for c in commissions})
        for commission in commissions:
            if commission.status != CommissionStatus.FROZEN or commission.promoter_id in held:
                continue
            released += release_commission(order.store_id, commission, now)
    return released


def release_commission(store_id: str, commission: Commission, now: datetime) -> int:
    """Post one frozen commission (what refunds left of it) to the promoter's available balance,
    the commission's row locked by the caller; answers the fen released."""
    order_id = commission.order_id
    amount = commission.amount - commission.reversed_amount
    public_id = commission.promoter.public_id
    post_transaction(
        KIND_RELEASED,
        f"{order_id}:{commission.level}",
        [
            (frozen_account(store_id, public_id), amount, order_id),
            (promoter_available_account(store_id, public_id), -amount, order_id),
        ],
        memo=f"level {commission.level} commission on order {order_id} released",
    )
    Commission.objects.filter(pk=commission.pk).update(
        status=CommissionStatus.AVAILABLE, release_at=now, updated_at=now
    )
    return amount


def reverse_commissions(order_id: str, refunded_total: int) -> int:
    """Reverse commissions in proportion to what is refunded of the order, cumulatively:
    after it, each commission keeps floor(amount × remaining / total) of itself, so a full
    refund reverses all of it. Rounding what is *kept* down (never what is reversed) means the
    commissions kept can never add up to more than what remains of the order in escrow.
    Answers the fen reversed now; idempotent per refunded total."""
    reversed_now = 0
    with transaction.atomic():
        order = lock_order(order_id)
        if order is None or order.total <= 0:
            return 0
        refunded = min(refunded_total, order.total)
        settled = is_settled(order.pk)
        for commission in lock_commissions(order.pk):
            kept = commission.amount * (order.total - refunded) // order.total
            delta = commission.amount - kept - commission.reversed_amount
            if delta > 0:
                _reverse(order, commission, delta, refunded, settled=settled)
                reversed_now += delta
    return reversed_now


def _reverse(
    order: Order, commission: Commission, amount: int, refunded: int, *, settled: bool
) -> None:
    public_id = commission.promoter.public_id
    source = (
        frozen_account(order.store_id, public_id)
        if commission.status == CommissionStatus.FROZEN
        else promoter_available_account(order.store_id, public_id)
    )
    store = available_account(order.store_id) if settled else escrow_account(order.store_id)
    lines: list[Line] = [(source, amount, order.pk), (store, -amount, order.pk)]
    post_transaction(
        KIND_REVERSAL,
        f"{order.pk}:{commission.level}:{refunded}",
        lines,
        memo=f"level {commission.level} commission on order {order.pk} reversed (refund)",
    )
    reversed_amount = commission.reversed_amount + amount
    status = (
        CommissionStatus.REVERSED if reversed_amount >= commission.amount else commission.status
    )
    Commission.objects.filter(pk=commission.pk).update(
        reversed_amount=reversed_amount, status=status, updated_at=timezone.now()
    )
    commission.reversed_amount, commission.status = reversed_amount, status


def escrow_commissions(order: Order) -> int:
    """Net fen moved out of the order's escrow by distribution postings ("commission.*"): no
    longer the store's to settle (a settlement hold, see `quanzi.orders.services.postings`)."""
    held = Entry.objects.filter(
        account__code=escrow_account(order.store_id),
        order_id=order.pk,
        transaction__kind__startswith="commission.",
    ).aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    return int(held)


# --- Signal receivers (connected in ReferralsConfig.ready) -------------------------------------


def on_order_paid(sender: Any, order_id: str, **kwargs: Any) -> None:
    """Sent after the payment committed (a failure is logged with the order id, which names the
    repair: `freeze_commissions` again)."""
    freeze_commissions(order_id)


def on_order_completed(sender: Any, order_id: str, **kwargs: Any) -> None:
    release_commissions(order_id)


def on_order_refunded(sender: Any, order_id: str, refunded_total: int, **kwargs: Any) -> None:
    """Runs inside the refund's transaction; `reverse_commissions` works in a savepoint, so a
    failure here is rolled back alone and logged, and the refund itself still commits."""
    try:
        reverse_commissions(order_id, refunded_total)
    except Exception:
        log.exception("could not reverse the commissions of order %s", order_id)


def connect() -> None:
    from quanzi.orders.signals import order_completed, order_paid, order_refunded

    register_accounts()
    register_kinds()
    register_settlement_hold("referrals.commissions", escrow_commissions)
    order_paid.connect(on_order_paid, dispatch_uid="referrals.distribution.order_paid")
    order_completed.connect(on_order_completed, dispatch_uid="referrals.distribution.completed")
    order_refunded.connect(on_order_refunded, dispatch_uid="referrals.distribution.refunded")
