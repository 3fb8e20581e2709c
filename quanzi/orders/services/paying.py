"""Paying and refunding orders through payments, and what orders does with payments' outcomes.

Downward calls: orders locks and checks its own rows (the buyer's unpaid orders, in time), then
opens the payment with payments' public API (`start_payment`, `pay_from_wallet`); it refunds an
order with `payments.services.refund` (`refund_order`).

Upward news: payments tells the handler of purpose "orders" (`OrderPayments`, registered in
OrdersConfig.ready) what happened, inside the transaction that records it. The handler marks the
orders paid or refunded (`payment_events`) and books the money (`postings`): locks are taken
orders first, then ledger accounts (`quanzi.orders.locks`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, NotFound
from quanzi.core.ids import is_public_id
from quanzi.orders.errors import OrderCode
from quanzi.orders.locks import lock_buyer_orders
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services import payment_events, postings
from quanzi.payments import services as payments
from quanzi.payments.models import Payment, Refund
from quanzi.payments.purposes import (
    Capture,
    ChargeItem,
    ChargeLine,
    ChargeSummary,
    PaymentPart,
    RefundOutcome,
)
from quanzi.stores.models import StoreStaff
from quanzi.wallets.provider import PROVIDER as WALLET

ORDER_NOT_FOUND = _("Order not found.")


# --- Paying ----------------------------------------------------------------------------------


def _return_url(order_ids: Sequence[str]) -> str:
    """Where the payer lands after the pay page: the order, or the order list for several."""
    orders_url = reverse("orders:my_orders")
    return f"{orders_url}{order_ids[0]}/" if len(order_ids) == 1 else orders_url


def _lock_payable(user: User, order_ids: Sequence[str]) -> list[Order]:
    """The user's orders, locked in id order, each waiting for payment and still in time."""
    orders = lock_buyer_orders(user, order_ids)
    if len(orders) != len(order_ids):
        raise NotFound(ORDER_NOT_FOUND)
    now = timezone.now()
    for order in orders:
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise Conflict(
                _("Order %(id)s is not waiting for payment.") % {"id": order.number},
                code=OrderCode.NOT_PAYABLE,
            )
        if order.pay_deadline <= now:
            raise Conflict(
                _("The time to pay order %(id)s has passed.") % {"id": order.number},
                code=OrderCode.PAYMENT_WINDOW_PASSED,
            )
        if order.total <= 0:
            raise Conflict(_("There is nothing to pay."), code=OrderCode.NOTHING_TO_PAY)
    return orders


def _pay(user: User, order_ids: list[str], provider: str | None) -> Payment:
    """Open (or reuse) the payment of these orders of `user` at `provider`: other open pay pages
    of theirs are closed first (outside any lock), then the orders are locked and checked and the
    payment opened in one transaction, then the provider's pay page is asked for (outside the
    locks; a provider that captures at once has captured already)."""
    if not all(is_public_id(order_id) for order_id in order_ids):
        raise NotFound(ORDER_NOT_FOUND)
    payments.close_open_payments(user, order_ids, provider=provider)
    with transaction.atomic():
        locked = _lock_payable(user, order_ids)
        payment = payments.open_payment(
            user,
            [PaymentPart(order.pk, order.total) for order in locked],
            return_url=_return_url(order_ids),
            provider=provider,
        )
    return payments.open_charge(payment)


def start_payment(user: User, orders: Sequence[Order]) -> Payment:
    """Open (or reuse) a payment for exactly these orders of `user`; `pay_url` is where to pay.

    NotFound when an order is not the user's; Conflict when one is not waiting for payment or
    its pay deadline has passed. An open payment for the same set of orders is reused; other
    open payments touching these orders are cancelled (and their provider charges closed).
    """
    return _pay(user, sorted({order.pk for order in orders}), provider=None)


def start_payment_of(user: User, order_ids: Sequence[str]) -> Payment:
    """`start_payment` for orders named by id (payments' endpoint and page): NotFound unless
    every id names an order."""
    wanted = set(order_ids)
    if not wanted or not all(is_public_id(order_id) for order_id in wanted):
        raise NotFound(ORDER_NOT_FOUND)
    orders = list(Order.objects.filter(pk__in=wanted))
    if len(orders) != len(wanted):
        raise NotFound(ORDER_NOT_FOUND)
    return start_payment(user, orders)


