"""Shipping from a spreadsheet: the store downloads the sheet of its orders to ship, fills in the
tracking numbers, uploads it, sees what each row will do (nothing shipped), then applies it:
the good rows ship, each on its own, and the others say why. A file that is too large, not an
.xlsx, without the columns or with too many rows is a clear 4xx, never a 500."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from quanzi.orders import ship_sheet
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.checkout import place_campaign_order, place_orders
from quanzi.orders.services.transitions import ship_order
from tests.factories import ProductFactory, SkuFactory, store_with_owner
from tests.orders.conftest import Shop, pay, place

pytestmark = pytest.mark.django_db
S = OrderStatus
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
HEADER = ["订单号", "快递公司", "快递单号"]


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER if header is None else header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("发货.xlsx", buffer.getvalue())


def status_of(order: Order) -> str:
    return Order.objects.get(pk=order.pk).status


def test_the_sheet_to_fill_lists_the_orders_waiting_to_ship(client: Client, shop: Shop):
    # given a store that last shipped by ZTO, two orders to ship, an unpaid and a held one
    ship_order(shop.owner, pay(place(shop)).pk, "ZTO", "731234567890")
    first, second = pay(place(shop)), pay(place(shop, 2, sku=shop.sku2))
    place(shop)
    held = place_campaign_order(
        shop.buyer, shop.sku.pk, 1, 3900, campaign="group", campaign_ref="g1", ship_hold=True
    )
    pay(held)
    client.force_login(shop.staff)
    # when the staff download the sheet, in Chinese
    r = client.get(f"/orders/console/{shop.store.pk}/ship-sheet/", **ZH)
    # then it is an .xlsx with the columns, one row per order to ship, longest waiting first
    assert r.status_code == 200
    assert r["Content-Type"] == ship_sheet.XLSX_TYPE
    assert "attachment" in r["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.content))
    sheet = book.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["订单号", "快递公司", "快递单号", "收件人", "商品"]
    assert [row[0] for row in rows[1:]] == [first.number, second.number]
    # the order numbers are text (16 digits are more than a spreadsheet number keeps)
    assert sheet["A2"].data_type == "s" and sheet["A2"].number_format == "@"
    # the courier is the store's last, the tracking numbers are left to fill in
    assert rows[1][1:4] == ["中通快递", None, "张三"]
    assert rows[2][4].endswith("× 2")
    # and a second sheet lists the couriers with the shape of their numbers
    couriers = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
    assert ["SF", "顺丰速运", "SF 加 12 至 15 位数字，或 12 位数字", "SF1234567890123"] in couriers


def test_a_sheet_is_previewed_then_applied_row_by_row(client: Client, shop: Shop):
    # given orders in every situation a row can meet
    good, by_code, bad_number = pay(place(shop)), pay(place(shop)), pay(place(shop))
    skipped, unpaid = pay(place(shop)), place(shop)
    held = pay(
        place_campaign_order(
            shop.buyer, shop.sku.pk, 1, 3900, campaign="group", campaign_ref="g1", ship_hold=True
        )
    )
    shipped = ship_order(shop.owner, pay(place(shop)).pk, "SF", "SF1234567890999")
    second = store_with_owner(shop.owner, name="二店")
    elsewhere = pay(
        place_orders(
            shop.buyer, [(SkuFactory(product=ProductFactory(store=second)).pk, 1)], shop.address.pk
        )[0]
    )
    rows = [
        [good.number, "顺丰速运", "sf1234567890123"],
        [by_code.number, "YTO", "YT1234567890123"],
        [bad_number.number, "中通快递", "ZT1"],
        [skipped.number, "中通快递", None],
        ["2026120299999999", "顺丰", "SF1234567890124"],
        [elsewhere.number, "顺丰", "SF1234567890125"],
        [unpaid.number, "顺丰", "SF1234567890126"],
        [held.number, "顺丰", "SF1234567890127"],
        [shipped.number, "顺丰", "SF1234567890128"],
        [None, None, None],  # a blank row in between is nothing
        [good.number, "顺丰", "SF1234567890129"],
    ]
    client.force_login(shop.owner)
    url = f"/orders/console/{shop.store.pk}/ship-sheet/import/"
    # when the owner uploads the sheet
    r = client.post(url, {"file": xlsx(rows)}, **EN)
    # then the preview says what each row will do, and nothing is shipped yet
    assert r.status_code == 200
    preview = r.context["outcome"]
    assert [(o.row.row, o.status) for o in preview.rows] == [
        (2, "ready"),
        (3, "ready"),
        (4, "error"),
        (5, "skipped"),
        (6, "error"),
        (7, "error"),
        (8, "error"),
        (9, "error"),
        (10, "error"),
        (12, "error"),
    ]
    codes = [o.error.code for o in preview.rows if o.error is not None]
    assert codes == [
        "invalid_tracking_number",
        "order_not_found",
        "other_store",
        "invalid_transition",
        "ship_hold",
        "invalid_transition",
        "duplicate_order",
    ]
    html = r.content.decode()
    assert 'data-testid="ship-sheet-apply"' in html and "Ship 2 orders" in html
    assert "ZTO Express tracking numbers are 12 to 15 digits" in html
    assert "No order with this number." in html and "二店" in html
    assert [status_of(o) for o in (good, by_code, bad_number)] == [S.PAID] * 3
    # when they apply it
    token = r.context["token"]
    r = client.post(url, {"token": token, "action": "apply"}, **EN)
    # then the good rows ship, and the page counts what shipped and what did not
    assert r.status_code == 200
    applied = r.context["outcome"]
    assert (applied.count("shipped"), applied.count("error"), applied.count("skipped")) == (2, 7, 1)
    assert Order.objects.get(pk=good.pk).carrier == "SF"
    assert Order.objects.get(pk=good.pk).tracking_number == "SF1234567890123"
    assert Order.objects.get(pk=by_code.pk).carrier == "YTO"
    assert [status_of(o) for o in (bad_number, skipped, unpaid, held, elsewhere)] == [
        S.PAID,
        S.PAID,
        S.PENDING_PAYMENT,
        S.PAID,
        S.PAID,
    ]
    assert Order.objects.get(pk=shipped.pk).tracking_number == "SF1234567890999"
    assert 'data-testid="sheet-shipped"' in r.content.decode()
    # and the sheet cannot be applied twice
    again = client.post(url, {"token": token, "action": "apply"}, **EN)
    assert again.status_code == 404 and "no longer waiting" in again.content.decode()


def test_a_cancelled_sheet_ships_nothing(client: Client, shop: Shop):
    order = pay(place(shop))
    client.force_login(shop.staff)
    url = f"/orders/console/{shop.store.pk}/ship-sheet/import/"
    r = client.post(url, {"file": xlsx([[order.number, "SF", "SF1234567890123"]])})
    token = r.context["token"]
    r = client.post(url, {"token": token, "action": "cancel"})
    assert r.status_code == 302 and r["Location"].endswith("?status=paid")
    assert status_of(order) == S.PAID
    assert client.post(url, {"token": token, "action": "apply"}).status_code == 404
    assert status_of(order) == S.PAID


def _zip_bomb() -> bytes:
    """A small .xlsx-looking zip whose part unpacks to more than the limit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/worksheets/sheet1.xml", b" " * (ship_sheet.MAX_UNPACKED_BYTES + 1))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("upload", "status", "words"),
    [
        (lambda: SimpleUploadedFile("a.csv", "订单号,快递公司,快递单号\n".encode()), 400, ".xlsx"),
        (lambda: SimpleUploadedFile("a.xlsx", b"PK\x03\x04 not a zip at all"), 400, ".xlsx"),
        (lambda: SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100), 400, ".xlsx"),
        (lambda: SimpleUploadedFile("a.xlsx", _zip_bomb()), 413, "too large"),
        (
            lambda: SimpleUploadedFile(
                "a.xlsx", b"PK\x03\x04" * (ship_sheet.MAX_FILE_BYTES // 4 + 1)
            ),
            413,
            "too large",
        ),
        (lambda: xlsx([["1", "SF", "SF1"]], header=["order no", "x", "y"]), 400, "missing"),
        (lambda: xlsx([]), 400, "No row has a tracking number"),
        (
            lambda: xlsx(
                [[f"2026120200{n:06d}", "SF", "SF1"] for n in range(ship_sheet.MAX_ROWS + 1)]
            ),
            400,
            "at most 500",
        ),
    ],
    ids=["csv", "broken-zip", "xls", "zip-bomb", "huge", "no-columns", "nothing-to-ship", "rows"],
)
def test_a_bad_file_is_a_clear_4xx(
    client: Client, shop: Shop, upload: Any, status: int, words: str
):
    client.force_login(shop.staff)
    url = f"/orders/console/{shop.store.pk}/ship-sheet/import/"
    r = client.post(url, {"file": upload()}, **EN)
    assert r.status_code == status
    assert 'data-testid="ship-sheet-error"' in r.content.decode()
    assert words in r.content.decode()


def test_no_file_and_a_stale_token_are_4xx(client: Client, shop: Shop):
    client.force_login(shop.staff)
    url = f"/orders/console/{shop.store.pk}/ship-sheet/import/"
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"token": "abc", "action": "apply"}).status_code == 404
    assert client.post(url, {"token": "A" * 16, "action": "apply"}).status_code == 404
