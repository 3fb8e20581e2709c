"""Bad input never yields a 500: schemathesis fuzzes every operation of /api/v1/.

Each operation gets valid and invalid requests (wrong types, boundary numbers, huge strings,
broken bodies) from an authenticated user who owns a store with a product on the shelf, has an
address, bought in another store, sold orders (one waits for an after-sale decision, one was
reviewed) and owns circles with members, a message, a report, an announcement and a join request.
Half of the time the path ids are those real objects, so the fuzzed bodies reach the services
instead of stopping at a 404. Every request runs in a savepoint rolled back after it, so each one
meets the same objects. The only check is `not_a_server_error`.

A second, deterministic sweep sends what the generator does not: a form where JSON is expected
and the reverse, integers past 64 bits, and JSON escapes of lone surrogates.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error

from quanzi.accounts.models import ApiToken, User
from quanzi.accounts.services import save_address
from quanzi.campaigns.coupons import create_coupon
from quanzi.catalog.services import (
    ProductInput,
    SkuInput,
    add_image,
    create_product,
    set_shelf,
)
from quanzi.circles.services.announcements import create_announcement
from quanzi.circles.services.chat import report_message, send_message
from quanzi.circles.services.membership import create_circle, join_circle
from quanzi.orders import services as orders
from quanzi.payments.services import start_payment
from quanzi.reviews.services import write_review
from quanzi.stores.services import add_staff, open_store
from tests.factories import UserFactory

APP = WSGIHandler()
# Raise it for a deeper hunt: QUANZI_FUZZ_EXAMPLES=300 pytest tests/api
MAX_EXAMPLES = int(os.environ.get("QUANZI_FUZZ_EXAMPLES", "25"))

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            # The bearer token below is the only credential: fuzzed Authorization headers and
            # session cookies would only test the 401 path, again and again.
            "with-security-parameters": False,
            "database": "none",
        }
    }
)

# The signed sandbox webhook wants a raw signed body; tests/payments/test_webhooks.py covers it.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=CONFIG).exclude(
    path_regex=r"/payments/webhooks/"
)

ADDRESS = {
    "recipient": "王五",
    "phone": "13712345678",
    "province": "四川省",
    "city": "成都市",
    "district": "武侯区",
    "detail": "天府大道 9 号",
}


@dataclass
class World:
    """What the fuzzing user owns or can reach, by path parameter name."""

    token: str
    ids: dict[str, list[str]] = field(default_factory=dict)


def _product(user: User, store_id: str, title: str) -> tuple[str, list[str]]:
    data = ProductInput(
        title=title,
        skus=[SkuInput(spec_values={}, price=5900, stock=50, code=f"{title}-1")],
    )
    product = create_product(user, store_id, data)
    set_shelf(user, product.pk, True)
    return product.pk, [sku.pk for sku in product.skus.all()]


def _jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def _reviewed_sale(seller: User, customer: User, sku_id: str) -> tuple[str, str]:
    """An order of `sku_id` the customer received and reviewed: (order id, review id)."""
    order = orders.buy_now(customer, sku_id, 1)
    orders.on_payment_captured(order.pk, "pay_fuzz_000002")
    orders.ship_order(seller, order.pk, "顺丰速运", "SF1234567890")
    orders.confirm_receipt(customer, order.pk)
    item = order.items.get()
    return order.pk, write_review(customer, order.pk, item.pk, 5, "很好喝").pk


@pytest.fixture
def world(db: None) -> World:
    # given a seller with a store, a product on the shelf (with a photo) and a staff member
    me = UserFactory()
    helper = UserFactory()
    store = open_store(me, name="模糊测试小店")
    add_staff(me, store.pk, helper.username)
    product_id, sku_ids = _product(me, store.pk, "fuzz-coffee")
    image = add_image(me, product_id, _jpeg())
    # ... who buys from another store, to the default address, and started paying
    seller = UserFactory()
    other_store = open_store(seller, name="隔壁小店")
    _other_product, other_skus = _product(seller, other_store.pk, "fuzz-tea")
    address = save_address(me, dict(ADDRESS), make_default=True)
    bought = orders.buy_now(me, other_skus[0], 1)
    payment = start_payment(me, [bought])
    # ... who sold an order now waiting on a refund request, and one that was reviewed
    customer = UserFactory()
    save_address(customer, dict(ADDRESS), make_default=True)
    sold = orders.buy_now(customer, sku_ids[0], 2)
    orders.on_payment_captured(sold.pk, "pay_fuzz_000001")
    after_sale = orders.request_after_sale(
        customer, sold.pk, kind="refund_only", amount=sold.total, reason="不想要了"
    )
    reviewed, review_id = _reviewed_sale(me, customer, sku_ids[0])
    # ... and owns an open circle with members, a message, a report and an announcement,
    # and a circle by approval where someone asked to join
    circle = create_circle(me, name="模糊测试圈")
    join_circle(helper, circle.pk)
    join_circle(customer, circle.pk)
    message = send_message(helper, circle.pk, kind="text", text="大家好", client_id="fuzz-1")
    report = report_message(customer, circle.pk, message.pk, "广告")
    announcement = create_announcement(me, circle.pk, title="新品上架")
    strict = create_circle(me, name="审核圈", join_policy="approval")
    join_request = join_circle(seller, strict.pk, message="想加入").join_request
    assert join_request is not None
    # ... and a coupon of the store (campaigns)
    coupon = create_coupon(
        me,
        store.pk,
        name="满50减10",
        kind="threshold",
        amount_off=1000,
        min_spend=5000,
        validity="days",
        valid_days=7,
        total=100,
    )
    _, raw = ApiToken.issue(me)
    return World(
        token=raw,
        ids={
            "store_id": [store.pk],
            "product_id": [product_id],
            "image_id": [image.pk],
            "sku_id": [*sku_ids, *other_skus],
            "address_id": [address.pk],
            "order_id": [bought.pk, sold.pk, reviewed],
            "after_sale_id": [after_sale.pk],
            "payment_id": [payment.pk],
            "review_id": [review_id],
            "user_id": [helper.public_id, customer.public_id],
            "circle_id": [circle.pk, strict.pk],
            "code": [circle.invite_code, strict.invite_code],
            "message_id": [message.pk],
            "report_id": [report.pk],
            "announcement_id": [announcement.pk],
            "request_id": [join_request.pk],
            "coupon_id": [coupon.pk],
        },
    )


@pytest.fixture
def wsgi_calls_in_test_transaction() -> Iterator[None]:
    """Calls go through the WSGI handler, which closes stale connections at each request's start
    and end; inside the test's transaction that would close it. Django's test client disconnects
    the same handler."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("wsgi_calls_in_test_transaction")
