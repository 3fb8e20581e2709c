"""Red packet pages: the circle's packets with the send form, a packet with its grab button and
every grab (the member's wallet is the wallets' app's). Domain errors on GET become error pages
(middleware); on POST they come back as a message on the page."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import signed_in_user
from quanzi.campaigns.redpackets import services
from quanzi.campaigns.redpackets.errors import RedPacketCode
from quanzi.campaigns.redpackets.models import PacketKind
from quanzi.core.errors import DomainError, InvalidInput
from quanzi.core.htmx import is_htmx
from quanzi.core.money import fen_to_yuan_str, yuan_to_fen
from quanzi.stores.services import role_in
from quanzi.wallets.services import wallet_balance


@login_required
def circle(request: HttpRequest, circle_id: str) -> HttpResponse:
    user = signed_in_user(request)
    the_circle, packets = services.circle_packets(user, circle_id)
    balance = wallet_balance(user)
    context = {
        "circle": the_circle,
        "packets": packets.prefetch_related(None)[:50],
        "balance": balance,
        # Point to the top-up when the wallet is empty or the last send lacked the money.
        "low_balance": balance <= 0 or request.GET.get("short") == "1",
        "is_store_staff": the_circle.store is not None
        and role_in(user, the_circle.store) is not None,
        "kinds": PacketKind.choices,
    }
    return render(request, "redpackets/circle.html", context)


def _visible_at(raw: str) -> datetime | None:
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None:
        raise InvalidInput(_("Enter a valid time."), code=RedPacketCode.INVALID_VISIBLE_AT)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
@require_POST
def send(request: HttpRequest, circle_id: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        count = int(request.POST.get("count") or 0)
        total = yuan_to_fen(request.POST.get("total") or "0", field="total")
        packet = services.send_packet(
            user,
            circle_id,
            total=total,
            count=count,
            kind=request.POST.get("kind") or PacketKind.RANDOM,
            greeting=request.POST.get("greeting", ""),
            from_store=request.POST.get("from_store") == "1",
            visible_at=_visible_at(request.POST.get("visible_at", "")),
        )
    except ValueError:
        messages.error(request, _("Enter whole numbers for the shares and an amount in yuan."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        if exc.code == "insufficient_balance" and request.POST.get("from_store") != "1":
            return redirect(reverse("redpackets:circle", args=[circle_id]) + "?short=1")
    else:
        messages.success(request, _("Red packet sent."))
        return redirect("redpackets:detail", packet_id=packet.pk)
    return redirect("redpackets:circle", circle_id=circle_id)


@login_required
def detail(request: HttpRequest, packet_id: str) -> HttpResponse:
    """The packet: its grab button, then who got what. HTMX (the chat's card) gets it as a
    sheet over the chat, which stays connected."""
    return _packet_page(request, packet_id)


def _packet_page(
    request: HttpRequest, packet_id: str, error: DomainError | None = None, *, part: bool = False
) -> HttpResponse:
    """The packet as a page; for HTMX as a sheet (opened from the chat), or only its part
    (`part`: after a grab, which swaps the packet in place, in a sheet or on the page)."""
    user = signed_in_user(request)
    packet = services.access_packet(user, packet_id)
    context = {"view": services.packet_view(user, packet), "packet": packet, "error": error}
    if is_htmx(request):
        template = "redpackets/_packet.html" if part else "redpackets/_sheet.html"
        return render(request, template, context)
    return render(request, "redpackets/detail.html", context)


@login_required
@require_POST
def grab(request: HttpRequest, packet_id: str) -> HttpResponse:
    user = signed_in_user(request)
    htmx = is_htmx(request)
    try:
        result = services.grab(user, packet_id)
    except DomainError as exc:
        if htmx:  # the packet says why, in place
            return _packet_page(request, packet_id, exc, part=True)
        messages.error(request, str(exc.message))
    else:
        if htmx:  # the packet shows the amount grabbed, in place
            return _packet_page(request, packet_id, part=True)
        if not result.already:
            messages.success(
                request,
                _("You grabbed ¥%(amount)s into your wallet.")
                % {"amount": fen_to_yuan_str(result.share.amount)},
            )
    return redirect("redpackets:detail", packet_id=packet_id)
