"""The role matrix: owner, staff, customer (the buyer), another customer and anonymous against
every order endpoint. Only what each may do succeeds; the rest is 401 (anonymous), 404 (an order
that is not theirs to act on) or 403 (a store they do not work for)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from quanzi.orders.models import Order
from quanzi.orders.services.aftersales import request_after_sale
from quanzi.orders.services.transitions import ship_order
from tests.orders.conftest import Shop, pay, pay_through_sandbox, place

pytestmark = pytest.mark.django_db

ROLES = ["owner", "staff", "buyer", "other", "anonymous"]


@dataclass
class Case:
    """An endpoint: how to prepare an order, the request, and who may call it."""

    prepare: Callable[[Shop, Any], Order]
    method: str
    path: str  # {order}, {store}, {after_sale} are filled in
    body: dict[str, Any] | None
    allowed: set[str]
    ok: int = 200
    denied: int = 404  # what a logged-in person without the right gets


def _paid(shop: Shop, capture: Any) -> Order:
    return pay(place(shop))


def _shipped(shop: Shop, capture: Any) -> Order:
    return ship_order(shop.owner, _paid(shop, capture).pk, "EMS", "1012345678901")


def _after_sales(shop: Shop, capture: Any) -> Order:
    order = pay_through_sandbox(place(shop), capture)
    request_after_sale(shop.buyer, order.pk, kind="refund_only", amount=100, reason="x")
    return order


CASES: dict[str, Case] = {
    "detail": Case(
        lambda s, c: place(s), "get", "orders/{order}", None, {"owner", "staff", "buyer"}
    ),
    "cancel": Case(lambda s, c: place(s), "post", "orders/{order}/cancel", None, {"buyer"}),
    "pay": Case(lambda s, c: place(s), "post", "orders/{order}/pay", None, {"buyer"}),
    "confirm": Case(_shipped, "post", "orders/{order}/confirm-receipt", None, {"buyer"}),
    "after_sales": Case(
        _paid,
        "post",
        "orders/{order}/after-sales",
        {"kind": "refund_only", "amount": 100, "reason": "不想要了"},
        {"buyer"},
        ok=201,
    ),
    "ship": Case(
        _paid,
        "post",
        "orders/{order}/ship",
        {"carrier": "顺丰", "tracking_number": "SF1234567890123"},
        {"owner", "staff"},
    ),
    "approve": Case(
        _after_sales,
        "post",
        "orders/{order}/after-sales/{after_sale}/approve",
        None,
        {"owner", "staff"},
    ),
    "reject": Case(
        _after_sales,
        "post",
        "orders/{order}/after-sales/{after_sale}/reject",
        {"reason": "不支持"},
        {"owner", "staff"},
    ),
    "store_list": Case(
        lambda s, c: place(s), "get", "orders/store/{store}", None, {"owner", "staff"}, denied=403
    ),
}


def _user(shop: Shop, role: str) -> Any:
    return {"owner": shop.owner, "staff": shop.staff, "buyer": shop.buyer, "other": shop.other}.get(
        role
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(CASES))
def test_role_matrix(api, shop: Shop, django_capture_on_commit_callbacks, endpoint, role):
    # given an order in the state the endpoint needs
    case = CASES[endpoint]
    order = case.prepare(shop, django_capture_on_commit_callbacks)
    order.refresh_from_db()
    after_sale = order.after_sales.first()
    path = case.path.format(
        order=order.pk, store=shop.store.pk, after_sale=after_sale.pk if after_sale else ""
    )
    before = (order.status, order.events.count())
    # when this role calls it
    client = api(_user(shop, role))
    call = getattr(client, case.method)
    r = call(path, case.body) if case.body is not None else call(path)
    # then only the allowed roles succeed, and a refusal changes nothing
    if role in case.allowed:
        assert r.status_code == case.ok, (endpoint, role, r.content)
        return
    expected = 401 if role == "anonymous" else case.denied
    assert r.status_code == expected, (endpoint, role, r.content)
    order.refresh_from_db()
    assert (order.status, order.events.count()) == before


@pytest.mark.parametrize("role", ROLES)
def test_my_orders_show_only_ones_own(api, shop: Shop, role):
    place(shop)
    r = api(_user(shop, role)).get("orders")
    if role == "anonymous":
        assert r.status_code == 401
        return
    assert r.status_code == 200
    assert r.json()["count"] == (1 if role == "buyer" else 0)


PAGES = {
    # page: (path, roles that see it)
    "detail": ("/orders/{order}/", {"buyer"}),
    "after_sales_form": ("/orders/{order}/after-sales/", {"buyer"}),
    "console_list": ("/orders/console/{store}/", {"owner", "staff"}),
    "console_order": ("/orders/console/{store}/{order}/", {"owner", "staff"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_page_matrix(client, shop: Shop, page, role):
    order = pay(place(shop))
    path, allowed = PAGES[page]
    user = _user(shop, role)
    if user is not None:
        client.force_login(user)
    r = client.get(path.format(order=order.pk, store=shop.store.pk))
    if role in allowed:
        assert r.status_code == 200
    elif role == "anonymous":
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    else:
        assert r.status_code in (403, 404)
