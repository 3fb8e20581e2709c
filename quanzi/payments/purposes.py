"""What a payment is for, and who hears what happens to its money.

Every payment has a purpose: "orders" (it pays some of the payer's orders, one part each),
"wallet_topup" (money the payer puts into their wallet), and later "deposit" / "balance". The
domain that owns a purpose registers its handler in its AppConfig.ready
(`register_purpose("orders", handler)`), and payments calls it — inside the transaction that
records each outcome — so that payments imports no domain above it and each domain books its own
money in the same transaction as the payment's status:

- `captured`: the provider took the money; the handler answers which parts it accepts (an order
  that can no longer be paid refuses its part, which payments then refunds in full);
- `refund_succeeded`: money the payer had paid a part with went back;
- `late_payment_returned`: the refund of a part its order refused went back;
- `refund_failed`: the provider refused a refund.

A handler that raises rolls the outcome back with it (the provider's event is then retried).
The handler also describes what is paid (`describe`, for the provider's pay page; `titles`, for
the payer's history of their wallet), says who else than the payer may read the payment
(`may_view`), and opens a payment from payments' own endpoint and page (`start`, the order ids
of POST /api/v1/payments and /pay/start/).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.payments.models import Payment


@dataclass(frozen=True)
class PaymentPart:
    """The part of a payment that pays one order: `amount` fen."""

    order_id: str
    amount: int


@dataclass(frozen=True)
class ChargeItem:
    title: str
    spec: str
    quantity: int


@dataclass(frozen=True)
class ChargeLine:
    """One line of what the payer sees on the provider's pay page: `order_number` is what the
    payer reads of the order (a provider's "merchant order number"), `order_id` its address."""

    merchant: str
    amount: int
    order_id: str = ""
    order_number: str = ""
    items: tuple[ChargeItem, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "merchant": self.merchant,
            "order_id": self.order_id,
            "order_number": self.order_number,
            "amount": self.amount,
        }
        if self.items is not None:
            line["items"] = [
                {"title": i.title, "spec": i.spec, "quantity": i.quantity} for i in self.items
            ]
        return line


@dataclass(frozen=True)
class ChargeSummary:
    """What a payment pays, for the provider's pay page, and until when it can be paid."""

    lines: tuple[ChargeLine, ...]
    expires_at: datetime


@dataclass(frozen=True)
class Capture:
    """A payment whose money the provider took (told once per payment)."""

    payment_id: str
    provider: str
    payer: User
    amount: int
    parts: tuple[PaymentPart, ...] = field(default=())


@dataclass(frozen=True)
class RefundOutcome:
    """A refund of `amount` fen of one part of a payment, as the provider settled it."""

    refund_id: str
    payment_id: str
    provider: str
    order_id: str
    amount: int
    after_sale_id: str | None


class PurposeHandler(Protocol):
    """What the domain owning a purpose does when payments opens, describes or settles one."""

    def start(self, payer: User, order_ids: Sequence[str]) -> Payment:
        """Open (or resume) a payment for these orders of `payer` (payments' own endpoint and
        page); a purpose that is paid another way refuses."""
        ...

    def describe(self, payment: Payment) -> ChargeSummary:
        """What the payer pays, shown on the provider's pay page, and until when."""
        ...

    def titles(self, paid: Mapping[str, Sequence[str]]) -> Mapping[str, str]:
        """How a history names what was paid, in the active language: for each key (a
        payment's id or a refund's) the order ids it paid (the payment's parts, the refund's one
        order) → a short text such as the orders' numbers; never an id or a provider."""
        ...

    def may_view(self, user: User, payment: Payment) -> bool:
        """Whether `user`, who is not the payer, may read the payment."""
        ...

    def captured(self, capture: Capture) -> Collection[str]:
        """Book the captured money; answers the order ids of the parts accepted."""
        ...

    def refund_succeeded(self, refund: RefundOutcome) -> None:
        """Book money given back of a part its order accepted."""
        ...

    def late_payment_returned(self, refund: RefundOutcome) -> None:
        """Book money given back of a part its order refused."""
        ...

    def refund_failed(self, refund: RefundOutcome) -> None:
        """The provider refused a refund (nothing moved)."""
        ...


_handlers: dict[str, PurposeHandler] = {}


def register_purpose(purpose: str, handler: PurposeHandler) -> None:
    """Make `handler` the one told about payments of `purpose` (in an AppConfig.ready; a
    second registration replaces the first, so a reloaded app keeps one handler)."""
    _handlers[purpose] = handler


def handler_for(purpose: str) -> PurposeHandler:
    """The handler of `purpose`; LookupError when no domain registered it."""
    try:
        return _handlers[purpose]
    except KeyError:
        raise LookupError(f"no handler registered for payments of purpose {purpose!r}") from None
