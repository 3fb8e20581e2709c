"""The NinjaAPI root, mounted at /api/v1/. Each domain adds its router here."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja.errors import AuthenticationError, HttpError, ValidationError

from quanzi.core.errors import DomainError
from quanzi.core.openapi import ErrorDocumentingAPI

api = ErrorDocumentingAPI(
    title="Quanzi API",
    version="1",
    description="Quanzi (圈子) social-commerce platform. Money is integer fen.",
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if exc.status == 429 and "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Please log in first."), "code": "not_authenticated"}, status=401
    )


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("Some fields are not valid."), "code": "validation", "errors": exc.errors},
        status=422,
    )


# ninja's own refusals: a JSON body it cannot parse, a session call that failed the CSRF check.
NINJA_REFUSALS = {
    400: (_lazy("The request body is not valid JSON."), "invalid_json"),
    403: (_lazy("The security check failed: reload the page and try again."), "csrf_failed"),
}


@api.exception_handler(HttpError)
def ninja_refusal(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail, code = NINJA_REFUSALS.get(exc.status_code, (str(exc), "invalid"))
    return api.create_response(
        request, {"detail": str(detail), "code": code}, status=exc.status_code
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("The request is too large."), "code": "too_large"}, status=413
    )


@api.exception_handler(RawPostDataException)
def form_body_for_json(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
    """A multipart form sent to an endpoint that reads a JSON body: RequestGuardMiddleware has
    parsed (so consumed) the form to look for NUL characters, and the raw body is gone."""
    return api.create_response(
        request,
        {
            "detail": _("This endpoint takes a JSON body (Content-Type: application/json)."),
            "code": "unsupported_media_type",
        },
        status=415,
    )


@api.get("/health", auth=None, tags=["meta"], response=dict[str, str])
def health(request: HttpRequest) -> dict[str, str]:
    """A trivial JSON endpoint: the baseline the benchmarks compare against."""
    return {"status": "ok"}


def _mount() -> None:
    from quanzi.accounts.api import router as accounts
    from quanzi.campaigns.api import router as campaigns
    from quanzi.campaigns.redpackets.api import router as redpackets
    from quanzi.catalog.api import router as catalog
    from quanzi.circles.api import router as circles
    from quanzi.ledger.api import router as ledger
    from quanzi.orders.api import router as orders
    from quanzi.payments.api import router as payments
    from quanzi.referrals.api import router as referrals
    from quanzi.reviews.api import router as reviews
    from quanzi.social.api import router as social
    from quanzi.stores.api import router as stores

    api.add_router("/accounts", accounts, tags=["accounts"])
    api.add_router("/stores", stores, tags=["stores"])
    api.add_router("/catalog", catalog, tags=["catalog"])
    api.add_router("/orders", orders, tags=["orders"])
    api.add_router("/payments", payments, tags=["payments"])
    api.add_router("/ledger", ledger, tags=["ledger"])
    api.add_router("/reviews", reviews, tags=["reviews"])
    api.add_router("/circles", circles, tags=["circles"])
    api.add_router("/social", social, tags=["social"])
    api.add_router("/referrals", referrals, tags=["referrals"])
    api.add_router("/campaigns", campaigns, tags=["campaigns"])
    api.add_router("/redpackets", redpackets, tags=["redpackets"])
    api.add_router("/groupbuy", "quanzi.campaigns.groupbuy.api.router", tags=["groupbuy"])
    api.add_router("/bargains", "quanzi.campaigns.bargains.api.router", tags=["bargains"])
    api.add_router("/flashsales", "quanzi.campaigns.flashsales.api.router", tags=["flashsales"])


_mount()
