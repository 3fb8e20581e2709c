"""Payment pages: start paying orders, and the sandbox gateway's hosted pay page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import signed_in_user
from quanzi.accounts.models import User
from quanzi.core.errors import DomainError
from quanzi.payments.models import PaymentPurpose
from quanzi.payments.providers import sandbox
from quanzi.payments.providers.sandbox_models import SandboxCharge
from quanzi.payments.purposes import handler_for


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """POST order_id (one or more) → the provider's pay page for those orders (the orders'
    domain locks and checks them, then opens the payment: purposes.py)."""
    user: User = signed_in_user(request)
    payment = handler_for(PaymentPurpose.ORDERS).start(user, request.POST.getlist("order_id"))
    return redirect(payment.pay_url)


def _pay_page(
    request: HttpRequest, charge: SandboxCharge, error: DomainError | None = None
) -> HttpResponse:
    context = {"charge": charge, "expired": sandbox.is_expired(charge), "error": error}
    return render(
        request, "payments/sandbox_pay.html", context, status=error.status if error else 200
    )


@login_required
def sandbox_pay(request: HttpRequest, charge_id: str) -> HttpResponse:
    """The sandbox gateway's hosted page: merchants, amount, orders; confirm or decline."""
    user: User = signed_in_user(request)
    return _pay_page(request, sandbox.access_charge(user, charge_id))


@login_required
@require_POST
def sandbox_confirm(request: HttpRequest, charge_id: str) -> HttpResponse:
    user: User = signed_in_user(request)
    try:
        charge = sandbox.confirm_charge(user, charge_id)
    except DomainError as exc:
        return _pay_page(request, sandbox.access_charge(user, charge_id), exc)
    return redirect(_with_result(charge.return_url, "succeeded"))


@login_required
@require_POST
def sandbox_decline(request: HttpRequest, charge_id: str) -> HttpResponse:
    user: User = signed_in_user(request)
    try:
        charge = sandbox.decline_charge(user, charge_id)
    except DomainError as exc:
        return _pay_page(request, sandbox.access_charge(user, charge_id), exc)
    return redirect(_with_result(charge.return_url, "declined"))


def _with_result(return_url: str, result: str) -> str:
    """Like a real gateway, the sandbox sends the payer back with the outcome they saw
    (`?result=succeeded`); the platform still waits for the signed webhook to believe it."""
    separator = "&" if "?" in return_url else "?"
    return f"{return_url}{separator}result={result}"
