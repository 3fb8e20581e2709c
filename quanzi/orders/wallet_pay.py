"""Paying an order from the wallet: the page (/redpackets/wallet/pay/<order id>/) and the
endpoint (POST /api/v1/redpackets/wallet/pay/{order_id}), at the paths they had when the wallet
was part of red packets. They belong to orders: they show an order and pay it (paying.py) with
the wallet's balance (quanzi.wallets, below orders)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from ninja import Router

from quanzi.accounts.auth import AUTH, current_user, signed_in_user
from quanzi.core.errors import DomainError
from quanzi.core.schemas import Schema
from quanzi.orders.services.access import access_order
from quanzi.orders.services.paying import pay_from_wallet
from quanzi.wallets.services import wallet_balance


@login_required
def pay_page(request: HttpRequest, order_id: str) -> HttpResponse:
    """Pay an unpaid order from the wallet: the confirmation page (GET) and the payment (POST)."""
    user = signed_in_user(request)
    order = access_order(user, order_id, need="buyer")
    if request.method == "POST":
        try:
            pay_from_wallet(user, order.pk)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Paid from your wallet."))
            return redirect("orders:detail", order_id=order.pk)
    context = {"order": order, "balance": wallet_balance(user)}
    return render(request, "orders/pay_from_wallet.html", context)


router = Router(auth=AUTH)


class WalletPaymentOut(Schema):
    payment_id: str
    order_id: str
    amount: int
    status: str
    balance: int


@router.post("/{order_id}", response=WalletPaymentOut)
def pay_order(request: HttpRequest, order_id: str) -> dict[str, Any]:
    """Pay the caller's own unpaid order from the wallet, at once (409 when it holds too little)."""
    user = current_user(request)
    payment = pay_from_wallet(user, order_id)
    return {
        "payment_id": payment.pk,
        "order_id": order_id,
        "amount": payment.amount,
        "status": payment.status,
        "balance": wallet_balance(user),
    }
