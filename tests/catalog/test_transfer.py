from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from quanzi.catalog import services
from quanzi.catalog.models import Category, Product, Sku
from quanzi.catalog.transfer import ImportInvalid, export_products, import_products
from quanzi.core.errors import InvalidInput, PayloadTooLarge

pytestmark = pytest.mark.django_db

HEADER = ["title", "subtitle", "category", "specs", "sku_code", "price", "stock", "on_shelf"]


def _csv(rows: list[list[object]], encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile("products.csv", out.getvalue().encode(encoding), "text/csv")


def _xlsx(rows: list[list[object]]) -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("products.xlsx", buffer.getvalue())


def _snapshot(store) -> list[tuple]:
    return sorted(
        (
            s.product.title,
            s.product.subtitle,
            s.spec_text,
            s.code,
            s.price,
            s.stock,
            s.product.on_shelf,
        )
        for s in Sku.objects.filter(product__store=store, is_active=True).select_related("product")
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_round_trip(cast, product, fmt):
    # given a store with a 2 × 2 product and a single-SKU product in a category
    tea = Category.objects.create(name="茶叶")
    other = services.create_product(
        cast.owner,
        cast.store.pk,
        services.ProductInput(
            title="=cmd|' /C calc'!A0",  # a title a spreadsheet would run as a formula
            subtitle="武夷山",
            category_id=tea.pk,
            skus=[services.SkuInput({}, 12850, 3, "TEA-1")],
        ),
    )
    before = _snapshot(cast.store)
    # when the owner exports, then imports the same file into the same store
    content, _content_type, name = export_products(cast.owner, cast.store.pk, fmt)
    assert name == f"products.{fmt}"
    result = import_products(cast.owner, cast.store.pk, SimpleUploadedFile(name, content))
    # then every SKU is matched (nothing created) and nothing changed
    assert (result.products_created, result.skus_created) == (0, 0)
    assert (result.products_updated, result.skus_updated) == (2, 5)
    assert _snapshot(cast.store) == before
    assert Product.objects.get(pk=other.pk).category == tea
    # and the formula-looking title was written as text
    if fmt == "xlsx":
        cells = [
            row[0] for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
        ]
    else:
        cells = [row[0] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))]
    assert "'=cmd|' /C calc'!A0" in cells


def test_import_creates_and_updates_products(cast, product):
    # given a file updating one SKU by code, one by title + specs, and a new product
    upload = _csv(
        [
            HEADER,
            ["纯棉T恤", "", "", "颜色:红;尺码:S", "TS-0", "49.90", "100", "yes"],
            ["纯棉T恤", "", "", "颜色：蓝；尺码：M", "", "65", "7", "yes"],
            ["纯棉T恤", "", "", "颜色:绿;尺码:S", "TS-G", "70", "1", "yes"],
            ["手工红糖", "古法", "", "", "SUGAR", "¥19.9", "50", "是"],
        ]
    )
    # when imported
    result = import_products(cast.staff, cast.store.pk, upload)
    # then the T-shirt has a new colour value and SKU, and the sugar exists, on the shelf
    assert (result.products_created, result.products_updated) == (1, 1)
    assert (result.skus_created, result.skus_updated) == (2, 2)
    product.refresh_from_db()
    assert product.specs == [
        {"name": "颜色", "values": ["红", "蓝", "绿"]},
        {"name": "尺码", "values": ["S", "M"]},
    ]
    red_s = Sku.objects.get(code="TS-0")
    assert (red_s.price, red_s.stock) == (4990, 100)
    assert (
        Sku.objects.get(product=product, spec_values__颜色="蓝", spec_values__尺码="M").price
        == 6500
    )
    assert product.min_price == 4990
    sugar = Product.objects.get(title="手工红糖")
    assert (sugar.subtitle, sugar.on_shelf, sugar.min_price) == ("古法", True, 1990)
    assert "红糖" in sugar.search_text


