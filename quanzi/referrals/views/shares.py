"""Referral pages: the short-link redirect, the poster PNG, the sharer's share page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from quanzi.accounts.auth import page_user
from quanzi.core.errors import NotFound
from quanzi.referrals import posters
from quanzi.referrals.services import links as services


def short_url(request: HttpRequest, code: str) -> str:
    """The absolute short link of a code (what the QR code and the copy field carry)."""
    return request.build_absolute_uri(reverse("referrals:go", args=[code]))


@require_GET
def go(request: HttpRequest, code: str) -> HttpResponse:
    """Record the visit (remembered in the session) and go to the shared page."""
    link = services.record_visit(request, code)
    # the page counts a shared visit, brought by this link
    return redirect(f"{services.target_path(link)}?src=share&via={link.code}")


@require_GET
def poster(request: HttpRequest, code: str) -> HttpResponse:
    """The share poster PNG (503 when the server has no CJK font)."""
    link = services.get_link(code)
    response = HttpResponse(posters.render_poster(link, short_url(request, code)))
    response["Content-Type"] = "image/png"
    patch_cache_control(response, private=True, max_age=3600)
    return response


def share_page(request: HttpRequest, code: str) -> HttpResponse:
    """The sharer's page: the link to copy and the poster (only the sharer sees it)."""
    link = services.get_link(code)
    user = page_user(request)
    if user is None or user.pk != link.sharer_id:
        raise NotFound()
    context = {
        "link": link,
        "url": short_url(request, code),
        "poster_url": reverse("referrals:poster", args=[code]),
        "target_url": services.target_path(link),
    }
    return render(request, "referrals/share.html", context)


@require_POST
def create(request: HttpRequest) -> HttpResponse:
    """POST kind, target_id (the Share buttons): make or reuse the link, go to its share page.
    The sharer's own last touch, if any, becomes the link's parent (the share tree)."""
    user = page_user(request)
    if user is None:
        back = request.POST.get("next") or "/"
        return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': back})}")
    ref = request.session.get(services.SESSION_KEY)
    parent = ref.get("code") if isinstance(ref, dict) else None
    link = services.share_link(
        user,
        request.POST.get("kind", ""),
        request.POST.get("target_id", ""),
        parent_code=parent if isinstance(parent, str) else None,
    )
    return redirect("referrals:share", code=link.code)
