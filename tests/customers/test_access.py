"""The permission matrix of profiles, tags, RFM and segments, pages and API: the owner and
staff with the customers right see them; staff without the right, another store's owner and
a customer get 403 (the store is open: its existence is no secret); anonymous callers get 401
(API) or the login page; a forged id is a 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.customers.models import Segment, Tag
from tests.customers.conftest import Buy, Crm
from tests.factories import UserFactory, store_with_owner

ALLOWED = ("owner", "staff")
REFUSED = ("clerk", "stranger_owner", "customer")


@pytest.fixture
def world(crm: Crm, buy: Buy) -> dict[str, Any]:
    customer = UserFactory(username="cust")
    buy(customer)
    stranger = UserFactory(username="elsewhere")
    store_with_owner(stranger, name="别家")
    tag = Tag.objects.create(store=crm.store, name="VIP", kind="manual")
    segment = Segment.objects.create(
        store=crm.store, name="all", definition={"kind": "and", "of": []}
    )
    return {
        "users": {
            "owner": crm.owner,
            "staff": crm.staff,
            "clerk": crm.clerk,
            "stranger_owner": stranger,
            "customer": customer,
            "anonymous": None,
        },
        "customer": customer,
        "tag": tag,
        "segment": segment,
    }


def pages(crm: Crm, w: dict[str, Any]) -> list[str]:
    base = f"/customers/console/{crm.store.pk}"
    seg = w["segment"].pk
    return [
        f"{base}/",
        f"{base}/c/{w['customer'].public_id}/",
        f"{base}/tags/",
        f"{base}/rfm/",
        f"{base}/segments/",
        f"{base}/segments/new/",
        f"{base}/segments/{seg}/",
        f"{base}/segments/{seg}/export/",
    ]


def apis(crm: Crm, w: dict[str, Any]) -> list[tuple[str, str, Any]]:
    base = f"customers/{crm.store.pk}"
    seg = w["segment"].pk
    return [
        ("get", f"{base}/customers", None),
        ("get", f"{base}/customers/{w['customer'].public_id}", None),
        ("get", f"{base}/tags", None),
        ("get", f"{base}/tag-groups", None),
        ("get", f"{base}/rules", None),
        ("post", f"{base}/tags", {"name": "新标签"}),
        ("post", f"{base}/tags/{w['tag'].pk}/assign", {"customers": [w["customer"].public_id]}),
        ("get", f"{base}/rfm", None),
        ("get", f"{base}/segments", None),
        ("get", f"{base}/segments/{seg}", None),
        ("get", f"{base}/segments/{seg}/members", None),
        ("post", f"{base}/segments/preview", {"definition": {"kind": "and", "of": []}}),
    ]


@pytest.mark.parametrize("role", [*ALLOWED, *REFUSED, "anonymous"])
def test_pages_matrix(crm: Crm, world: dict[str, Any], role: str) -> None:
    client = Client()
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    for url in pages(crm, world):
        response = client.get(url)
        if role in ALLOWED:
            assert response.status_code == 200, (role, url)
        elif role == "anonymous":
            assert response.status_code == 302 and "/login" in response["Location"], url
        else:
            assert response.status_code == 403, (role, url, response.status_code)


@pytest.mark.parametrize("role", [*ALLOWED, *REFUSED, "anonymous"])
def test_api_matrix(crm: Crm, world: dict[str, Any], api: Any, role: str) -> None:
    client = api(world["users"][role])
    for n, (method, url, body) in enumerate(apis(crm, world)):
        if method == "post" and url.endswith("/tags"):
            body = {"name": f"新标签{role[:3]}{n}"}
        response = getattr(client, method)(url, body)
        if role in ALLOWED:
            assert response.status_code in (200, 201), (role, url, response.content)
        elif role == "anonymous":
            assert response.status_code == 401, url
        else:
            assert response.status_code == 403, (role, url, response.status_code)
            assert "code" in response.json()


def test_forged_and_foreign_ids_are_404(
    crm: Crm, world: dict[str, Any], api: Any, other_store: Any
) -> None:
    owner = api(crm.owner)
    base = f"customers/{crm.store.pk}"
    outsider = UserFactory()  # not a customer of the store
    foreign = Segment.objects.create(
        store=other_store, name="x", definition={"kind": "and", "of": []}
    )
    for url in (
        f"{base}/customers/{outsider.public_id}",
        f"{base}/customers/not-an-id!",
        f"{base}/segments/{foreign.pk}",
        f"{base}/segments/AAAAAAAAAAAAAAAA",
        "customers/AAAAAAAAAAAAAAAA/customers",
    ):
        assert owner.get(url).status_code == 404, url
    client = Client()
    client.force_login(crm.owner)
    assert (
        client.get(f"/customers/console/{crm.store.pk}/c/{outsider.public_id}/").status_code == 404
    )
    assert (
        client.get(f"/customers/console/{crm.store.pk}/segments/{foreign.pk}/").status_code == 404
    )
