"""The trust pages of cases and appeals (thin: the services decide and check permissions):

- `/trust/cases/` — the operators' queue; `/trust/cases/<id>/` — a case, with its action form
  and the appeals to decide; `/trust/settings/` — the thresholds. Operators only (404 to
  everyone else, signed in or not).
- `/trust/my-reviews/` — a reviewer's reviews under review, with an appeal form and outcomes.
- `/trust/console/<store>/appeals/` — the cases notified to a store and its appeals (owner and
  staff; anyone else 404)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.core.errors import DomainError
from quanzi.core.pagination import page_number
from quanzi.trust.access import require_operator
from quanzi.trust.models import Appeal, CaseStatus
from quanzi.trust.services import appeals, cases, queue
from quanzi.trust.services import settings as trust_settings
from quanzi.trust.services.appeals import APPEAL_LENGTH
from quanzi.trust.services.cases import REASON_LENGTH

SETTINGS_FIELDS = trust_settings.FIELDS


@require_http_methods(["GET"])
def case_queue(request: HttpRequest) -> HttpResponse:
    operator = require_operator(page_user(request))
    status = request.GET.get("status") or CaseStatus.OPEN
    try:
        page = queue.queue(operator, status, page=page_number(request))
    except DomainError:  # an unknown status reads as the default tab
        status = CaseStatus.OPEN
        page = queue.queue(operator, status, page=page_number(request))
    tabs = [(value, label) for value, label in CaseStatus.choices] + [(queue.ALL, _("all"))]
    return render(
        request,
        "trust/case_queue.html",
        {"page": page, "status": status, "tabs": tabs, "trust_tab": "cases"},
    )


def _case_page(
    request: HttpRequest, case_id: str, *, error: DomainError | None = None, form: Any = None
) -> HttpResponse:
    view = queue.case_view(page_user(request), case_id)
    context = {
        "v": view,
        "case": view.case,
        "error": error,
        "form": form or {},
        "max_reason": REASON_LENGTH,
        "trust_tab": "cases",
    }
    return render(request, "trust/case.html", context, status=error.status if error else 200)


@require_http_methods(["GET"])
def case_detail(request: HttpRequest, case_id: str) -> HttpResponse:
    require_operator(page_user(request))
    return _case_page(request, case_id)


@require_POST
def case_action(request: HttpRequest, case_id: str) -> HttpResponse:
    """POST action, reason: one operator action; back to the case with what it did."""
    operator = require_operator(page_user(request))
    try:
        done = cases.apply_action(
            operator, case_id, request.POST.get("action", ""), request.POST.get("reason", "")
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _case_page(request, case_id, error=exc, form=request.POST)
    messages.success(
        request, _("Done: %(what)s.") % {"what": queue.summary(done) or done.get_kind_display()}
    )
    return redirect(reverse("trust:case", args=[case_id]) + "#history")


@require_POST
def appeal_decision(request: HttpRequest, appeal_id: str) -> HttpResponse:
    """POST uphold (1 or 0), reason: an operator decides an appeal; back to its case."""
    operator = require_operator(page_user(request))
    uphold = request.POST.get("uphold")
    choice: object = {"1": True, "0": False}.get(uphold or "", uphold)
    try:
        decided = appeals.decide(operator, appeal_id, choice, request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.status == 404:
            raise
        found = Appeal.objects.filter(pk=appeal_id).first()
        assert found is not None  # decide answered 404 otherwise
        return _case_page(request, found.case_id, error=exc, form=request.POST)
    messages.success(request, _("The appeal is decided and the appellant told."))
    return redirect(reverse("trust:case", args=[decided.appeal.case_id]) + "#appeals")


@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    operator = require_operator(page_user(request))
    error = None
    if request.method == "POST":
        given = {name: request.POST.get(name) or None for name in SETTINGS_FIELDS}
        try:
            trust_settings.update(operator, trust_settings.TrustSettingsChange(**given))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("The thresholds are saved."))
            return redirect("trust:settings")
    context = {
        "current": trust_settings.current(),
        "error": error,
        "form": request.POST if error else None,
        "trust_tab": "settings",
    }
    return render(request, "trust/settings.html", context, status=error.status if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def my_reviews(request: HttpRequest) -> HttpResponse:
    """The reviewer's reviews under review; POST review_id, text: appeal one."""
    user = signed_in_user(request)
    error = None
    appealing = request.POST.get("review_id", "")
    if request.method == "POST":
        try:
            appeals.appeal_review(user, appealing, request.POST.get("text", ""))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Your appeal is sent. We will tell you the decision."))
            return redirect(reverse("trust:my_reviews") + f"#review-{appealing}")
    context = {
        "rows": appeals.my_reviews(user),
        "error": error,
        "appealing": appealing,
        "text": request.POST.get("text", ""),
        "max_text": APPEAL_LENGTH,
    }
    return render(request, "trust/my_reviews.html", context, status=error.status if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def store_appeals(request: HttpRequest, store_id: str) -> HttpResponse:
    """The cases notified to the store and its appeals; POST case_id, text: appeal a case."""
    user = signed_in_user(request)
    store, rows = appeals.store_cases(user, store_id)  # 404 unless owner or staff
    error = None
    appealing = request.POST.get("case_id", "")
    if request.method == "POST":
        try:
            appeals.appeal_case(user, appealing, store.pk, request.POST.get("text", ""))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Your appeal is sent. We will tell you the decision."))
            return redirect(reverse("trust:store_appeals", args=[store.pk]) + f"#case-{appealing}")
    context = {
        "store": store,
        "rows": rows,
        "error": error,
        "appealing": appealing,
        "text": request.POST.get("text", ""),
        "max_text": APPEAL_LENGTH,
        "console_tab": "trust",
    }
    return render(
        request, "trust/store_appeals.html", context, status=error.status if error else 200
    )


urlpatterns: list[URLPattern] = [
    path("cases/", case_queue, name="case_queue"),
    path("cases/<str:case_id>/", case_detail, name="case"),
    path("cases/<str:case_id>/action/", case_action, name="case_action"),
    path("appeals/<str:appeal_id>/decision/", appeal_decision, name="appeal_decision"),
    path("settings/", settings_page, name="settings"),
    path("my-reviews/", my_reviews, name="my_reviews"),
    path("console/<str:store_id>/appeals/", store_appeals, name="store_appeals"),
]
