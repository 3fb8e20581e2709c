"""Share reward pages: the merchant's rules and the rewards given (console), the sharer's own
rewards in a store, and a customer's points in a store."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from quanzi.accounts.auth import signed_in_user
from quanzi.accounts.models import User
from quanzi.core.errors import DomainError
from quanzi.core.pagination import page_number, paginate
from quanzi.coupons.models import Coupon
from quanzi.referrals.models import RewardKind, RewardTrigger, ShareRewardRule
from quanzi.referrals.services import points, rewards
from quanzi.stores.models import Store
from quanzi.stores.services import access_store, role_in

PANEL_ROWS = 50


def _rule_fields(post: QueryDict) -> rewards.RewardRuleChange:
    """The rule form's fields for the service (an unticked box is "off")."""
    return rewards.RewardRuleChange(
        is_active=post.get("is_active") == "on",
        reward=post.get("reward") or None,
        points=post.get("points", "").strip() or None,
        coupon_id=post.get("coupon_id") or None,
        daily_cap=post.get("daily_cap", "").strip() or None,
    )


def _values(rule: ShareRewardRule) -> dict[str, Any]:
    return {
        "is_active": "on" if rule.is_active else "",
        "reward": rule.reward,
        "points": rule.points or "",
        "coupon_id": rule.coupon_id or "",
        "daily_cap": rule.daily_cap,
    }


@login_required
def console(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's two share reward rules (the owner saves; staff may look) and the rewards
    given: who brought whom, when."""
    user = signed_in_user(request)
    store = access_store(user, store_id)
    error, failed_trigger = None, None
    if request.method == "POST":
        failed_trigger = request.POST.get("trigger", "")
        try:
            rewards.configure_rule(user, store.pk, failed_trigger, _rule_fields(request.POST))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Share reward saved."))
            return redirect("promote:share_rewards", store.pk)
    forms = [
        {
            "rule": rule,
            "error": error if rule.trigger == failed_trigger else None,
            # the form that failed shows what was typed
            "values": request.POST if error and rule.trigger == failed_trigger else _values(rule),
        }
        for rule in rewards.rules_for(store)
    ]
    context = {
        "store": store,
        "console_tab": "distribution",
        "error": error if failed_trigger not in RewardTrigger.values else None,
        "forms": forms,
        "reward_kinds": RewardKind.choices,
        "coupons": list(
            Coupon.objects.filter(store=store, is_active=True).order_by("name").only("id", "name")
        ),
        "can_edit": role_in(user, store) == "owner",
        "page": paginate(rewards.rewards_given(store), page_number(request), 20),
    }
    return render(
        request, "referrals/rewards_console.html", context, status=error.status if error else 200
    )


def panel_context(user: User, store: Store) -> dict[str, Any]:
    """What `referrals/rewards_panel.html` shows: the sharer's latest rewards in the store and
    their points there."""
    return {
        "store": store,
        "rewards": list(rewards.rewards_of(user, store)[:PANEL_ROWS]),
        "points": points.points_balance(store, user),
    }


@login_required
@require_GET
def mine(request: HttpRequest, store_id: str) -> HttpResponse:
    """My share rewards in a store and my points there."""
    store = access_store(signed_in_user(request), store_id, need="read")
    return render(
        request, "referrals/rewards_mine.html", panel_context(signed_in_user(request), store)
    )


@login_required
@require_GET
def my_points(request: HttpRequest, store_id: str) -> HttpResponse:
    """My points in a store, with their history."""
    user = signed_in_user(request)
    store = access_store(user, store_id, need="read")
    context = {
        "store": store,
        "points": points.points_balance(store, user),
        "page": paginate(points.points_history(store, user), page_number(request), 20),
    }
    return render(request, "referrals/rewards_points.html", context)
