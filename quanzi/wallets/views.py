"""Wallet pages (mounted at /redpackets/wallet/, where they were born with red packets): the
member's balance, history and the top-up form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import signed_in_user
from quanzi.core.errors import DomainError
from quanzi.core.money import yuan_to_fen
from quanzi.wallets import services, topup


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    opened = services.open_wallet(user)
    context = {
        "balance": opened.balance,
        "history": opened.history,
        "min_topup": topup.MIN_TOPUP,
        "max_topup": topup.MAX_TOPUP,
        # What the payer saw on the provider's page; the balance moves on the signed webhook.
        "result": request.GET.get("result", ""),
    }
    return render(request, "wallets/wallet.html", context)


@login_required
@require_POST
def topup_start(request: HttpRequest) -> HttpResponse:
    """POST amount (yuan) → the provider's pay page for a top-up of the wallet."""
    user = signed_in_user(request)
    try:
        amount = yuan_to_fen(request.POST.get("amount") or "", field="amount")
        payment = topup.start_topup(user, amount)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("wallets:wallet")
    return redirect(payment.pay_url)
