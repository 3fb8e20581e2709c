"""Ledger pages: the merchant console's balance tab."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from quanzi.accounts.auth import signed_in_user
from quanzi.accounts.models import User
from quanzi.ledger.kinds import movements
from quanzi.ledger.store_accounts import access_store_ledger, store_balance, store_entries

PAGE_SIZE = 20


@login_required
def console_balance(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's balance (pending settlement and available) and its history, newest first."""
    user: User = signed_in_user(request)
    store = access_store_ledger(user, store_id)
    page = Paginator(store_entries(store.pk), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "store": store,
        "console_tab": "balance",
        "balance": store_balance(store.pk),
        "page": page,
        "lines": movements(page.object_list),
    }
    return render(request, "ledger/console_balance.html", context)
