from __future__ import annotations

import pytest
from django.db import connection

from quanzi.catalog import services
from quanzi.catalog.models import Category, Product
from quanzi.catalog.search import _pg_query, query_terms, search_products, search_vector, segment
from quanzi.stores.services import StoreChange, update_store
from tests.catalog.conftest import simple_input
from tests.stores.roles import make_cast

pytestmark = pytest.mark.django_db


def _listed(cast, title: str, price: int = 5900, on_shelf: bool = True, **fields):
    product = services.create_product(
        cast.owner, cast.store.pk, simple_input(title, price=price, **fields)
    )
    if on_shelf:
        product = services.set_shelf(cast.owner, product.pk, True)
    return product


def _titles(results) -> list[str]:
    return [p.title for p in results[0:50]]


def test_segmentation_finds_the_words_inside_long_ones():
    assert {"咖啡", "咖啡豆", "云南", "小粒"} <= set(segment("云南小粒咖啡豆"))
    assert segment("纯棉Ｔ恤 3.5kg!") == ["纯棉", "t恤", "3", "5", "kg"]
    assert query_terms("  咖啡 咖啡 ") == ["咖啡"]
    assert query_terms("!!! ？？") == []


def test_a_chinese_word_of_the_title_finds_the_product(cast):
    # given a coffee and a tea
    _listed(cast, "云南小粒咖啡豆")
    _listed(cast, "武夷山大红袍")
    # when a customer searches a word from the middle of the title
    results = search_products("咖啡")
    # then the coffee is found, not the tea
    assert _titles(results) == ["云南小粒咖啡豆"]
    assert results.count() == 1
    assert _titles(search_products("大红袍")) == ["武夷山大红袍"]


def test_the_title_ranks_above_the_description(cast):
    # given one product that mentions 咖啡 only in its description, created last
    _listed(cast, "云南小粒咖啡豆 500g")
    _listed(cast, "手冲滤杯", description="适合冲泡咖啡的陶瓷滤杯，搭配咖啡豆更好")
    # when searching 咖啡
    # then the product with the word in its title comes first
    assert _titles(search_products("咖啡")) == ["云南小粒咖啡豆 500g", "手冲滤杯"]


def test_off_shelf_and_closed_stores_are_not_found(cast):
    _listed(cast, "云南小粒咖啡豆", on_shelf=False)
    other = make_cast_other()
    _listed(other, "挂耳咖啡")
    other.store.is_active = False
    other.store.save()
    assert _titles(search_products("咖啡")) == []


def make_cast_other():
    from tests.factories import UserFactory, store_with_owner
    from tests.stores.roles import Cast

    owner = UserFactory()
    return Cast(
        store=store_with_owner(owner),
        owner=owner,
        staff=owner,
        customer=owner,
        other_customer=owner,
    )


def test_all_words_must_match_else_any_word(cast):
    _listed(cast, "云南小粒咖啡豆")
    _listed(cast, "云南普洱茶")
    # both words → only the product having both
    assert _titles(search_products("云南 咖啡")) == ["云南小粒咖啡豆"]
    # no product has both → the products having either, best first
    assert set(_titles(search_products("咖啡 普洱"))) == {"云南小粒咖啡豆", "云南普洱茶"}


def test_spec_values_category_and_store_name_are_searchable(cast):
    tea = Category.objects.create(name="茶叶")
    data = simple_input("大红袍", category_id=tea.pk)
    product = services.create_product(cast.owner, cast.store.pk, data)
    services.set_shelf(cast.owner, product.pk, True)
    _listed(cast, "帆布包")
    assert _titles(search_products("茶叶")) == ["大红袍"]
    assert set(_titles(search_products("山野"))) == {"大红袍", "帆布包"}  # the store 山野小铺
    # and a renamed store is found by its new name
    update_store(cast.owner, cast.store.pk, StoreChange(name="海边杂货"))
    assert set(_titles(search_products("海边"))) == {"大红袍", "帆布包"}
    assert _titles(search_products("山野")) == []