def test_invalid_rows_are_all_listed_and_nothing_is_written(cast, product):
    # given a file with one good row and many bad ones
    upload = _xlsx(
        [
            ["商品标题", "规格", "SKU编码", "价格", "库存", "上架"],  # headers in another order
            ["新品", "", "NEW-1", 10, 5, "yes"],
            ["", "", "", 10, 5, "yes"],
            ["坏价格", "", "", "abc", 5, "yes"],
            ["负库存", "", "", 10, -5, "yes"],
            ["坏规格", "颜色红", "", 10, 5, "yes"],
            ["纯棉T恤", "颜色:红;尺码:S", "TS-1", 10, 5, "yes"],  # TS-1 is 红 / M
            ["重复", "", "NEW-1", 10, 5, "yes"],
            ["坏上架", "", "", 10, 5, "maybe"],
            ["零价格", "", "", 0, 5, "yes"],
            ["纯棉T恤", "颜色:红", "", 10, 5, "yes"],  # the product's specs are 颜色, 尺码
        ]
    )
    before = _snapshot(cast.store)
    # when imported
    with pytest.raises(ImportInvalid) as refused:
        import_products(cast.owner, cast.store.pk, upload)
    # then every bad row is listed with its spreadsheet row number, and nothing was written
    rows = [e["row"] for e in refused.value.extra["errors"]]
    assert rows == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert all(e["message"] for e in refused.value.extra["errors"])
    assert _snapshot(cast.store) == before
    assert not Product.objects.filter(title="新品").exists()


def test_import_api_reports_rows_in_the_users_language(api, cast):
    upload = _csv(
        [HEADER, ["咖啡", "", "", "", "", "abc", "1", "yes"], ["", "", "", "", "", "1", "1", "yes"]]
    )
    r = api(cast.owner).post(
        f"catalog/stores/{cast.store.pk}/import",
        {"file": upload},
        multipart=True,
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "import_invalid"
    assert [e["row"] for e in body["errors"]] == [2, 3]
    assert "price" in body["errors"][0]["message"]
    assert not Product.objects.exists()


def test_gbk_csv_and_unknown_category(cast):
    Category.objects.create(name="茶叶")
    ok = _csv([HEADER, ["大红袍", "", "茶叶", "", "", "88", "3", "否"]], encoding="gb18030")
    assert import_products(cast.owner, cast.store.pk, ok).products_created == 1
    assert Product.objects.get(title="大红袍").on_shelf is False
    bad = _csv([HEADER, ["普洱", "", "不存在", "", "", "88", "3", "否"]])
    with pytest.raises(ImportInvalid) as refused:
        import_products(cast.owner, cast.store.pk, bad)
    assert refused.value.extra["errors"][0]["row"] == 2


@pytest.mark.parametrize(
    "upload,code",
    [
        (SimpleUploadedFile("x.xlsx", b"PK\x03\x04 broken zip"), "bad_file"),
        (SimpleUploadedFile("x.csv", b""), "bad_file"),
        (SimpleUploadedFile("x.csv", b"a,b,c\n1,2,3\n"), "bad_header"),
        (SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x00garbage\x81"), "bad_file"),
    ],
)
def test_unreadable_files_are_clear_errors(cast, upload, code):
    with pytest.raises(InvalidInput) as refused:
        import_products(cast.owner, cast.store.pk, upload)
    assert refused.value.code == code


def test_file_size_and_row_limits(cast):
    big = SimpleUploadedFile("big.csv", b"x" * (5 * 1024 * 1024 + 1))
    with pytest.raises(PayloadTooLarge):
        import_products(cast.owner, cast.store.pk, big)
    many = _csv([HEADER] + [[f"商品{i}", "", "", "", "", "1", "1", "yes"] for i in range(5001)])
    with pytest.raises(InvalidInput) as refused:
        import_products(cast.owner, cast.store.pk, many)
    assert refused.value.code == "too_many_rows"
    assert not Product.objects.exists()


def test_export_api_downloads_a_file(api, cast, product):
    r = api(cast.staff).get(f"catalog/stores/{cast.store.pk}/export", {"format": "xlsx"})
    assert r.status_code == 200
    assert r["Content-Disposition"] == 'attachment; filename="products.xlsx"'
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 5  # header + 4 SKUs
    assert rows[1][3] == "颜色:红;尺码:S"
