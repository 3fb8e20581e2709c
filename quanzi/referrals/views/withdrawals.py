"""Withdrawal pages: the promoter's withdraw form (a panel of the promoter centre) and the
merchant console's review list with approve and reject."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from quanzi.accounts.auth import signed_in_user
from quanzi.accounts.models import User
from quanzi.core.errors import CoreCode, DomainError, InvalidInput
from quanzi.core.idempotency import run_idempotent
from quanzi.core.ids import new_id
from quanzi.core.money import format_fen, yuan_to_fen
from quanzi.core.pagination import page_number, paginate
from quanzi.referrals.models import WithdrawalStatus
from quanzi.referrals.services import suspension, withdrawals
from quanzi.stores.models import Store

PANEL = "referrals/withdrawals_panel.html"
PANEL_ROWS = 20
PAGE_SIZE = 20
MAX_AMOUNT_CHARS = 20


def amount_fen(raw: str) -> int:
    """A yuan amount typed by a person ("12", "12.5", "¥12.50") in fen; anything else — more
    than two decimals, words, or a number too long to be money — is a 400."""
    bad = InvalidInput(
        gettext_lazy("Enter an amount in yuan with at most two decimals, e.g. 12.50."),
        code=CoreCode.INVALID_AMOUNT,
    )
    if len(raw) > MAX_AMOUNT_CHARS:
        raise bad
    try:
        return yuan_to_fen(raw)
    except InvalidInput as exc:
        raise bad from exc


def panel_context(user: User, store: Store) -> dict[str, Any]:
    """What the promoter centre adds to its context to show the withdrawals panel (it has
    `store`, `balance` and `config` already): the panel's template, the promoter's latest
    withdrawals, their withdrawn figures and a fresh key that makes a double submit harmless."""
    return {
        "withdrawals_panel": PANEL,
        "withdrawals": list(withdrawals.withdrawals_of_promoter(user, store)[:PANEL_ROWS]),
        "withdrawal_summary": withdrawals.withdrawal_summary(store.pk, user),
        "withdraw_key": new_id(),
        "commissions_suspended": suspension.SUSPENDED_MESSAGE
        if suspension.is_suspended(store.pk, user.pk)
        else None,
    }


@login_required
@require_POST
def withdraw(request: HttpRequest, store_id: str) -> HttpResponse:
    """POST amount (yuan), key: ask to withdraw; back to the promoter centre with the outcome."""
    user = signed_in_user(request)
    store = withdrawals.withdrawal_store(store_id)
    raw = request.POST.get("amount", "").strip()

    def action() -> tuple[int, Any]:
        row = withdrawals.request_withdrawal(user, store.pk, amount_fen(raw))
        return 201, {"id": row.pk, "net": row.net}

    try:
        _status, body = run_idempotent(
            user,
            "referrals.withdraw.page",
            request.POST.get("key") or None,
            {"store_id": store.pk, "amount": raw},
            action,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Withdrawal requested: %(net)s will be paid to you once the store approves it.")
            % {"net": format_fen(body["net"])},
        )
    return redirect(reverse("promote:centre", args=[store.pk]))


# --- The merchant console ----------------------------------------------------------------------


def _render_console(
    request: HttpRequest, store: Store, error: DomainError | None = None
) -> HttpResponse:
    status = request.GET.get("status", "")
    page = paginate(
        withdrawals.withdrawals_of_store(store, status), page_number(request), PAGE_SIZE
    )
    context = {
        "store": store,
        "console_tab": "distribution",
        "page": page,
        "status": status,
        "statuses": WithdrawalStatus.choices,
        "error": error,
        "form": request.POST if error else {},
    }
    return render(
        request,
        "referrals/withdrawals_console.html",
        context,
        status=error.status if error else 200,
    )


@login_required
@require_GET
def console(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's withdrawals, waiting ones first, with approve and reject (owner and staff)."""
    return _render_console(request, withdrawals.access_review(signed_in_user(request), store_id))


@login_required
@require_POST
def console_approve(request: HttpRequest, store_id: str, withdrawal_id: str) -> HttpResponse:
    user = signed_in_user(request)
    store = withdrawals.access_review(user, store_id)
    try:
        row = withdrawals.approve_withdrawal(user, store.pk, withdrawal_id)
    except DomainError as exc:
        return _render_console(request, store, exc)
    messages.success(
        request,
        _("Approved: %(net)s is being paid to %(name)s.")
        % {"net": format_fen(row.net), "name": row.promoter.display_name},
    )
    return redirect("promote:withdrawals", store_id=store.pk)


@login_required
@require_POST
def console_reject(request: HttpRequest, store_id: str, withdrawal_id: str) -> HttpResponse:
    user = signed_in_user(request)
    store = withdrawals.access_review(user, store_id)
    try:
        withdrawals.reject_withdrawal(user, store.pk, withdrawal_id, request.POST.get("reason", ""))
    except DomainError as exc:
        return _render_console(request, store, exc)
    messages.success(request, _("Withdrawal rejected: the amount is available to them again."))
    return redirect("promote:withdrawals", store_id=store.pk)
