from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from quanzi.catalog import services
from quanzi.catalog.models import Product, ProductImage, Sku
from tests.catalog.conftest import simple_input
from tests.stores.roles import image_file

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def _editor_post(**overrides: str) -> dict[str, str]:
    """The editor form as a browser sends it for 颜色 [红, 蓝] × 尺码 [S, M]."""
    data = {
        "title": "纯棉T恤",
        "subtitle": "夏季新款",
        "description": "100% 棉",
        "category": "",
        "spec_name_0": "颜色",
        "spec_values_0": "红，蓝",
        "spec_name_1": "尺码",
        "spec_values_1": "S, M",
        "spec_name_2": "",
        "spec_values_2": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def _rows(content: str) -> list[str]:
    return re.findall(r'name="sku_spec_\d+" value="([^"]*)"', content)


def test_the_generate_button_builds_the_matrix_on_the_server(cast):
    # given the merchant typed two spec attributes (no JavaScript)
    client = _client(cast.owner)
    # when they press "Generate SKUs"
    r = client.post(f"/products/console/{cast.store.pk}/new/", _editor_post(action="generate"))
    # then the page shows one row per combination, with the testids of the editor, and saves nothing
    assert r.status_code == 200
    content = r.content.decode()
    assert len(_rows(content)) == 4
    for testid in (
        "product-title",
        "spec-name-0",
        "spec-values-1",
        "generate-skus",
        "sku-price-3",
        "sku-stock-0",
        "product-images",
        "save-product",
    ):
        assert f'data-testid="{testid}"' in content
    assert not Product.objects.exists()


def test_typed_prices_survive_a_spec_change(cast):
    # given a generated matrix where 红 / S has a price typed
    client = _client(cast.owner)
    data = _editor_post(
        action="generate",
        sku_count="1",
        sku_spec_0='{"颜色": "红", "尺码": "S"}',
        sku_price_0="59",
        sku_stock_0="4",
    )
    # when 绿 is added and the matrix regenerated
    data["spec_values_0"] = "红, 蓝, 绿"
    content = client.post(f"/products/console/{cast.store.pk}/new/", data).content.decode()
    # then there are 6 rows and 红 / S kept its price
    assert len(_rows(content)) == 6
    assert 'name="sku_price_0" value="59"' in content


def test_create_a_product_with_its_matrix_and_images(cast):
    # given the editor filled with 4 prices and two photos
    client = _client(cast.staff)
    data = _editor_post(sku_count="4")
    combos = [("红", "S"), ("红", "M"), ("蓝", "S"), ("蓝", "M")]
    for i, (colour, size) in enumerate(combos):
        data[f"sku_spec_{i}"] = f'{{"颜色": "{colour}", "尺码": "{size}"}}'
        data[f"sku_price_{i}"] = f"{59 + i}.90"
        data[f"sku_stock_{i}"] = "10"
    data["images"] = [image_file("a.png"), image_file("b.jpg", fmt="JPEG")]
    # when saved
    r = client.post(f"/products/console/{cast.store.pk}/new/", data)
    # then the product exists with 4 SKUs and 2 images, and the editor opens on it
    product = Product.objects.get()
    assert (
        r.status_code == 302 and r["Location"] == f"/products/console/{cast.store.pk}/{product.pk}/"
    )
    assert sorted(product.skus.values_list("price", flat=True)) == [5990, 6090, 6190, 6290]
    assert product.images.count() == 2
    # and the shelf toggle puts it on sale
    page = client.get(r["Location"]).content.decode()
    assert 'data-testid="shelf-toggle"' in page
    client.post(f"/products/console/{cast.store.pk}/{product.pk}/shelf/", {"on_shelf": "1"})
    product.refresh_from_db()
    assert product.on_shelf


def test_a_bad_row_re_renders_the_form_and_writes_nothing(cast):
    client = _client(cast.owner)
    data = _editor_post(sku_count="1", sku_spec_0='{"颜色": "红", "尺码": "S"}', sku_price_0="abc")
    data["images"] = [image_file()]
    r = client.post(f"/products/console/{cast.store.pk}/new/", data)
    assert r.status_code == 400
    content = r.content.decode()
    assert "Enter a price in yuan" in content
    assert 'value="纯棉T恤"' in content
    assert not Product.objects.exists() and not ProductImage.objects.exists()


def test_a_non_image_in_the_editor_writes_nothing(cast, product):
    client = _client(cast.owner)
    data = _editor_post(title="改名了")
    data["images"] = [io.BytesIO(b"not an image")]
    data["images"][0].name = "x.png"
    r = client.post(f"/products/console/{cast.store.pk}/{product.pk}/", data)
    assert r.status_code == 400
    product.refresh_from_db()
    assert product.title == "纯棉T恤"


def test_edit_page_keeps_skus_and_shows_them(cast, product):
    client = _client(cast.owner)
    content = client.get(f"/products/console/{cast.store.pk}/{product.pk}/").content.decode()
    assert len(_rows(content)) == 4
    assert 'value="59.00"' in content


def test_console_pages_are_for_the_stores_people(cast, product):
    urls = [
        f"/products/console/{cast.store.pk}/",
        f"/products/console/{cast.store.pk}/new/",
        f"/products/console/{cast.store.pk}/{product.pk}/",
    ]
    for url in urls:
        assert _client(cast.staff).get(url).status_code == 200
        assert _client(cast.customer).get(url).status_code == 403
        assert _client().get(url).status_code == 302  # to the login page
    # a product of another store is not found through this store's console
    other = services.create_product(cast.owner, cast.store.pk, simple_input("x"))
    Product.objects.filter(pk=other.pk).update(store=_other_store())
    assert _client(cast.owner).get(
        f"/products/console/{cast.store.pk}/{other.pk}/"
    ).status_code in (403, 404)


def _other_store():
    from tests.factories import store_with_owner

    return store_with_owner()


def test_product_page_has_the_sku_picker_and_buy_forms(cast, product):
    # given a customer on the product page
    client = _client(cast.customer)
    r = client.get(f"/products/{product.pk}/")
    # then it shows the picker buttons, the SKU select fallback, quantity and both buy buttons
    assert r.status_code == 200
    content = r.content.decode()
    for testid in (
        "spec-颜色-红",
        "spec-尺码-M",
        "add-to-cart",
        "buy-now",
        "quantity",
        "product-reviews",
    ):
        assert f'data-testid="{testid}"' in content
    assert (
        'formaction="/orders/cart/add/"' in content and 'formaction="/orders/buy-now/"' in content
    )
    assert len(re.findall(r'<option value="\w+"', content)) == 4
    assert 'name="quantity"' in content and 'name="sku"' in content
    assert "¥59.00 – ¥62.00" in content


def test_product_page_of_a_hidden_product_is_404(cast, hidden_product):
    assert _client(cast.customer).get(f"/products/{hidden_product.pk}/").status_code == 404
    assert _client().get(f"/products/{hidden_product.pk}/").status_code == 404
    assert _client(cast.staff).get(f"/products/{hidden_product.pk}/").status_code == 200
    assert _client().get("/products/no-such-product/").status_code == 404


def test_anonymous_buy_buttons_lead_to_login(cast, product):
    content = _client().get(f"/products/{product.pk}/").content.decode()
    assert re.search(r'href="/accounts/login/\?next=[^"]+" data-testid="buy-now"', content)


def test_user_content_is_escaped(cast):
    product = services.create_product(
        cast.owner, cast.store.pk, simple_input("<script>alert(1)</script>", description="<b>x</b>")
    )
    services.set_shelf(cast.owner, product.pk, True)
    content = _client().get(f"/products/{product.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;b&gt;x&lt;/b&gt;" in content


def test_search_page_filters_and_paginates(cast):
    for i in range(25):
        p = services.create_product(
            cast.owner, cast.store.pk, simple_input(f"云南小粒咖啡豆 {i}", price=1000 + i)
        )
        services.set_shelf(cast.owner, p.pk, True)
    client = _client()
    first = client.get("/products/search/", {"q": "咖啡", "sort": "price_asc"}).content.decode()
    assert first.count('data-testid="product-card"') == 20
    assert 'data-testid="next-page"' in first
    second = client.get(
        "/products/search/", {"q": "咖啡", "sort": "price_asc", "page": "2"}
    ).content.decode()
    assert second.count('data-testid="product-card"') == 5
    cheap = client.get("/products/search/", {"q": "咖啡", "max_price": "10.05"}).content.decode()
    assert cheap.count('data-testid="product-card"') == 6
    for bad in ({"q": "咖啡", "page": "x"}, {"min_price": "abc"}, {"sort": "evil"}, {"q": '"*'}):
        assert client.get("/products/search/", bad).status_code == 200


def test_home_shows_products_and_categories(cast, product, hidden_product):
    from quanzi.catalog.models import Category

    Category.objects.create(name="服饰")
    content = _client().get("/").content.decode()
    assert "纯棉T恤" in content and "未上架的新品" not in content
    assert "服饰" in content


def test_console_list_import_and_export(cast, product):
    client = _client(cast.owner)
    listing = client.get(f"/products/console/{cast.store.pk}/").content.decode()
    assert 'data-testid="console-product"' in listing
    exported = client.get(f"/products/console/{cast.store.pk}/export/", {"format": "xlsx"})
    assert exported.status_code == 200
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert len(rows) == 5
    # a bad file lists its rows and writes nothing
    bad = io.BytesIO("title,price\n咖啡,abc\n,1\n".encode())
    bad.name = "bad.csv"
    r = client.post(f"/products/console/{cast.store.pk}/import/", {"file": bad})
    assert r.status_code == 400
    content = r.content.decode()
    assert (
        'data-testid="import-errors"' in content
        and "<td>2</td>" in content
        and "<td>3</td>" in content
    )
    assert Product.objects.count() == 1
    # a good file is previewed (nothing written), then imported when applied
    good = io.BytesIO("title,price,stock,on_shelf\n咖啡,59,3,yes\n".encode())
    good.name = "good.csv"
    r = client.post(f"/products/console/{cast.store.pk}/import/", {"file": good})
    assert r.status_code == 200 and 'data-testid="import-preview"' in r.content.decode()
    assert not Sku.objects.filter(product__title="咖啡").exists()
    token = r.context["token"]
    r = client.post(
        f"/products/console/{cast.store.pk}/import/", {"token": token, "action": "apply"}
    )
    assert r.status_code == 302
    assert Sku.objects.filter(product__title="咖啡", price=5900).exists()


def test_image_move_and_delete_pages(cast, product, django_capture_on_commit_callbacks):
    a = services.add_image(cast.owner, product.pk, image_file())
    b = services.add_image(cast.owner, product.pk, image_file())
    client = _client(cast.owner)
    base = f"/products/console/{cast.store.pk}/{product.pk}/images"
    client.post(f"{base}/{b.pk}/move/", {"direction": "up"})
    assert list(product.images.order_by("position").values_list("pk", flat=True)) == [b.pk, a.pk]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{base}/{a.pk}/delete/")
    assert list(product.images.values_list("pk", flat=True)) == [b.pk]
    assert _client(cast.customer).post(f"{base}/{b.pk}/delete/").status_code == 403
