from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quanzi.catalog import services
from quanzi.catalog.models import Product, ProductImage
from tests.catalog.conftest import simple_input
from tests.stores.roles import ROLES, image_file

pytestmark = pytest.mark.django_db

PRODUCT_BODY = {
    "title": "云南小粒咖啡豆",
    "specs": [{"name": "烘焙", "values": ["中烘", "深烘"]}],
    "skus": [
        {"spec_values": {"烘焙": "中烘"}, "price": 5900, "stock": 10, "code": "CF-M"},
        {"spec_values": {"烘焙": "深烘"}, "price": 6900, "stock": 5},
    ],
}


def _call(api, cast, role, method, path, data=None, **kw):
    return getattr(api(cast.user(role)), method)(path, data, **kw)


# Each action against each role: only what the role may do succeeds.
MATRIX = {
    #                      owner staff customer other  anonymous
    "read_on_shelf": (200, 200, 200, 200, 200),
    "read_off_shelf": (200, 200, 404, 404, 404),
    "create": (201, 201, 403, 403, 401),
    "update": (200, 200, 403, 403, 401),
    "update_off_shelf": (200, 200, 404, 404, 401),
    "upload_image": (201, 201, 403, 403, 401),
    "shelf_toggle": (200, 200, 403, 403, 401),
    "sku_update": (200, 200, 403, 403, 401),
    "console_list": (200, 200, 403, 403, 401),
    "export": (200, 200, 403, 403, 401),
    "store_update": (200, 403, 403, 403, 401),
    "staff_add": (201, 403, 403, 403, 401),
}


def _do(action, api, cast, role, product, hidden):
    store = cast.store.pk
    if action == "read_on_shelf":
        return _call(api, cast, role, "get", f"catalog/products/{product.pk}")
    if action == "read_off_shelf":
        return _call(api, cast, role, "get", f"catalog/products/{hidden.pk}")
    if action == "create":
        return _call(api, cast, role, "post", f"catalog/stores/{store}/products", PRODUCT_BODY)
    if action == "update":
        return _call(api, cast, role, "put", f"catalog/products/{product.pk}", PRODUCT_BODY)
    if action == "update_off_shelf":
        return _call(api, cast, role, "put", f"catalog/products/{hidden.pk}", PRODUCT_BODY)
    if action == "upload_image":
        return _call(
            api,
            cast,
            role,
            "post",
            f"catalog/products/{product.pk}/images",
            {"file": image_file()},
            multipart=True,
        )
    if action == "shelf_toggle":
        return _call(
            api, cast, role, "post", f"catalog/products/{product.pk}/shelf", {"on_shelf": False}
        )
    if action == "sku_update":
        sku = product.skus.first()
        return _call(api, cast, role, "patch", f"catalog/skus/{sku.pk}", {"stock": 3})
    if action == "console_list":
        return _call(api, cast, role, "get", f"catalog/stores/{store}/products")
    if action == "export":
        return _call(api, cast, role, "get", f"catalog/stores/{store}/export", {"format": "csv"})
    if action == "store_update":
        return _call(api, cast, role, "patch", f"stores/{store}", {"name": "新名字"})
    if action == "staff_add":
        return _call(api, cast, role, "post", f"stores/{store}/staff", {"identifier": "xiaomei"})
    raise AssertionError(action)


