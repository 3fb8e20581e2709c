"""Strict input types at the API's edge: JSON `true` is not the integer 1, `"2"` is not 2.

The sweep walks /api/v1/openapi.json: for every operation with a JSON body it finds every
integer, number, text and boolean field (nested objects and list items included) and sends, in
one request per wrong value, that value in all of them at once. Each request must be a 422 whose
`errors[].loc` names every one of those fields; a 401, 403 or 404 does not count. The test
asserts it reached every operation with a JSON body that way.

The path ids are real objects of the demo data set (plus a few made here), as the merchant who
owns them: ninja validates a body before the view runs, so an unknown id could not stop a request
before validation today, but real ids keep the sweep meaningful if a check ever moves earlier.
Only a group buy's group and a promoter's withdrawal are left as unknown ids (building them takes
a whole purchase or a promoter's earned commission).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from django.db import models
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone
from ninja.utils import normalize_path
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from quanzi.accounts.models import ApiToken, User
from quanzi.api import api as ninja_api
from quanzi.campaigns.bargains.models import BargainCampaign
from quanzi.campaigns.bargains.services import start_bargain
from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.campaigns.groupbuy.models import GroupCampaign
from quanzi.catalog.models import Product, Sku
from quanzi.circles.models import Announcement, Circle, Message
from quanzi.circles.services.chat import report_message
from quanzi.core.schemas import JsonParser, Schema
from quanzi.coupons.models import Coupon
from quanzi.customers.models import Segment, Tag
from quanzi.demo.data import load_demo
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.aftersales import request_after_sale
from quanzi.reviews.models import Review
from quanzi.social.services.notes import create_note
from quanzi.stores.models import Store
from quanzi.trust.models import AlertKind, Appeal, AppealBy, Case, ReputationAlert
from tests.factories import (
    AddressFactory,
    ProductFactory,
    SkuFactory,
    UserFactory,
    store_with_owner,
)

Path = tuple[str | int, ...]

# The wrong values sent into each kind of field. Integer fields refuse floats even when whole
# (1.0): JSON has one number type, and a client sending 1.0 for a quantity has a bug.
WRONG: dict[str, list[Any]] = {
    "integer": [True, False, "1", 1.5, 1.0],
    "number": [True, "1"],
    "string": [1, True],
    "boolean": ["true", 1, 0],
}

# The fields issue 9 found accepting `true` as 1: (method, path template, field) → must be swept.
NAMED = {
    ("post", "/api/v1/orders/cart/items", ("quantity",)),
    ("patch", "/api/v1/orders/cart/items/{sku_id}", ("quantity",)),
    ("post", "/api/v1/orders/buy-now", ("quantity",)),
    ("post", "/api/v1/catalog/stores/{store_id}/products", ("skus", 0, "price")),
    ("post", "/api/v1/catalog/stores/{store_id}/products", ("skus", 0, "stock")),
    ("post", "/api/v1/redpackets/circles/{circle_id}", ("total",)),
    ("post", "/api/v1/redpackets/circles/{circle_id}", ("count",)),
    ("post", "/api/v1/orders/{order_id}/after-sales", ("amount",)),
    ("post", "/api/v1/campaigns/stores/{store_id}/coupons", ("amount_off",)),
    ("post", "/api/v1/campaigns/stores/{store_id}/coupons", ("valid_days",)),
    ("post", "/api/v1/circles/{circle_id}/members/{user_id}/mute", ("minutes",)),
    ("patch", "/api/v1/catalog/skus/{sku_id}", ("stock_delta",)),
    ("post", "/api/v1/circles/{circle_id}/read", ("seq",)),
}

UNKNOWN_ID = "Zz9Zz9Zz9Zz9Zz9Z"  # well-formed, matches nothing


@dataclass
class Operation:
    method: str
    path: str
    fields: dict[str, list[Path]] = field(default_factory=dict)  # JSON type → field paths


def _resolve(node: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        found: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        node = found
    return node


def _leaves(node: dict[str, Any], document: dict[str, Any], path: Path = ()) -> Iterator[Any]:
    """(path, JSON type) of every scalar field under `node`; `T | None` counts as T. Text with
    a format (date-time, uuid) is text too, and must refuse a number just the same."""
    node = _resolve(node, document)
    if len(path) > 8:
        return
    choices = [_resolve(c, document) for c in node.get("anyOf", [])]
    choices = [c for c in choices if c.get("type") != "null"]
    if len(choices) == 1:
        yield from _leaves(choices[0], document, path)
        return
    kind = node.get("type")
    if kind == "object":
        for name, sub in node.get("properties", {}).items():
            yield from _leaves(sub, document, (*path, name))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            yield from _leaves(extra, document, (*path, "key"))
    elif kind == "array" and isinstance(node.get("items"), dict):
        yield from _leaves(node["items"], document, (*path, 0))
    elif kind in WRONG:
        yield path, kind


def json_operations() -> list[Operation]:
    """The operations of /api/v1/openapi.json with a JSON body, each with its body's fields.

    The fields come from each operation's own body model rather than from the document's shared
    `components`, where two schemas of the same class name overwrite each other (issue 9, point
    10); the test checks that both list the same operations."""
    document = ninja_api.get_openapi_schema()
    documented = {
        (method, path)
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
        if "application/json" in spec.get("requestBody", {}).get("content", {})
    }
    found = []
    for bound in ninja_api._get_bound_routers():
        for route, view in bound.path_operations.items():
            path = normalize_path("/".join(["/api/v1", *(i for i in (bound.prefix, route) if i)]))
            path = re.sub(r"{[^}:]+:", "{", path)
            for op in view.operations:
                for model in op.models:
                    if model.__ninja_param_source__ != "body":
                        continue
                    schema = model.model_json_schema()
                    single = getattr(model, "__read_from_single_attr__", None)
                    body = schema["properties"][single] if single else schema
                    for method in op.methods:
                        operation = Operation(method.lower(), path)
                        for leaf, kind in _leaves(body, schema):
                            operation.fields.setdefault(kind, []).append(leaf)
                        found.append(operation)
    assert {(op.method, op.path) for op in found} == documented
    return found


def _put(body: dict[str, Any], path: Path, value: Any) -> None:
    """Set `value` at `path` in `body`, making the objects and one-item lists on the way."""
    node: Any = body
    for step, following in itertools.pairwise(path):
        blank: Any = [] if isinstance(following, int) else {}
        if isinstance(step, int):
            if not node:
                node.append(blank)
            node = node[0]
        else:
            node = node.setdefault(step, blank)
    last = path[-1]
    if isinstance(last, int):
        node[:] = [value]
    else:
        node[last] = value


def _named(errors: list[dict[str, Any]], path: Path) -> bool:
    """An error of the body at exactly this field (a union's arm may add one step to loc)."""
    return any(
        e["loc"][0] == "body"
        and tuple(e["loc"][2 : 2 + len(path)]) == path
        and e["type"] != "missing"
        for e in errors
    )


@dataclass
class World:
    user: User
    ids: dict[str, str]


@pytest.fixture
def world(transactional_db: None) -> World:
    # given the demo data set (the merchant's store with products, orders in every state and
    # reviews, a circle with chat and an announcement, coupons, a promoter programme, a group
    # buy, a bargain campaign and a flash sale), and in it a reported message, a refund request,
    # a started bargain, a note, an address of the merchant, a trust case and a store's appeal
    load_demo()  # its payments are confirmed by webhooks sent on commit: a transactional test
    merchant = User.objects.get(username="merchant")
    customer = User.objects.get(username="xiaomei")
    circle = Circle.objects.get(name="山野小铺 · 老朋友群")  # the store circle with its chat
    message = Message.objects.filter(circle=circle).exclude(sender=customer).first()
    assert message is not None
    report = report_message(customer, circle.pk, message.pk, "测试")
    paid = Order.objects.filter(status=OrderStatus.PAID).first()
    assert paid is not None
    after_sale = request_after_sale(
        paid.buyer, paid.pk, kind="refund_only", amount=paid.total, reason="不想要了"
    )
    bargain = start_bargain(customer, BargainCampaign.objects.get().pk)
    note = create_note(merchant, title="山野小铺上新")
    store = Store.objects.get()
    case = Case.objects.create(store=store, score=90, fingerprint="sweep")  # a trust case
    ids = {
        "store_id": store.pk,
        "product_id": Product.objects.filter(store=store).first().pk,  # type: ignore[union-attr]
        "sku_id": Sku.objects.filter(product__store=store).first().pk,  # type: ignore[union-attr]
        "address_id": AddressFactory(user=merchant).pk,
        "circle_id": circle.pk,
        "code": circle.invite_code,
        "user_id": customer.public_id,
        "message_id": message.pk,
        "report_id": report.pk,
        "announcement_id": Announcement.objects.get().pk,
        "coupon_id": Coupon.objects.filter(store=store).first().pk,  # type: ignore[union-attr]
        "order_id": paid.pk,
        "after_sale_id": after_sale.pk,
        "review_id": Review.objects.first().pk,  # type: ignore[union-attr]
        "campaign_id": GroupCampaign.objects.get().pk,
        "bargain_id": bargain.pk,
        "slot_id": FlashSale.objects.get().pk,
        "note_id": note.pk,
        "trigger": "new_member",
        "tag_id": Tag.objects.filter(store=store).first().pk,  # type: ignore[union-attr]
        "segment_id": Segment.objects.get(store=store).pk,
        "alert_id": ReputationAlert.objects.create(
            store=store,
            kind=AlertKind.STORE,
            window_start=timezone.now(),
            window_end=timezone.now(),
        ).pk,
        "case_id": case.pk,
        "appeal_id": Appeal.objects.create(
            case=case, author=merchant, store=store, by_role=AppealBy.STORE, text="测试"
        ).pk,
    }
    return World(user=merchant, ids=ids)


@pytest.fixture
def shop(db: None) -> World:
    # given a merchant with a store and a SKU in stock
    merchant = UserFactory()
    sku = SkuFactory(product=ProductFactory(store=store_with_owner(merchant)), stock=50)
    return World(user=merchant, ids={"store_id": sku.product.store_id, "sku_id": sku.pk})


def _url(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), UNKNOWN_ID), path)