def pay_from_wallet(user: User, order_id: str) -> Payment:
    """Pay the buyer's own unpaid order (in time) from their wallet, at once; Conflict when the
    wallet does not hold enough (nothing is written). The wallet is a payment provider that
    captures at once (quanzi.wallets.provider): the order is paid when this returns."""
    return _pay(user, [order_id], provider=WALLET)


# --- Refunding -------------------------------------------------------------------------------


def refund_order(
    order: Order, amount: int, *, reason: str, after_sale_id: str | None = None
) -> Refund:
    """Refund `amount` fen of the captured payment that paid `order` (payments.services.refund:
    never more than what is left, once per after-sales request); the refund completes when the
    provider says so, through `OrderPayments.refund_succeeded`."""
    return payments.refund(order.pk, amount, reason=reason, after_sale_id=after_sale_id)


# --- What payments tells orders ----------------------------------------------------------------


def _post_refund(refund: RefundOutcome, *, unapplied: bool) -> None:
    postings.record_refund(
        provider=refund.provider,
        refund_id=refund.refund_id,
        order_id=refund.order_id,
        amount=refund.amount,
        unapplied=unapplied,
    )


class OrderPayments:
    """The handler of payments of purpose "orders" (quanzi.payments.purposes)."""

    def start(self, payer: User, order_ids: Sequence[str]) -> Payment:
        return start_payment_of(payer, order_ids)

    def describe(self, payment: Payment) -> ChargeSummary:
        """Each order's merchant, amount and items, in the order they were placed; the charge
        expires at the earliest pay deadline."""
        amounts = dict(payment.parts.values_list("order_id", "amount"))
        orders = list(
            Order.objects.filter(pk__in=amounts)
            .select_related("store")
            .prefetch_related("items")
            .order_by("created_at", "pk")
        )
        lines = tuple(
            ChargeLine(
                merchant=order.store.name,
                order_id=order.pk,
                order_number=order.number,
                amount=amounts[order.pk],
                items=tuple(
                    ChargeItem(title=i.title, spec=i.sku_label, quantity=i.quantity)
                    for i in order.items.all()
                ),
            )
            for order in orders
        )
        return ChargeSummary(lines=lines, expires_at=min(order.pay_deadline for order in orders))

    def titles(self, paid: Mapping[str, Sequence[str]]) -> Mapping[str, str]:
        """The numbers of the orders paid ("Order 2026120204718356", "Orders …, …")."""
        wanted = {order_id for order_ids in paid.values() for order_id in order_ids}
        numbers = dict(Order.objects.filter(pk__in=wanted).values_list("pk", "number"))
        titles = {}
        for key, order_ids in paid.items():
            found = sorted(numbers[order_id] for order_id in order_ids if order_id in numbers)
            if found:
                titles[key] = ngettext("Order %(numbers)s", "Orders %(numbers)s", len(found)) % {
                    "numbers": ", ".join(found)
                }
        return titles

    def may_view(self, user: User, payment: Payment) -> bool:
        """Staff of a store whose order the payment pays."""
        stores = Order.objects.filter(pk__in=payment.parts.values("order_id")).values("store_id")
        return StoreStaff.objects.filter(user=user, store_id__in=stores).exists()

    def captured(self, capture: Capture) -> Collection[str]:
        """Each order is told once (it accepts unless it can no longer be paid), then the capture
        is posted: accepted parts into their store's escrow, refused ones held as unapplied."""
        accepted = {
            part.order_id
            for part in capture.parts
            if payment_events.on_payment_captured(part.order_id, capture.payment_id)
        }
        stores = dict(Order.objects.filter(pk__in=accepted).values_list("pk", "store_id"))
        postings.record_capture(
            provider=capture.provider,
            payment_id=capture.payment_id,
            parts=[
                (stores[p.order_id], p.order_id, p.amount)
                for p in capture.parts
                if p.order_id in accepted
            ],
            unapplied=[(p.order_id, p.amount) for p in capture.parts if p.order_id not in accepted],
        )
        return accepted

    def refund_succeeded(self, refund: RefundOutcome) -> None:
        _post_refund(refund, unapplied=False)
        payment_events.on_refund_succeeded(
            refund.order_id, refund.amount, refund.after_sale_id, payment_id=refund.payment_id
        )

    def late_payment_returned(self, refund: RefundOutcome) -> None:
        _post_refund(refund, unapplied=True)
        payment_events.on_late_payment_returned(refund.order_id)

    def refund_failed(self, refund: RefundOutcome) -> None:
        payment_events.on_refund_failed(refund.order_id, refund.after_sale_id)
