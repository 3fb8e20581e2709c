"""Account pages: sign up, log in, log out, profile and addresses (thin; services do the work)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts import services
from quanzi.accounts.models import User
from quanzi.core.errors import DomainError


def _next_url(request: HttpRequest, default: str = "/") -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def signup(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            user = services.sign_up(
                username=request.POST.get("username", ""),
                password=request.POST.get("password", ""),
                phone=request.POST.get("phone") or None,
                nickname=request.POST.get("nickname", ""),
            )
        except DomainError as exc:
            error = exc
        else:
            login(request, user, backend="quanzi.accounts.backends.PhoneOrUsernameBackend")
            messages.success(request, _("Welcome to Quanzi!"))
            return redirect(_next_url(request))
    status = error.status if error else 200
    return render(
        request,
        "accounts/signup.html",
        {"error": error, "next": _next_url(request), "form": request.POST},
        status=status,
    )


def login_view(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            user = services.log_in(
                request,
                request.POST.get("identifier", ""),
                request.POST.get("password", ""),
                ip=client_ip(request),
            )
        except DomainError as exc:
            error = exc
        else:
            login(request, user, backend="quanzi.accounts.backends.PhoneOrUsernameBackend")
            return redirect(_next_url(request))
    status = error.status if error else 200
    return render(
        request,
        "accounts/login.html",
        {"error": error, "next": _next_url(request), "form": request.POST},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:home")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    error = None
    if request.method == "POST":
        try:
            services.update_profile(
                user, nickname=request.POST.get("nickname"), avatar=request.FILES.get("avatar")
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Profile saved."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {"error": error, "addresses": user.addresses.all()},
        status=error.status if error else 200,
    )


@login_required
def address_edit(request: HttpRequest, address_id: str | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    address = services.access_address(user, address_id) if address_id else None
    error = None
    if request.method == "POST":
        try:
            services.save_address(
                user,
                request.POST.dict(),
                address_id=address_id,
                make_default=bool(request.POST.get("is_default")),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Address saved."))
            return redirect(_next_url(request, "/accounts/profile/"))
    return render(
        request,
        "accounts/address_form.html",
        {
            "error": error,
            "address": address,
            "form": request.POST or None,
            "next": _next_url(request, "/accounts/profile/"),
        },
        status=error.status if error else 200,
    )


@login_required
@require_POST
def address_default(request: HttpRequest, address_id: str) -> HttpResponse:
    services.set_default_address(request.user, address_id)  # type: ignore[arg-type]
    return redirect(_next_url(request, "/accounts/profile/"))


@login_required
@require_POST
def address_delete(request: HttpRequest, address_id: str) -> HttpResponse:
    services.delete_address(request.user, address_id)  # type: ignore[arg-type]
    messages.success(request, _("Address deleted."))
    return redirect("accounts:profile")
