"""Circle pages: chat (thin; services do the work). The chat page itself is a shell: chat.js
loads history over the HTTP API and lives on the socket (docs/chat-protocol.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from quanzi.accounts.auth import page_user
from quanzi.circles.services import cards, chat
from quanzi.circles.services.access import ADMIN_ROLES, access_circle
from quanzi.circles.services.announcements import banner_announcement
from quanzi.circles.services.membership import my_circles
from quanzi.core.errors import DomainError, NotFound
from quanzi.core.ids import new_id


def chat_page(request: HttpRequest, circle_id: str) -> HttpResponse:
    """The circle's chat (members); others go to the circle's page to join."""
    user = page_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    try:
        circle, membership = access_circle(user, circle_id, need="member")
    except NotFound:
        raise
    except DomainError:
        return redirect(f"/circles/{circle_id}/")
    assert membership is not None
    is_admin = membership.role in ADMIN_ROLES
    context = {
        "circle": circle,
        "membership": membership,
        "circle_tab": "chat",
        "is_admin": is_admin,
        "open_reports": chat.open_report_count(circle) if is_admin else 0,
        "announcement": banner_announcement(circle),
        "chat_config": {
            "circleId": circle.pk,
            "me": user.public_id,
            "isAdmin": is_admin,
            "hasStore": circle.store_id is not None,
            "lastReadSeq": membership.last_read_seq,
            "recallSeconds": int(chat.RECALL_WINDOW.total_seconds()),
            "maxText": chat.MAX_TEXT,
        },
    }
    return render(request, "circles/chat_page.html", context)


@require_http_methods(["GET", "POST"])
def reports_page(request: HttpRequest, circle_id: str) -> HttpResponse:
    """The admins' report queue: remove the reported message or dismiss the report."""
    user = page_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    circle, membership = access_circle(user, circle_id, need="admin")
    if request.method == "POST":
        try:
            chat.resolve_report(
                user, circle.pk, request.POST.get("report", ""), request.POST.get("action", "")
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect(f"/circles/{circle.pk}/reports/")
    context = {
        "circle": circle,
        "membership": membership,
        "circle_tab": "reports",
        "reports": chat.report_queue(user, circle.pk),
        "usage": chat.commercial_usage(circle),
    }
    return render(request, "circles/chat_reports.html", context)


SHARE_KINDS = {"order": "order_id", "review": "review_id"}


@require_http_methods(["GET", "POST"])
def share(request: HttpRequest) -> HttpResponse:
    """Share one of my orders, a buyer's review or a campaign card (a group buy, a group, my
    bargain, a coupon: `cards.card_types()`) into one of my circles: the page lists my circles;
    sending goes through the same service as the chat (all its rules)."""
    user = page_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    kind = request.GET.get("kind", "")
    object_id = request.GET.get("id", "")
    card_types = cards.card_types()
    if (kind not in SHARE_KINDS and kind not in card_types) or not object_id:
        raise NotFound()
    error = None
    if request.method == "POST":
        circle_id = request.POST.get("circle", "")
        fields = (
            {"kind": "campaign", "card_type": kind, "target_id": object_id}
            if kind in card_types
            else {"kind": kind, SHARE_KINDS[kind]: object_id}
        )
        try:
            chat.send_message(
                user,
                circle_id,
                text=request.POST.get("text", ""),
                client_id=request.POST.get("client_id", ""),
                **fields,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Shared to the circle."))
            return redirect(f"/circles/{circle_id}/chat/")
    return render(
        request,
        "circles/chat_share.html",
        {
            "kind": kind,
            "object_id": object_id,
            "memberships": my_circles(user),
            "error": error,
            "client_id": new_id(),
        },
        status=error.status if error else 200,
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("share/", share, name="share"),
    path("<str:circle_id>/chat/", chat_page, name="chat"),
    path("<str:circle_id>/reports/", reports_page, name="reports"),
]
