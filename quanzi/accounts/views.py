"""Account pages: sign up, log in, log out, profile and addresses (thin; services do the work)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts import login_limits, services
from quanzi.accounts.auth import signed_in_user
from quanzi.accounts.models import User
from quanzi.core.errors import DomainError, InvalidInput


def _next_url(request: HttpRequest, default: str = "/") -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], error: DomainError | None
) -> HttpResponse:
    """A form page, with the error's status (a 429 says when to retry, as the API does)."""
    response = render(
        request, template, {"error": error, **context}, status=error.status if error else 200
    )
    if error is not None:
        for name, value in error.headers().items():
            response[name] = value
    return response


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
                request, request.POST.get("identifier", ""), request.POST.get("password", "")
            )
        except DomainError as exc:
            error = exc
        else:
            login(request, user, backend="quanzi.accounts.backends.PhoneOrUsernameBackend")
            response = redirect(_next_url(request))
            login_limits.remember_device(response, user)
            return response
    return _render(
        request, "accounts/login.html", {"next": _next_url(request), "form": request.POST}, error
    )


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change the password: other sessions are logged out and API tokens revoked; this one
    stays logged in."""
    user: User = signed_in_user(request)
    error: DomainError | None = None
    if request.method == "POST":
        new_password = request.POST.get("new_password", "")
        try:
            if new_password != request.POST.get("new_password2", ""):
                raise InvalidInput(_("The two new passwords differ."), field="new_password2")
            services.change_password(
                request, user, request.POST.get("old_password", ""), new_password
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Your password has been changed."))
            response = redirect("accounts:profile")
            login_limits.remember_device(response, user)
            return response
    return _render(request, "accounts/password_change.html", {}, error)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:home")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = signed_in_user(request)
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


def _address_input(post: QueryDict) -> services.AddressInput:
    return services.AddressInput(
        recipient=post.get("recipient", ""),
        phone=post.get("phone", ""),
        province=post.get("province", ""),
        city=post.get("city", ""),
        district=post.get("district", ""),
        detail=post.get("detail", ""),
    )


@login_required
def address_edit(request: HttpRequest, address_id: str | None = None) -> HttpResponse:
    user: User = signed_in_user(request)
    address = services.access_address(user, address_id) if address_id else None
    error = None
    if request.method == "POST":
        try:
            services.save_address(
                user,
                _address_input(request.POST),
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
    services.set_default_address(signed_in_user(request), address_id)
    return redirect(_next_url(request, "/accounts/profile/"))


@login_required
@require_POST
def address_delete(request: HttpRequest, address_id: str) -> HttpResponse:
    services.delete_address(signed_in_user(request), address_id)
    messages.success(request, _("Address deleted."))
    return redirect("accounts:profile")
