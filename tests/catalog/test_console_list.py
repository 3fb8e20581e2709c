"""The console's product list: search by title or SKU code, shelf and stock filters, sorting by
sales or stock, the sales column; unknown choices fall back to the defaults."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    owner = UserFactory()
    store = store_with_owner(owner)
    made = {}
    for title, sold, stock, shelf, code in (
        ("云南咖啡豆", 30, 50, True, "CF-01"),
        ("普洱茶饼", 80, 3, True, "PU-07"),
        ("扎染围巾", 5, 0, False, "ZR-11"),
    ):
        product = ProductFactory(store=store, title=title, sales_count=sold, on_shelf=shelf)
        SkuFactory(product=product, stock=stock, code=code)
        made[title] = product
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(owner)
    return store, client, made


def _titles(client: Client, store, **params: str) -> list[str]:
    html = client.get(f"/products/console/{store.pk}/", params).content.decode()
    return re.findall(r'data-testid="edit-product">([^<]+)<', html)


def test_search_by_title_or_sku_code(console):
    store, client, _made = console
    assert _titles(client, store, q="普洱") == ["普洱茶饼"]
    assert _titles(client, store, q="zr-11") == ["扎染围巾"]


def test_shelf_and_stock_filters(console):
    store, client, _made = console
    assert _titles(client, store, shelf="off") == ["扎染围巾"]
    assert _titles(client, store, shelf="sold_out") == ["扎染围巾"]
    assert _titles(client, store, shelf="low") == ["普洱茶饼"]
    assert sorted(_titles(client, store, shelf="on")) == ["云南咖啡豆", "普洱茶饼"]


def test_sort_by_sales_or_stock_and_the_sales_column(console):
    store, client, _made = console
    assert _titles(client, store, sort="sales") == ["普洱茶饼", "云南咖啡豆", "扎染围巾"]
    assert _titles(client, store, sort="stock") == ["扎染围巾", "普洱茶饼", "云南咖啡豆"]
    html = client.get(f"/products/console/{store.pk}/", {"sort": "sales"}).content.decode()
    assert re.findall(r'data-testid="product-sold">(\d+)<', html) == ["80", "30", "5"]


@pytest.mark.parametrize("params", [{"shelf": "'; drop"}, {"sort": "<b>"}, {"shelf": ["on", "x"]}])
def test_unknown_choices_fall_back_to_the_defaults(console, params):
    # given a forged filter or sort
    store, client, _made = console
    # then the list is the default one (every product, newest first), and nothing is echoed
    assert _titles(client, store, **params) == ["扎染围巾", "普洱茶饼", "云南咖啡豆"]
    assert "&lt;b&gt;" not in client.get(f"/products/console/{store.pk}/", params).content.decode()


def test_a_huge_search_is_cut_not_refused(console):
    store, client, _made = console
    response = client.get(f"/products/console/{store.pk}/", {"q": "普洱" + "x" * 5000})
    assert response.status_code == 200
    assert 'value="普洱' in response.content.decode() and "x" * 60 not in response.content.decode()


def test_an_empty_search_says_what_to_do(console):
    store, client, _made = console
    html = client.get(f"/products/console/{store.pk}/", {"q": "不存在的东西"}).content.decode()
    assert 'data-testid="console-empty"' in html and "Clear the search" in html


def test_someone_else_cannot_see_the_list(console):
    store, _client, _made = console
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(f"/products/console/{store.pk}/").status_code in (403, 404)