def test_empty_or_garbage_queries_do_not_fail(cast):
    _listed(cast, "云南小粒咖啡豆")
    _listed(cast, "帆布包")
    assert _titles(search_products("")) == ["帆布包", "云南小粒咖啡豆"]  # newest first
    assert _titles(search_products("   ")) == ["帆布包", "云南小粒咖啡豆"]
    for garbage in ('"', "!!!", '咖啡" OR *', "NEAR(", "a" * 500, "\0", "'; DROP TABLE x; --"):
        list(search_products(garbage)[0:10])


def test_filters_and_sorts(cast):
    cheap = _listed(cast, "咖啡豆 小包", price=1900)
    dear = _listed(cast, "咖啡豆 大包", price=9900)
    dear.sales_count = 5
    dear.save()
    assert _titles(search_products("咖啡", sort="price_asc")) == ["咖啡豆 小包", "咖啡豆 大包"]
    assert _titles(search_products("咖啡", sort="price_desc")) == ["咖啡豆 大包", "咖啡豆 小包"]
    assert _titles(search_products("咖啡", sort="sales"))[0] == "咖啡豆 大包"
    assert _titles(search_products("咖啡", sort="newest"))[0] == "咖啡豆 大包"
    assert _titles(search_products("咖啡", min_price=5000)) == ["咖啡豆 大包"]
    assert _titles(search_products("", max_price=5000)) == ["咖啡豆 小包"]
    assert _titles(search_products("咖啡", store="other")) == []
    assert search_products("咖啡", store=cast.store.pk).count() == 2
    assert cheap.pk in [p.pk for p in search_products("咖啡", sort="bogus")[0:5]]


def test_an_edited_title_is_found_by_its_new_words(cast):
    product = _listed(cast, "帆布包")
    services.update_product(cast.owner, product.pk, simple_input("云南小粒咖啡豆"))
    assert _titles(search_products("咖啡")) == ["云南小粒咖啡豆"]
    assert _titles(search_products("帆布")) == []


def test_a_deleted_product_leaves_the_index(cast):
    product = _listed(cast, "帆布包", on_shelf=False)
    services.delete_product(cast.owner, product.pk)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM catalog_product_fts WHERE product_id = %s", [product.pk]
            )
            assert cursor.fetchone()[0] == 0


def test_search_page_and_api_find_chinese_words(client, api, cast):
    _listed(cast, "云南小粒咖啡豆")
    page = client.get("/products/search/", {"q": "咖啡"})
    assert page.status_code == 200
    assert "云南小粒咖啡豆" in page.content.decode()
    body = api().get("catalog/products", {"q": "咖啡"}).json()
    assert [i["title"] for i in body["items"]] == ["云南小粒咖啡豆"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_search_on_postgresql_ranks_and_uses_the_gin_index():
    # given a coffee (title), a dripper (description only) and an off-shelf coffee on PostgreSQL
    assert connection.vendor == "postgresql"
    cast = make_cast()
    _listed(cast, "手冲滤杯", description="适合冲泡咖啡的陶瓷滤杯")
    _listed(cast, "云南小粒咖啡豆")
    _listed(cast, "挂耳咖啡", on_shelf=False)
    # when searching a Chinese word
    results = search_products("咖啡")
    # then the title match ranks first and the off-shelf product is not found
    assert _titles(results) == ["云南小粒咖啡豆", "手冲滤杯"]
    assert _titles(search_products("云南 咖啡")) == ["云南小粒咖啡豆"]
    assert _titles(search_products("咖啡 滤杯")) == ["手冲滤杯"]
    # and the match condition can use the GIN index of migration 0002 (same expression)
    matching = Product.objects.annotate(document=search_vector()).filter(
        document=_pg_query(["咖啡"], "AND")
    )
    sql, params = matching.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_indexscan")
    assert "catalog_product_search" in plan, plan
