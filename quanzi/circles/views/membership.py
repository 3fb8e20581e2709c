"""Circle pages: membership (thin; services do the work and check the permissions).

Discovery, "my circles", the circle card, join (button, link, QR code), leave, create, settings,
members with moderation and join requests. A store circle's management pages are shown inside
the merchant console to the store's people; other circles use the circle layout."""

from __future__ import annotations

import io
from typing import Any

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.accounts.models import User
from quanzi.circles.models import Circle, JoinPolicy, Membership
from quanzi.circles.services import membership as services
from quanzi.circles.services.access import ADMIN_ROLES, access_circle, is_muted
from quanzi.circles.services.announcements import banner_announcement
from quanzi.core.errors import Conflict, DomainError, InvalidInput
from quanzi.core.pagination import page_number

CIRCLES_PER_PAGE = 20
MEMBERS_PER_PAGE = 30
SETTING_FIELDS = (
    "name",
    "description",
    "rules",
    "join_policy",
    "commercial_share_percent",
    "commercial_daily_cap",
    "flood_per_minute",
    "member_share_daily_limit",
)


def _layout(user: User | None, circle: Circle) -> dict[str, Any]:
    """Management pages of a store circle sit in the merchant console for the store's people."""
    if circle.store_id is not None and user is not None:
        from quanzi.stores.services import role_in

        if role_in(user, circle.store) is not None:  # type: ignore[arg-type]
            return {
                "layout": "stores/console_base.html",
                "store": circle.store,
                "console_tab": "circles",
            }
    return {"layout": "circles/base_circle.html"}


def _settings_change(post: QueryDict, owner: bool) -> services.CircleChange:
    """The settings form as a change; an admin's form has no owner fields (name, join policy,
    listing), and a field not sent stays as it is."""
    return services.CircleChange(
        name=post.get("name") if owner else None,
        description=post.get("description"),
        rules=post.get("rules"),
        join_policy=post.get("join_policy") if owner else None,
        is_listed=post.get("is_listed") == "on" if owner else None,
        commercial_share_percent=post.get("commercial_share_percent"),
        commercial_daily_cap=post.get("commercial_daily_cap"),
        flood_per_minute=post.get("flood_per_minute"),
        member_share_daily_limit=post.get("member_share_daily_limit"),
        blocked_words=post.get("blocked_words", ""),
    )


# --- Public pages ----------------------------------------------------------------------------


@require_GET
def discover(request: HttpRequest) -> HttpResponse:
    """Listed circles with their store, member count and description; searchable."""
    q = request.GET.get("q", "")[:50]
    page = Paginator(services.discover(q), CIRCLES_PER_PAGE).get_page(page_number(request))
    return render(request, "circles/membership_discover.html", {"page": page, "q": q})


@require_GET
def detail(request: HttpRequest, circle_id: str) -> HttpResponse:
    """The public card for everyone; members get the chat link and the join link / QR code."""
    user = page_user(request)
    circle, membership = access_circle(user, circle_id, need="view")
    context: dict[str, Any] = {"circle": circle, "membership": membership}
    if membership is not None:
        context["join_link"] = request.build_absolute_uri(f"/circles/join/{circle.invite_code}/")
        context["is_admin"] = membership.role in ADMIN_ROLES
        context["announcement"] = banner_announcement(circle)
    elif user is not None:
        context["banned"] = circle.memberships.filter(user=user, state="banned").exists()
        context["pending"] = circle.join_requests.filter(user=user, state="pending").exists()
    return render(request, "circles/membership_detail.html", context)


def join_link(request: HttpRequest, code: str) -> HttpResponse:
    """The join link / QR code target: the card and a join button (the link is the
    invitation, so invite-only circles join too); POST joins."""
    circle = services.circle_by_code(code)
    user = page_user(request)
    if request.method == "POST":
        if user is None:
            return redirect_to_login(request.get_full_path())
        outcome = services.join_by_code(user, code, message=request.POST.get("message", ""))
        return _after_join(request, outcome)
    membership = None
    if user is not None:
        membership = circle.memberships.filter(user=user).first()
    return render(
        request,
        "circles/membership_join_link.html",
        {"circle": circle, "code": code, "membership": membership},
    )


def _after_join(request: HttpRequest, outcome: services.JoinOutcome) -> HttpResponse:
    if outcome.status == "joined":
        messages.success(request, _("Welcome to %(name)s!") % {"name": outcome.circle.name})
    elif outcome.status in ("requested", "pending"):
        messages.success(request, _("Your request was sent; an admin will answer it soon."))
    return redirect("circles:detail", outcome.circle.pk)


