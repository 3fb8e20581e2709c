"""Circle pages: the coupon a store circle's announcement carries (thin: the service checks
the permissions). Mounted at /coupons/announcements/ (quanzi.circles.coupon_urls), the path it
had when coupons composed circles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import page_user
from quanzi.circles.services import coupons
from quanzi.core.errors import InvalidInput


@require_POST
def announcement_coupon(request: HttpRequest, circle_id: str, announcement_id: str) -> HttpResponse:
    """Choose the coupon an announcement carries (circle admins who work for the store)."""
    back = f"/circles/{circle_id}/announcements/"
    user = page_user(request)
    if user is None:
        return redirect_to_login(back)
    try:
        coupons.attach_to_announcement(
            user, circle_id, announcement_id, request.POST.get("coupon") or None
        )
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Announcement coupon saved."))
    return redirect(f"{back}#a-{announcement_id}")
