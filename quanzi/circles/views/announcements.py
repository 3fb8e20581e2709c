"""Circle pages: announcements with launch countdowns, and the notification centre (thin;
services do the work).

The notification centre lives at /circles/me/notifications/: a bare /circles/notifications/
would be taken for a circle id by the membership pages' `<circle_id>/`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quanzi.accounts.auth import page_user
from quanzi.accounts.models import User
from quanzi.circles.models import Announcement
from quanzi.circles.services import announcements as services
from quanzi.circles.services import notifications
from quanzi.circles.services.access import ADMIN_ROLES, access_circle
from quanzi.core.errors import DomainError, NotFound
from quanzi.core.ids import is_public_id
from quanzi.core.validation import local_datetime, local_input

NOTIFICATIONS_PER_PAGE = 20


def _fields(request: HttpRequest) -> dict[str, Any]:
    """The announcement form's fields as the service takes them."""
    raw_time = request.POST.get("launch_at", "").strip()
    launch_at = None
    if raw_time:
        message = _("Enter the launch time as date and time.")
        launch_at = local_datetime(raw_time, field="launch_at", message=message)
    return {
        "title": request.POST.get("title", ""),
        "body": request.POST.get("body", ""),
        "product_id": request.POST.get("product", "").strip() or None,
        "launch_at": launch_at,
    }


def _form_values(announcement: Announcement | None, request: HttpRequest) -> dict[str, str]:
    """What the form shows: the posted values after an error, else the announcement's."""
    if request.method == "POST":
        return {k: request.POST.get(k, "") for k in ("title", "body", "product", "launch_at")}
    if announcement is None:
        return {"title": "", "body": "", "product": "", "launch_at": ""}
    launch = announcement.launch_at
    return {
        "title": announcement.title,
        "body": announcement.body,
        "product": announcement.product_id or "",
        "launch_at": local_input(launch),
    }


def _page(
    request: HttpRequest,
    user: User,
    circle_id: str,
    *,
    editing: Announcement | None = None,
    error: DomainError | None = None,
) -> HttpResponse:
    circle, membership, rows = services.list_announcements(user, circle_id)
    is_admin = membership.role in ADMIN_ROLES
    context = {
        "circle": circle,
        "membership": membership,
        "circle_tab": "announcements",
        "is_admin": is_admin,
        "announcements": rows,
        "editing": editing,
        "form": _form_values(editing, request),
        "error": error,
        "products": services.store_products(user, circle) if is_admin else [],
    }
    template = "circles/announcements_edit.html" if editing else "circles/announcements_page.html"
    return render(request, template, context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def announcements_page(request: HttpRequest, circle_id: str) -> HttpResponse:
    """Members read the announcements; admins also post them (the form re-renders on errors)."""
    user = page_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        try:
            a = services.create_announcement(user, circle_id, **_fields(request))
        except DomainError as exc:
            if exc.status in (401, 403, 404):
                raise
            return _page(request, user, circle_id, error=exc)
        return redirect(f"/circles/{a.circle_id}/announcements/#a-{a.pk}")
    return _page(request, user, circle_id)


def _announcement(user: User, circle_id: str, announcement_id: str) -> Announcement:
    circle, _m = access_circle(user, circle_id, need="admin")
    found = (
        Announcement.objects.filter(circle=circle, pk=announcement_id)
        .select_related("product")
        .first()
        if is_public_id(announcement_id)
        else None
    )
    if found is None:
        raise NotFound(_("Announcement not found."))
    return found


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, circle_id: str, announcement_id: str) -> HttpResponse:
    user = page_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    announcement = _announcement(user, circle_id, announcement_id)
    if request.method == "POST":
        try:
            services.update_announcement(user, circle_id, announcement_id, **_fields(request))
        except DomainError as exc:
            if exc.status in (401, 403, 404):
                raise
            return _page(request, user, circle_id, editing=announcement, error=exc)
        return redirect(f"/circles/{circle_id}/announcements/#a-{announcement_id}")
    return _page(request, user, circle_id, editing=announcement)


@require_POST
def pin(request: HttpRequest, circle_id: str, announcement_id: str) -> HttpResponse:
    user = page_user(request)
    if user is None:
        return redirect_to_login(f"/circles/{circle_id}/announcements/")
    pinned = request.POST.get("pinned") == "1"
    services.set_pinned(user, circle_id, announcement_id, pinned)
    return redirect(f"/circles/{circle_id}/announcements/")


@require_POST
def delete(request: HttpRequest, circle_id: str, announcement_id: str) -> HttpResponse:
    user = page_user(request)
    if user is None:
        return redirect_to_login(f"/circles/{circle_id}/announcements/")
    services.delete_announcement(user, circle_id, announcement_id)
    return redirect(f"/circles/{circle_id}/announcements/")


@require_POST
def mute_circle(request: HttpRequest, circle_id: str) -> HttpResponse:
    """Turn the circle's notifications off or on (members), back to the announcements."""
    user = page_user(request)
    if user is None:
        return redirect_to_login(f"/circles/{circle_id}/announcements/")
    notifications.set_circle_muted(user, circle_id, request.POST.get("muted") == "1")
    return redirect(f"/circles/{circle_id}/announcements/")


# --- The notification centre -----------------------------------------------------------------


@require_GET
def notification_centre(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    paginator = Paginator(notifications.notifications_of(user), NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context = {"page": page, "unread": notifications.unread_count(user)}
    return render(request, "circles/notifications_page.html", context)


@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (`id`) or all (`all`) read; `go=1` then follows its link."""
    user = page_user(request)
    if user is None:
        return redirect_to_login("/circles/me/notifications/")
    if request.POST.get("all"):
        notifications.mark_read(user, "all")
        return redirect("/circles/me/notifications/")
    notification_id = request.POST.get("id", "")
    notifications.mark_read(user, [notification_id])
    if request.POST.get("go"):
        target = notifications.notifications_of(user).filter(pk=notification_id).first()
        if target is not None and url_has_allowed_host_and_scheme(
            target.url, allowed_hosts={request.get_host()}
        ):
            return redirect(target.url)
    return redirect("/circles/me/notifications/")


@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The unread badge alone, for the HTMX poll of `{% unread_notifications_badge %}`."""
    user = page_user(request)
    count = notifications.unread_count(user) if user is not None else None
    return render(request, "circles/notifications_badge.html", {"count": count})


urlpatterns: list[URLPattern | URLResolver] = [
    path("me/notifications/", notification_centre, name="notifications"),
    path("me/notifications/read/", mark_read, name="notifications_read"),
    path("me/notifications/badge/", badge, name="notifications_badge"),
    path("<str:circle_id>/announcements/", announcements_page, name="announcements"),
    path(
        "<str:circle_id>/announcements/<str:announcement_id>/edit/",
        edit,
        name="announcement_edit",
    ),
    path(
        "<str:circle_id>/announcements/<str:announcement_id>/pin/",
        pin,
        name="announcement_pin",
    ),
    path(
        "<str:circle_id>/announcements/<str:announcement_id>/delete/",
        delete,
        name="announcement_delete",
    ),
    path("<str:circle_id>/notifications/mute/", mute_circle, name="notifications_mute"),
]