@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_no_server_error(case: schemathesis.Case, data: st.DataObject, world: World) -> None:
    # given the generated request, with real ids in its path half of the time
    for name in case.path_parameters or {}:
        real = world.ids.get(name)
        if real and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(real), label=name)
    # when the authenticated user sends it (in a savepoint: every example meets the same world)
    with transaction.atomic():
        response = case.call(headers={"Authorization": f"Bearer {world.token}"})
        transaction.set_rollback(True)
    # then the server never answers with a 5xx
    case.validate_response(response, checks=[not_a_server_error])


# --- What the generator does not send ---------------------------------------------------------
# Schemathesis keeps to each operation's media type, to integers near the schema's bounds and to
# text that is valid Unicode. A client is not so kind: it may post a form where JSON is expected
# (and JSON where a form is), integers past 64 bits, and JSON escapes of lone surrogates.

HUGE_INTEGERS = [2**63, -(2**63) - 1, 10**30]
LONE_SURROGATE = "\\ud800"  # written into the JSON text as is: the escape, not the character


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        found: Any = schema.raw_schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        node = found
    if "anyOf" in node:
        return _resolve(node["anyOf"][0])
    return node


def _plain(node: dict[str, Any]) -> Any:
    """A harmless value of the property's type, so the one bad value is what is tested."""
    node = _resolve(node)
    if "enum" in node:
        return node["enum"][0]
    return {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(
        node.get("type", ""), "abc"
    )


def _bad_json_bodies(body_schema: dict[str, Any]) -> Iterator[str]:
    """The body with one property (or one property of a listed object) made hostile at a time."""
    props = _resolve(body_schema).get("properties", {})
    base = {name: _plain(prop) for name, prop in props.items()}
    for name, prop in props.items():
        node = _resolve(prop)
        if node.get("type") == "array" and "properties" in _resolve(node.get("items", {})):
            for inner in _bad_json_bodies(node["items"]):
                yield json.dumps(base).replace(f'"{name}": []', f'"{name}": [{inner}]')
        for value in HUGE_INTEGERS:
            yield json.dumps({**base, name: value})
        yield json.dumps({**base, name: "@"}).replace('"@"', f'"{LONE_SURROGATE}"')


def _hostile_requests(op: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(query string, client keyword arguments) of every hostile request for one operation."""
    for param in op.get("parameters", []):
        if param["in"] == "query" and _resolve(param["schema"]).get("type") == "integer":
            for value in HUGE_INTEGERS:
                yield f"?{param['name']}={value}", {}
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        yield "", {"data": {"field": "value"}}  # a multipart form instead of JSON
        for body in _bad_json_bodies(content["application/json"]["schema"]):
            yield "", {"data": body, "content_type": "application/json"}
    if "multipart/form-data" in content:
        yield "", {"data": '{"field": "value"}', "content_type": "application/json"}
        props = _resolve(content["multipart/form-data"]["schema"]).get("properties", {})
        for name in props:
            yield "", {"data": {name: str(HUGE_INTEGERS[-1])}}


@pytest.mark.django_db
def test_hostile_bodies_and_numbers_are_never_a_server_error(world: World) -> None:
    # given every operation of the API, with real ids in its path
    client = Client(
        raise_request_exception=False, headers={"Authorization": f"Bearer {world.token}"}
    )
    failures = []
    for path, operations in schema.raw_schema["paths"].items():
        if "/payments/webhooks/" in path:
            continue
        url = re.sub(r"{(\w+)}", lambda m: world.ids.get(m[1], ["unknown"])[0], path)
        for method, op in operations.items():
            for query, kwargs in _hostile_requests(op):
                # when the hostile request is sent
                with transaction.atomic():
                    response = getattr(client, method)(url + query, **kwargs)
                    transaction.set_rollback(True)
                # then it is refused or served, never a 5xx
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url}{query} {str(kwargs)[:120]}")
    assert failures == []
