"""What the customers pages share: who may see them, and how a refused form comes back."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from quanzi.accounts.auth import signed_in_user
from quanzi.core.errors import DomainError, NotFound
from quanzi.core.ids import is_public_id
from quanzi.stores.models import Store
from quanzi.stores.services import access_store


def customers_store(request: HttpRequest, store_id: str) -> Store:
    """The store, when the signed-in person is its owner or staff let see the customers."""
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    return access_store(signed_in_user(request), store_id, need="customers")


def back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back where the form was (a path on this site only), else `fallback`."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)


def acting(fn: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A POST action whose refusal (a DomainError after the permission check) comes back as a
    message on the page the form was on; permission refusals stay error pages."""

    @wraps(fn)
    def wrapped(request: HttpRequest, store_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        store = customers_store(request, store_id)
        try:
            return fn(request, store, *args, **kwargs)
        except DomainError as exc:
            if exc.status in (401, 403) and exc.code in ("forbidden", "not_authenticated"):
                raise
            messages.error(request, str(exc.message))
            return back(request, f"/customers/console/{store.pk}/")

    return wrapped