def test_the_sweep_finds_every_field_the_issue_named():
    # given the OpenAPI document, when the sweep lists the JSON bodies' integer fields
    swept = {
        (op.method, op.path, leaf)
        for op in json_operations()
        for leaf in op.fields.get("integer", [])
    }
    # then the fields found accepting `true` as 1 are all among them
    assert swept >= NAMED, NAMED - swept


def test_every_json_field_refuses_the_wrong_json_type(world: World):
    # given every operation with a JSON body, and a token of the merchant
    _, token = ApiToken.issue(world.user)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    operations = json_operations()
    reached, failures = [], []
    for op in operations:
        url = _url(op.path, world.ids)
        answered_all = True
        for kind, paths in op.fields.items():
            for wrong in WRONG[kind]:
                # when the wrong value is sent into every field of that type at once
                body: dict[str, Any] = {}
                for path in paths:
                    _put(body, path, wrong)
                response = getattr(client, op.method)(
                    url, data=body, content_type="application/json"
                )
                # then it is a 422 naming each of those fields
                errors = response.json().get("errors", []) if response.status_code == 422 else []
                missed = [p for p in paths if not _named(errors, p)]
                if response.status_code != 422 or missed:
                    answered_all = False
                    failures.append(
                        f"{op.method.upper()} {op.path} {wrong!r}: {response.status_code} "
                        f"not named: {missed}"
                    )
        if answered_all and op.fields:
            reached.append(op)
    assert not failures, "\n".join(failures)
    # ... and every operation with a JSON body was reached (those with no scalar field at all
    # are the only ones left out)
    with_fields = [op for op in operations if op.fields]
    assert len(reached) == len(with_fields) >= 60
    # ... nearly all of them with real objects in their path
    unknown = {name for op in operations for name in re.findall(r"{(\w+)}", op.path)}
    assert unknown - set(world.ids) <= {"group_id", "withdrawal_id"}


