"""The NinjaAPI root, mounted at /api/v1/. Each domain adds its router here."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from ninja.errors import AuthenticationError, HttpError, ValidationError

from quanzi.core.errors import CoreCode, DomainError, NotFound, PayloadTooLarge
from quanzi.core.openapi import ErrorDocumentingAPI
from quanzi.core.outage import DATABASE_ERRORS, unavailable_response
from quanzi.core.schemas import JsonParser, explain, field_name

api = ErrorDocumentingAPI(
    title="Quanzi API",
    version="1",
    description="Quanzi (圈子) social-commerce platform. Money is integer fen.",
    urls_namespace="api",
    parser=JsonParser(),  # strict types in JSON bodies: see quanzi/core/schemas.py
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
        request,
        {"detail": _("Please log in first."), "code": CoreCode.NOT_AUTHENTICATED},
        status=401,
    )


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A 422 naming the first bad field in `detail` (in the user's language) and every one in
    `errors` (each with its `loc` and a `msg` in the user's language when its type is known)."""
    errors = [explain(error) for error in exc.errors]
    detail = _("Some fields are not valid.")
    if errors:
        name = field_name(errors[0].get("loc", ()))
        message = str(errors[0].get("msg", ""))
        detail = (
            _("%(field)s: %(message)s") % {"field": name, "message": message} if name else message
        )
        if len(errors) > 1:
            more = len(errors) - 1
            detail += " " + ngettext(
                "%(count)d more field is not valid.", "%(count)d more fields are not valid.", more
            ) % {"count": more}
    return api.create_response(
        request, {"detail": detail, "code": CoreCode.VALIDATION, "errors": errors}, status=422
    )


# ninja's own refusals: a JSON body it cannot parse, a session call that failed the CSRF check.
NINJA_REFUSALS = {
    400: (gettext_lazy("The request body is not valid JSON."), CoreCode.INVALID_JSON),
    403: (
        gettext_lazy("The security check failed: reload the page and try again."),
        CoreCode.CSRF_FAILED,
    ),
}


@api.exception_handler(HttpError)
def ninja_refusal(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail, code = NINJA_REFUSALS.get(exc.status_code, (str(exc), CoreCode.INVALID))
    return api.create_response(
        request, {"detail": str(detail), "code": code}, status=exc.status_code
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, PayloadTooLarge().as_dict(), status=413)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    """Http404 inside an operation: the API's error shape (an unknown /api/ URL gets the same
    from handler404), never ninja's default, which under DEBUG shows the exception's text.
    An unexpected exception is left to Django: handler500 answers JSON on /api/ and logs it."""
    return api.create_response(request, NotFound().as_dict(), status=404)


@api.exception_handler(RawPostDataException)
def form_body_for_json(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
    """A multipart form sent to an endpoint that reads a JSON body: RequestGuardMiddleware has
    parsed (so consumed) the form to look for NUL characters, and the raw body is gone."""
    return api.create_response(
        request,
        {
            "detail": _("This endpoint takes a JSON body (Content-Type: application/json)."),
            "code": CoreCode.UNSUPPORTED_MEDIA_TYPE,
        },
        status=415,
    )


# The database is unreachable: 503 with Retry-After (quanzi.core.outage), never a 500.
for _database_error in DATABASE_ERRORS:
    api.exception_handler(_database_error)(unavailable_response)


@api.get("/health", auth=None, tags=["meta"], response=dict[str, str])
def health(request: HttpRequest) -> dict[str, str]:
    """A trivial JSON endpoint: the baseline the benchmarks compare against."""
    return {"status": "ok"}


def _mount() -> None:
    from quanzi.accounts.api import router as accounts
    from quanzi.campaigns.redpackets.api import router as redpackets
    from quanzi.catalog.api import router as catalog
    from quanzi.circles.api import router as circles
    from quanzi.circles.api.coupons import router as circle_coupons
    from quanzi.coupons.api import router as coupons
    from quanzi.customers.api import router as customers
    from quanzi.insights.api import router as insights
    from quanzi.ledger.api import router as ledger
    from quanzi.needs.api import router as needs
    from quanzi.orders.api import router as orders
    from quanzi.orders.coupons_api import router as order_coupons
    from quanzi.orders.wallet_pay import router as wallet_pay
    from quanzi.outreach.api import router as outreach
    from quanzi.payments.api import router as payments
    from quanzi.referrals.api import router as referrals
    from quanzi.reviews.api import router as reviews
    from quanzi.social.api import router as social
    from quanzi.stores.api import router as stores
    from quanzi.trust.api import router as trust
    from quanzi.wallets.api import router as wallets

    api.add_router("/accounts", accounts, tags=["accounts"])
    api.add_router("/stores", stores, tags=["stores"])
    api.add_router("/insights", insights, tags=["insights"])
    api.add_router("/customers", customers, tags=["customers"])
    api.add_router("/outreach", outreach, tags=["outreach"])
    api.add_router("/needs", needs, tags=["needs"])
    api.add_router("/trust", trust, tags=["trust"])
    api.add_router("/catalog", catalog, tags=["catalog"])
    api.add_router("/orders", orders, tags=["orders"])
    api.add_router("/payments", payments, tags=["payments"])
    api.add_router("/ledger", ledger, tags=["ledger"])
    api.add_router("/reviews", reviews, tags=["reviews"])
    api.add_router("/circles", circles, tags=["circles"])
    api.add_router("/social", social, tags=["social"])
    api.add_router("/referrals", referrals, tags=["referrals"])
    # Coupons keep the prefix they had as the campaigns app; the coupon endpoints that need
    # an upper domain (the cart, a circle) live there and are mounted at the same prefix.
    api.add_router("/campaigns", coupons, tags=["campaigns"])
    api.add_router("/campaigns", order_coupons, tags=["campaigns"])
    api.add_router("/campaigns", circle_coupons, tags=["campaigns"])
    # The wallet's endpoints sit under /redpackets/ (where they started): before red packets'
    # "/{packet_id}".
    api.add_router("/redpackets/wallet/pay", wallet_pay, tags=["wallets"])
    api.add_router("/redpackets/wallet", wallets, tags=["wallets"])
    api.add_router("/redpackets", redpackets, tags=["redpackets"])
    api.add_router("/groupbuy", "quanzi.campaigns.groupbuy.api.router", tags=["groupbuy"])
    api.add_router("/bargains", "quanzi.campaigns.bargains.api.router", tags=["bargains"])
    api.add_router("/flashsales", "quanzi.campaigns.flashsales.api.router", tags=["flashsales"])


_mount()