@pytest.mark.parametrize("action", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(api, cast, product, hidden_product, role, action):
    # given a store with an on-shelf and an off-shelf product, and someone in `role`
    expected = MATRIX[action][ROLES.index(role)]
    before = (Product.objects.count(), ProductImage.objects.count())
    # when they try `action`
    response = _do(action, api, cast, role, product, hidden_product)
    # then only what the role may do succeeds, and a refusal changes nothing
    assert response.status_code == expected, (role, action, response.content)
    if expected >= 400:
        assert response.json()["code"] in {"forbidden", "not_found", "not_authenticated"}
        assert (Product.objects.count(), ProductImage.objects.count()) == before


def test_create_then_read_a_product(api, cast):
    # given the owner
    client = api(cast.owner)
    # when they create a product with two SKUs
    r = client.post(f"catalog/stores/{cast.store.pk}/products", PRODUCT_BODY)
    # then it is off the shelf with its SKUs, codes visible to the store
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["on_shelf"] is False
    assert [s["label"] for s in body["skus"]] == ["中烘", "深烘"]
    assert body["skus"][0]["code"] == "CF-M"
    assert (body["min_price"], body["max_price"]) == (5900, 6900)
    # and once on the shelf customers see it without SKU codes
    assert (
        client.post(f"catalog/products/{body['id']}/shelf", {"on_shelf": True}).status_code == 200
    )
    public = api().get(f"catalog/products/{body['id']}").json()
    assert public["store"]["name"] == cast.store.name
    assert public["skus"][0]["code"] == ""
    assert public["rating"] is None and public["rating_count"] == 0


def test_bad_product_bodies_are_4xx_and_write_nothing(api, cast):
    client = api(cast.owner)
    url = f"catalog/stores/{cast.store.pk}/products"
    bad = [
        {**PRODUCT_BODY, "skus": [{"spec_values": {"烘焙": "中烘"}, "price": -5, "stock": 1}]},
        {**PRODUCT_BODY, "skus": [{"spec_values": {"烘焙": "中烘"}, "price": 100, "stock": -1}]},
        {**PRODUCT_BODY, "skus": [{"spec_values": {"烘焙": "生豆"}, "price": 100, "stock": 1}]},
        {**PRODUCT_BODY, "title": ""},
        {**PRODUCT_BODY, "category_id": "nope"},
        {"title": "x" * 500},
        "not json",
    ]
    for body in bad:
        r = client.post(url, body)
        assert 400 <= r.status_code < 500, (body, r.content)
    assert not Product.objects.exists()


def test_shelf_on_without_sku_is_a_conflict(api, cast):
    client = api(cast.owner)
    r = client.post(f"catalog/stores/{cast.store.pk}/products", {"title": "草稿"})
    assert r.status_code == 201
    r = client.post(f"catalog/products/{r.json()['id']}/shelf", {"on_shelf": True})
    assert (r.status_code, r.json()["code"]) == (409, "no_sku")


def test_sku_stock_delta_never_goes_negative(api, cast, product):
    sku = product.skus.first()
    client = api(cast.staff)
    assert client.patch(f"catalog/skus/{sku.pk}", {"stock_delta": -10}).json()["stock"] == 0
    r = client.patch(f"catalog/skus/{sku.pk}", {"stock_delta": -1})
    assert (r.status_code, r.json()["code"]) == (409, "stock_changed")
    assert client.patch(f"catalog/skus/{sku.pk}", {"stock": 1, "stock_delta": 1}).status_code == 400


def test_delete_product(api, cast, hidden_product):
    assert api(cast.customer).delete(f"catalog/products/{hidden_product.pk}").status_code == 404
    assert api(cast.owner).delete(f"catalog/products/{hidden_product.pk}").status_code == 204
    assert not Product.objects.filter(pk=hidden_product.pk).exists()


def test_categories_list_and_filter(api, cast):
    from tests.factories import UserFactory

    operator = api(UserFactory(is_staff=True))
    coffee = operator.post("catalog/categories", {"name": "咖啡"}).json()
    assert api(cast.owner).post("catalog/categories", {"name": "茶"}).status_code == 403
    data = simple_input("咖啡豆", category_id=coffee["id"])
    product = services.create_product(cast.owner, cast.store.pk, data)
    services.set_shelf(cast.owner, product.pk, True)
    services.set_shelf(
        cast.owner,
        services.create_product(cast.owner, cast.store.pk, simple_input("茶叶")).pk,
        True,
    )
    assert [c["name"] for c in api().get("catalog/categories").json()] == ["咖啡"]
    items = api().get("catalog/products", {"category": coffee["id"]}).json()["items"]
    assert [i["title"] for i in items] == ["咖啡豆"]


def _many_products(cast, n: int) -> None:
    for i in range(n):
        product = services.create_product(
            cast.owner, cast.store.pk, simple_input(f"云南小粒咖啡豆 {i}号", price=1000 + i)
        )
        services.set_shelf(cast.owner, product.pk, True)
        services.add_image(cast.owner, product.pk, image_file(size=(32, 32)))


@pytest.mark.parametrize("query", ["", "咖啡"])
def test_product_list_queries_do_not_grow_with_page_size(
    api, cast, query, django_assert_max_num_queries
):
    # given 60 products with an image each
    _many_products(cast, 60)
    client = api()
    counts = {}
    for size in (5, 50):
        # when a page of `size` products is listed (and searched)
        with django_assert_max_num_queries(5), CaptureQueriesContext(connection) as ctx:
            r = client.get("catalog/products", {"q": query, "page_size": size})
        # then the page is full and every card has its cover
        assert r.status_code == 200
        body = r.json()
        assert len(body["items"]) == size and body["count"] == 60
        assert all(item["cover"] for item in body["items"])
        counts[size] = len(ctx.captured_queries)
    # and both page sizes cost the same number of queries
    assert counts[5] == counts[50]


def test_page_size_is_bounded(api, cast):
    assert api().get("catalog/products", {"page_size": 101}).status_code == 422
    assert api().get("catalog/products", {"page": 0}).status_code == 422
    assert api().get("catalog/products", {"sort": "bogus"}).status_code == 422