# --- What stays as it was ---------------------------------------------------------------------


def test_dates_in_a_json_body_are_still_parsed_from_text_and_only_from_text(shop: World):
    # given the merchant's client and a coupon window starting tomorrow
    _, token = ApiToken.issue(shop.user)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    url = f"/api/v1/campaigns/stores/{shop.ids['store_id']}/coupons"
    start = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    end = start + timedelta(days=30)
    coupon = {"name": "限时券", "kind": "fixed", "amount_off": 500, "total": 20}
    window = {"validity": "window", "valid_from": start.isoformat()}
    # when the window's end is sent as ISO text, and then as a number (a Unix time)
    as_text = client.post(
        url, {**coupon, **window, "valid_until": end.isoformat()}, content_type="application/json"
    )
    as_number = client.post(
        url,
        {**coupon, **window, "valid_until": int(end.timestamp())},
        content_type="application/json",
    )
    # then the text is a date and time, the number is a 422 naming the field
    assert as_text.status_code == 201, as_text.content
    assert datetime.fromisoformat(as_text.json()["valid_until"]) == end
    assert as_number.status_code == 422
    assert [e["loc"] for e in as_number.json()["errors"]] == [["body", "data", "valid_until"]]


@pytest.mark.django_db
def test_query_strings_still_give_numbers_but_not_true_or_fractions():
    # given the public list of circles, paginated by ?page=
    client = Client()
    # when a page number is sent as the text of a number, of a boolean and of a fraction
    two = client.get("/api/v1/circles", {"page": "2"})
    true = client.get("/api/v1/circles", {"page": "true"})
    half = client.get("/api/v1/circles", {"page": "1.5"})
    # then "2" is page 2, and the others are a 422 naming the parameter
    assert two.status_code == 200 and two.json()["page"] >= 1
    for refused in (true, half):
        assert refused.status_code == 422
        assert [e["loc"] for e in refused.json()["errors"]] == [["query", "page"]]