@login_required
@require_POST
def join(request: HttpRequest, circle_id: str) -> HttpResponse:
    """Join an open circle or ask to join an approval circle from its page."""
    outcome = services.join_circle(
        signed_in_user(request), circle_id, message=request.POST.get("message", "")
    )
    return _after_join(request, outcome)


@login_required
@require_POST
def leave(request: HttpRequest, circle_id: str) -> HttpResponse:
    try:
        services.leave_circle(signed_in_user(request), circle_id)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("circles:detail", circle_id)
    messages.success(request, _("You left the circle."))
    return redirect("circles:mine")


@login_required
@require_GET
@cache_control(private=True, max_age=300)
def qr(request: HttpRequest, circle_id: str) -> HttpResponse:
    """The join link as a PNG QR code (members share it; a rotated link makes a new code)."""
    circle, _m = access_circle(signed_in_user(request), circle_id, need="member")
    link = request.build_absolute_uri(f"/circles/join/{circle.invite_code}/")
    image = qrcode.make(link, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Vary"] = "Cookie"
    return response


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The circles I am in, with unread counts."""
    return render(
        request,
        "circles/membership_mine.html",
        {"rows": services.my_circles(signed_in_user(request))},
    )


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """Create an interest circle, or a store circle when a store is chosen (its people)."""
    from quanzi.stores.services import stores_of

    user = signed_in_user(request)
    assert user is not None
    error = None
    if request.method == "POST":
        try:
            circle = services.create_circle(
                user,
                services.CircleInput(
                    name=request.POST.get("name", ""),
                    store_id=request.POST.get("store") or None,
                    description=request.POST.get("description", ""),
                    rules=request.POST.get("rules", ""),
                    join_policy=request.POST.get("join_policy", JoinPolicy.OPEN),
                    is_listed=request.POST.get("is_listed") == "on",
                ),
                avatar=request.FILES.get("avatar"),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Your circle is ready. Share its link to invite people."))
            return redirect("circles:detail", circle.pk)
    values = (
        request.POST.dict() if error else {"is_listed": "on", "store": request.GET.get("store")}
    )
    return render(
        request,
        "circles/membership_create.html",
        {
            "error": error,
            "values": values,
            "stores": stores_of(user),
            "policies": JoinPolicy.choices,
        },
        status=error.status if error else 200,
    )


# --- Management ------------------------------------------------------------------------------


def _settings_values(circle: Circle) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(circle, name) for name in SETTING_FIELDS}
    values["blocked_words"] = "\n".join(circle.blocked_words)
    values["is_listed"] = "on" if circle.is_listed else ""
    return values


@login_required
def settings(request: HttpRequest, circle_id: str) -> HttpResponse:
    """The circle's settings: admins edit the description, rules and the limits; the owner
    everything, including the avatar; admins renew the join link."""
    user = signed_in_user(request)
    circle, membership = access_circle(user, circle_id, need="admin")
    assert membership is not None
    owner = membership.role == "owner"
    error = None
    if request.method == "POST":
        try:
            services.update_circle(
                user,
                circle.pk,
                _settings_change(request.POST, owner),
                avatar=request.FILES.get("avatar") if owner else None,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Settings saved."))
            return redirect("circles:settings", circle.pk)
    return render(
        request,
        "circles/membership_settings.html",
        {
            "circle": circle,
            "membership": membership,
            "is_owner": owner,
            "circle_tab": "settings",
            "error": error,
            "values": request.POST.dict() if error else _settings_values(circle),
            "policies": JoinPolicy.choices,
            "join_link": request.build_absolute_uri(f"/circles/join/{circle.invite_code}/"),
            **_layout(user, circle),
        },
        status=error.status if error else 200,
    )


@login_required
@require_POST
def rotate_invite(request: HttpRequest, circle_id: str) -> HttpResponse:
    services.rotate_invite(signed_in_user(request), circle_id)
    messages.success(request, _("A new join link was made; the old link no longer works."))
    return redirect("circles:settings", circle_id)


@login_required
@require_GET
def members(request: HttpRequest, circle_id: str) -> HttpResponse:
    """Members with search; admins see the moderation buttons."""
    user = signed_in_user(request)
    q = request.GET.get("q", "")[:40]
    circle, me, rows = services.members(user, circle_id, q)
    page = Paginator(rows, MEMBERS_PER_PAGE).get_page(page_number(request))
    for m in page.object_list:
        m.muted_now = is_muted(m)  # type: ignore[attr-defined]
        m.can_moderate = _can_moderate(me, m)  # type: ignore[attr-defined]
    is_admin = me.role in ADMIN_ROLES
    return render(
        request,
        "circles/membership_members.html",
        {
            "circle": circle,
            "me": me,
            "membership": me,
            "circle_tab": "members",
            "page": page,
            "q": q,
            "is_admin": is_admin,
            "is_owner": me.role == "owner",
            "banned": list(services.banned_members(user, circle.pk)[:200]) if is_admin else [],
            "mute_presets": [(10, _("10 minutes")), (60, _("1 hour")), (1440, _("1 day"))],
            **_layout(user, circle),
        },
    )


def _can_moderate(me: Membership, target: Membership) -> bool:
    if me.role not in ADMIN_ROLES or target.user_id == me.user_id or target.role == "owner":
        return False
    return target.role != "admin" or me.role == "owner"


def _mute_minutes(post: QueryDict) -> int:
    """The preset, or the custom duration typed in days (up to 30)."""
    raw = str(post.get("minutes", ""))
    try:
        if raw == "custom":  # "nan" and "inf" parse as floats but are no duration
            return round(float(str(post.get("days", ""))[:12]) * 24 * 60)
        return int(raw[:12])
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(_("A mute lasts from 1 minute to 30 days.")) from exc


MEMBER_ACTIONS = {
    "mute": lambda u, c, t, post: services.mute_member(u, c, t, minutes=_mute_minutes(post)),
    "unmute": lambda u, c, t, post: services.unmute_member(u, c, t),
    "remove": lambda u, c, t, post: services.remove_member(u, c, t),
    "ban": lambda u, c, t, post: services.ban_member(u, c, t),
    "unban": lambda u, c, t, post: services.unban_member(u, c, t),
    "promote": lambda u, c, t, post: services.set_admin(u, c, t, admin=True),
    "demote": lambda u, c, t, post: services.set_admin(u, c, t, admin=False),
    "transfer": lambda u, c, t, post: services.transfer_ownership(u, c, t),
}


@login_required
@require_POST
def member_action(request: HttpRequest, circle_id: str, user_id: str, action: str) -> HttpResponse:
    """One moderation button; a refusal comes back as a message on the members page."""
    run = MEMBER_ACTIONS.get(action)
    if run is None:
        return HttpResponse(status=404)
    try:
        run(signed_in_user(request), circle_id, user_id, request.POST)
    except (InvalidInput, Conflict) as exc:  # bad duration, nothing to undo: stay on the page
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Done."))
    return redirect(f"/circles/{circle_id}/members/?q={request.POST.get('q', '')[:40]}")


@login_required
@require_GET
def join_requests(request: HttpRequest, circle_id: str) -> HttpResponse:
    user = signed_in_user(request)
    circle, rows = services.pending_requests(user, circle_id)
    _c, membership = access_circle(user, circle_id, need="admin")
    return render(
        request,
        "circles/membership_requests.html",
        {
            "circle": circle,
            "membership": membership,
            "circle_tab": "requests",
            "rows": list(rows[:200]),
            **_layout(user, circle),
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, circle_id: str, request_id: str, verdict: str) -> HttpResponse:
    if verdict not in ("approve", "reject"):
        return HttpResponse(status=404)
    try:
        services.decide_join_request(
            signed_in_user(request), circle_id, request_id, approve=verdict == "approve"
        )
    except Conflict as exc:  # answered meanwhile by another admin
        messages.error(request, str(exc.message))
    return redirect("circles:requests", circle_id)


@login_required
@require_GET
def console(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's circles in the merchant console, with member counts and commercial share."""
    from quanzi.circles.services.chat import commercial_share

    store, circles = services.store_circles(signed_in_user(request), store_id)
    for circle in circles:
        commercial, total = commercial_share(circle)
        circle.share = (commercial, total, round(100 * commercial / total) if total else 0)  # type: ignore[attr-defined]
    return render(
        request,
        "circles/membership_console.html",
        {"store": store, "console_tab": "circles", "circles": circles},
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("", discover, name="discover"),
    path("mine/", mine, name="mine"),
    path("new/", create, name="create"),
    path("join/<str:code>/", join_link, name="join_link"),
    path("console/<str:store_id>/", console, name="console"),
    path("<str:circle_id>/", detail, name="detail"),
    path("<str:circle_id>/join/", join, name="join"),
    path("<str:circle_id>/leave/", leave, name="leave"),
    path("<str:circle_id>/qr.png", qr, name="qr"),
    path("<str:circle_id>/settings/", settings, name="settings"),
    path("<str:circle_id>/invite/rotate/", rotate_invite, name="rotate_invite"),
    path("<str:circle_id>/members/", members, name="members"),
    path(
        "<str:circle_id>/members/<str:user_id>/<str:action>/",
        member_action,
        name="member_action",
    ),
    path("<str:circle_id>/requests/", join_requests, name="requests"),
    path("<str:circle_id>/requests/<str:request_id>/<str:verdict>/", decide, name="decide"),
]