def test_forms_still_give_numbers_and_booleans_from_text(shop: World):
    # given a review form whose stars and anonymity come as text, as forms send them
    _, token = ApiToken.issue(shop.user)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    form = {"order_id": UNKNOWN_ID, "item_id": UNKNOWN_ID, "stars": "5", "anonymous": "true"}
    # when it is posted (multipart), then it passes validation and meets the unknown order
    response = client.post("/api/v1/reviews", form)
    assert response.status_code == 404, response.content


def test_a_422_speaks_the_users_language_and_names_the_field(shop: World):
    # given a cart line whose quantity is `true`
    _, token = ApiToken.issue(shop.user)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    body = {"sku_id": shop.ids["sku_id"], "quantity": True}

    def send(language: str) -> Any:
        return client.post(
            "/api/v1/orders/cart/items",
            body,
            content_type="application/json",
            headers={"Accept-Language": language},
        ).json()

    # when it is sent in Chinese (the default) and in English
    zh, en = send("zh-hans"), send("en")
    # then the detail names the field in the user's language, and errors lists each field
    assert zh["code"] == en["code"] == "validation"
    assert zh["detail"] == "quantity：请输入整数。"
    assert en["detail"] == "quantity: Enter a whole number."
    assert [(e["loc"], e["type"], e["msg"]) for e in en["errors"]] == [
        (["body", "data", "quantity"], "int_type", "Enter a whole number.")
    ]
    # ... and several wrong fields are counted in the detail
    many = client.post(
        "/api/v1/orders/buy-now",
        {"sku_id": 7, "quantity": "2"},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    ).json()
    assert many["detail"] == "sku_id: Enter text. 1 more field is not valid."
    assert [e["loc"][-1] for e in many["errors"]] == ["sku_id", "quantity"]


# --- The base class on its own ------------------------------------------------------------------


class Kind(models.TextChoices):
    RANDOM = "random"
    EQUAL = "equal"


class LineSample(Schema):
    count: int
    label: str = ""


class BodySample(Schema):
    amount: int = Field(ge=0)
    share: float = 0.0
    visible: bool = False
    kind: Kind = Kind.RANDOM
    ref: UUID | None = None
    at: datetime | None = None
    lines: list[LineSample] = []
    caps: dict[str, int] = {}
    days: list[date] = []


def _json(text: str) -> Any:
    request = HttpRequest()
    request._body = text.encode()  # what Django reads the body into
    return BodySample.model_validate(JsonParser().parse_body(request))


def test_a_json_body_gets_exact_types_and_the_declared_classes():
    # given a JSON body with every kind of field, each of its right type
    sample = _json(
        '{"amount": 5, "share": 2, "visible": true, "kind": "equal",'
        ' "ref": "6f1c1f3e-0c4e-4f5e-8a53-2f0a6a1d7c11", "at": "2030-01-01T08:00:00+08:00",'
        ' "lines": [{"count": 1}], "caps": {"a": 3}, "days": ["2030-01-02"]}'
    )
    # then the text of an enum, a UUID and a date is parsed, a whole number is a float
    assert sample.kind is Kind.EQUAL and sample.share == 2.0
    assert sample.ref == UUID("6f1c1f3e-0c4e-4f5e-8a53-2f0a6a1d7c11")
    assert sample.days == [date(2030, 1, 2)]
    assert sample.at is not None and sample.at.isoformat() == "2030-01-01T08:00:00+08:00"
    # ... and the objects are of the declared classes (the strict twin stays inside)
    assert type(sample) is BodySample and type(sample.lines[0]) is LineSample
    assert sample.model_fields_set == set(BodySample.model_fields)


def test_a_json_body_refuses_what_python_would_coerce():
    # when every field gets a value Python-mode pydantic would coerce
    with pytest.raises(PydanticValidationError) as refused:
        _json(
            '{"amount": true, "share": "2", "visible": 1, "kind": 1, "ref": 5, "at": 1893456000,'
            ' "lines": [{"count": 1.0, "label": 3}], "caps": {"a": "3"}, "days": [20300102]}'
        )
    # then each is refused where it is
    assert {(e["loc"], e["type"]) for e in refused.value.errors()} == {
        (("amount",), "int_type"),
        (("share",), "float_type"),
        (("visible",), "bool_type"),
        (("kind",), "enum"),
        (("ref",), "uuid_type"),
        (("at",), "datetime_type"),
        (("lines", 0, "count"), "int_type"),
        (("lines", 0, "label"), "string_type"),
        (("caps", "a"), "int_type"),
        (("days", 0), "date_type"),
    }


def test_the_same_schema_is_lax_outside_a_json_body():
    # given the values a query string, a form or a view's return value would hold
    values = {"amount": "5", "visible": "true", "lines": [{"count": "1"}], "at": 1893456000}
    # when they are validated as plain Python, then they are converted as ninja always did
    sample = BodySample.model_validate(values)
    assert (sample.amount, sample.visible, sample.lines[0].count) == (5, True, 1)
    assert sample.at is not None and sample.at.year == 2030
