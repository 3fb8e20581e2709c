"""The thread of an after-sales request, through its services: photo evidence on the request,
messages of the buyer and of the store's staff, a system line for each step (stored as a code,
read in either language), the other side notified, and everything that must be refused."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import override_settings
from django.utils import translation

from quanzi.catalog.errors import CatalogCode
from quanzi.circles.models import Notification, NotificationKind
from quanzi.circles.receivers import on_after_sale_line
from quanzi.core.errors import (
    Conflict,
    CoreCode,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
)
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import (
    AfterSale,
    AfterSaleEvent,
    AfterSaleMessage,
    AfterSalePhoto,
    AfterSaleStatus,
    Order,
    OrderStatus,
)
from quanzi.orders.services import thread
from quanzi.orders.services.aftersales import (
    approve_after_sale,
    reject_after_sale,
    request_after_sale,
    send_return_tracking,
    withdraw_after_sale,
)
from quanzi.orders.services.thread import MessageInput, post_message, thread_of
from quanzi.orders.services.transitions import ship_order
from quanzi.orders.thread_lines import describe, text_label
from tests.orders.conftest import Shop, pay_through_sandbox, place
from tests.orders.thread_helpers import (
    evidence_files,
    lines,
    not_an_image,
    other_store_staff,
    photo,
    requested,
    shipped_order,
)

pytestmark = pytest.mark.django_db
E = AfterSaleEvent


def _in(language: str, line: AfterSaleMessage) -> str:
    with translation.override(language):
        return describe(line)


# --- Photo evidence on the request -----------------------------------------------------------


def test_the_buyer_attaches_photos_to_the_request(shop: Shop):
    # given a shipped order and two photos of the damage
    order = shipped_order(shop)
    before = evidence_files()
    # when the buyer asks for a return and refund with them
    after_sale = request_after_sale(
        shop.buyer,
        order.pk,
        kind="return_refund",
        amount=2000,
        reason="盒子压坏了",
        photos=[photo("1.jpg"), photo("2.jpg", (800, 600))],
    )
    # then the thread opens with the request's line, carrying the reason and both photos
    (first,) = lines(after_sale)
    assert (first.seq, first.role, first.event, first.author) == (
        0,
        "system",
        E.REQUESTED,
        shop.buyer,
    )
    assert first.params == {"kind": "return_refund", "amount": 2000}
    assert first.text == "盒子压坏了"
    photos = list(first.photos.all())
    assert [(p.position, p.width, p.height) for p in photos] == [(0, 64, 48), (1, 800, 600)]
    # and each is stored with its thumbnail under a random, unguessable name
    stored = evidence_files() - before
    assert len(stored) == 4
    for p in photos:
        assert p.image.name.startswith("aftersales/") and "1.jpg" not in p.image.name
        assert len(p.image.name.rsplit("/", 1)[1].split(".")[0]) == 16
        assert p.thumbnail.name.startswith("aftersales/thumbs/")


@pytest.mark.parametrize(
    ("uploads", "error", "code"),
    [
        (lambda: [photo(f"{i}.jpg") for i in range(7)], InvalidInput, CatalogCode.TOO_MANY_IMAGES),
        (lambda: [photo(), not_an_image()], InvalidInput, CoreCode.NOT_AN_IMAGE),
        (lambda: [photo("big.jpg", (400, 400))], PayloadTooLarge, CoreCode.IMAGE_TOO_LARGE),
    ],
    ids=["seven photos", "not an image", "too large"],
)
@override_settings(QUANZI_IMAGE_MAX_BYTES=2000)
def test_a_request_with_bad_photos_is_refused_whole(shop: Shop, uploads, error, code):
    # given a shipped order (its photos at most 2,000 bytes each here)
    order = shipped_order(shop)
    before = evidence_files()
    # when the buyer asks with too many photos, a file that is no image, or a too large one
    with pytest.raises(error) as refused:
        request_after_sale(
            shop.buyer, order.pk, kind="refund_only", amount=100, reason="坏了", photos=uploads()
        )
    # then it is refused with its code, and nothing is written: no request, no file, no move
    assert refused.value.code == code
    assert not AfterSale.objects.exists() and not AfterSaleMessage.objects.exists()
    assert evidence_files() == before
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED


# --- Messages of each side -------------------------------------------------------------------


def test_the_buyer_and_the_store_staff_write_in_turn(shop: Shop):
    # given an open request
    order, after_sale = requested(shop)
    # when the buyer adds a photo, the staff answer, the owner adds a word
    mine = post_message(
        shop.buyer, order.pk, after_sale.pk, MessageInput("再补一张", [photo()]), need="buyer"
    )
    theirs = post_message(shop.staff, order.pk, after_sale.pk, MessageInput("请寄回"), need="store")
    owner = post_message(
        shop.owner, order.pk, after_sale.pk, MessageInput("  地址见订单 \r\n谢谢 ")
    )
    # then the thread holds them in order, each with its side, text and photos
    thread_lines = lines(after_sale)
    assert [(line.seq, line.role, line.author) for line in thread_lines] == [
        (0, "system", shop.buyer),
        (1, "buyer", shop.buyer),
        (2, "merchant", shop.staff),
        (3, "merchant", shop.owner),
    ]
    assert [mine.photos.count(), theirs.photos.count()] == [1, 0]
    assert owner.text == "地址见订单 \n谢谢"
    # and both sides read the same thread
    assert [line.pk for line in thread_of(shop.buyer, order.pk, after_sale.pk).lines] == [
        line.pk for line in thread_lines
    ]
    assert thread_of(shop.staff, order.pk, after_sale.pk).side == "merchant"


def test_a_photo_only_message_is_fine_but_an_empty_one_is_not(shop: Shop):
    order, after_sale = requested(shop)
    # when the buyer sends only a photo, then it is posted
    post_message(shop.buyer, order.pk, after_sale.pk, MessageInput("", [photo()]))
    # when they send nothing (or only spaces), then it is refused
    with pytest.raises(InvalidInput) as refused:
        post_message(shop.buyer, order.pk, after_sale.pk, MessageInput("  \n "))
    assert refused.value.code == CoreCode.REQUIRED
    assert len(lines(after_sale)) == 2


@pytest.mark.parametrize(
    ("text", "code"),
    [("字" * 501, CoreCode.TEXT_TOO_LONG), ("a\x00b", CoreCode.NUL_CHARACTER)],
    ids=["501 characters", "NUL"],
)
def test_bad_text_is_refused(shop: Shop, text, code):
    order, after_sale = requested(shop)
    with pytest.raises(InvalidInput) as refused:
        post_message(shop.buyer, order.pk, after_sale.pk, MessageInput(text))
    assert refused.value.code == code
    assert len(lines(after_sale)) == 1


@override_settings(QUANZI_IMAGE_MAX_BYTES=2000)
def test_bad_photos_in_a_message_are_refused_and_leave_no_file(shop: Shop):
    order, after_sale = requested(shop)
    before = evidence_files()
    for uploads, code in [
        ([photo(f"{i}.jpg") for i in range(7)], CatalogCode.TOO_MANY_IMAGES),
        ([not_an_image()], CoreCode.NOT_AN_IMAGE),
        ([photo(), photo("big.jpg", (400, 400))], CoreCode.IMAGE_TOO_LARGE),
    ]:
        with pytest.raises((InvalidInput, PayloadTooLarge)) as refused:
            post_message(shop.buyer, order.pk, after_sale.pk, MessageInput("看图", uploads))
        assert refused.value.code == code
    assert len(lines(after_sale)) == 1
    assert evidence_files() == before


def test_a_thread_has_room_for_so_many_messages_and_photos(shop: Shop, monkeypatch):
    # given a thread that holds 2 messages and 7 photos (the request's 6 and 1 more)
    monkeypatch.setattr(thread, "MAX_MESSAGES", 2)
    monkeypatch.setattr(thread, "MAX_PHOTOS_IN_THREAD", 7)
    order, after_sale = requested(shop, photos=[photo(f"{i}.jpg") for i in range(6)])
    # when a message brings the 7th photo, then it is posted
    post_message(shop.buyer, order.pk, after_sale.pk, MessageInput("", [photo()]))
    # when another brings an 8th, then the thread is full of photos
    with pytest.raises(Conflict) as full:
        post_message(shop.staff, order.pk, after_sale.pk, MessageInput("", [photo()]))
    assert full.value.code == OrderCode.THREAD_FULL
    # and after a second message, a third is refused
    post_message(shop.staff, order.pk, after_sale.pk, MessageInput("好的"))
    with pytest.raises(Conflict) as full:
        post_message(shop.buyer, order.pk, after_sale.pk, MessageInput("还在吗"))
    assert full.value.code == OrderCode.THREAD_FULL


# --- Who may write ---------------------------------------------------------------------------


def test_nobody_else_reads_or_writes_the_thread(shop: Shop):
    # given an open request
    order, after_sale = requested(shop)
    rival = other_store_staff()
    # when another buyer, another store's staff, or the buyer posing as the store try
    for person, need in [(shop.other, "any"), (rival, "any"), (shop.buyer, "store")]:
        with pytest.raises(NotFound):
            post_message(person, order.pk, after_sale.pk, MessageInput("hi"), need=need)
        with pytest.raises(NotFound):
            thread_of(person, order.pk, after_sale.pk, need=need)
    # and the staff posing as the buyer, and someone signed out
    with pytest.raises(NotFound):
        post_message(shop.staff, order.pk, after_sale.pk, MessageInput("hi"), need="buyer")
    with pytest.raises(NotAuthenticated):
        post_message(None, order.pk, after_sale.pk, MessageInput("hi"))  # type: ignore[arg-type]
    # then the thread is as it was; and an unknown request is not found either
    assert len(lines(after_sale)) == 1
    with pytest.raises(NotFound) as unknown:
        post_message(shop.buyer, order.pk, "AAAAAAAAAAAAAAAA", MessageInput("hi"))
    assert unknown.value.code == OrderCode.AFTER_SALE_NOT_FOUND


@pytest.mark.parametrize("outcome", ["rejected", "withdrawn"])
def test_a_closed_request_takes_no_more_messages(shop: Shop, outcome):
    # given a request that was rejected or withdrawn
    order, after_sale = requested(shop)
    if outcome == "rejected":
        reject_after_sale(shop.staff, order.pk, after_sale.pk, "已过售后期")
    else:
        withdraw_after_sale(shop.buyer, order.pk, after_sale.pk)
    # when either side writes, then it is a conflict that says the request is closed
    for person in (shop.buyer, shop.owner):
        with pytest.raises(Conflict) as closed, translation.override("en"):
            post_message(person, order.pk, after_sale.pk, MessageInput("可是……"))
        assert closed.value.code == OrderCode.AFTER_SALE_CLOSED
        assert "closed" in str(closed.value.message)
    # and the return tracking number cannot be sent any more
    with pytest.raises(Conflict) as late:
        send_return_tracking(shop.buyer, order.pk, after_sale.pk, "SF2")
    assert late.value.code == OrderCode.AFTER_SALE_CLOSED


# --- System lines of the steps, in the reader's language -------------------------------------


def test_each_step_is_a_system_line_read_in_either_language(
    shop: Shop, django_capture_on_commit_callbacks
):
    # given an order paid through the sandbox, shipped, and a return requested with a number
    order = pay_through_sandbox(place(shop), django_capture_on_commit_callbacks)
    order = ship_order(shop.staff, order.pk, "圆通", "YT1234567890123")
    after_sale = request_after_sale(
        shop.buyer,
        order.pk,
        kind="return_refund",
        amount=1500,
        reason="少了一包",
        return_tracking_number="YT100",
    )
    # when the buyer corrects the number and the merchant approves (the sandbox refunds)
    send_return_tracking(shop.buyer, order.pk, after_sale.pk, "YT-101")
    with django_capture_on_commit_callbacks(execute=True):
        approve_after_sale(shop.owner, order.pk, after_sale.pk)
    # then every step is a line, stored as a code and its parameters, never as words
    found = lines(after_sale)
    assert [(line.event, line.params) for line in found] == [
        (E.REQUESTED, {"kind": "return_refund", "amount": 1500}),
        (E.RETURN_TRACKING, {"number": "YT100"}),
        (E.RETURN_TRACKING, {"number": "YT-101"}),
        (E.APPROVED, {"amount": 1500}),
        (E.REFUNDED, {"amount": 1500}),
    ]
    assert [line.author for line in found] == [shop.buyer] * 3 + [shop.owner, None]
    # and each reads in English and in Chinese
    assert [_in("en", line) for line in found] == [
        "The buyer asked to return the goods for a refund of ¥15.00.",
        "The buyer sent the goods back: tracking number YT100.",
        "The buyer sent the goods back: tracking number YT-101.",
        "The merchant approved the request: ¥15.00 is being refunded.",
        "The refund of ¥15.00 is complete.",
    ]
    assert [_in("zh-hans", line) for line in found] == [
        "买家申请退货退款 ¥15.00。",
        "买家已寄回商品，退货运单号 YT100。",
        "买家已寄回商品，退货运单号 YT-101。",
        "商家已同意申请，正在退款 ¥15.00。",
        "退款 ¥15.00 已完成。",
    ]


def test_a_rejection_carries_the_merchants_answer(shop: Shop):
    # given a refund-only request
    order, after_sale = requested(shop, kind="refund_only")
    # when the merchant rejects it with a reason
    reject_after_sale(shop.staff, order.pk, after_sale.pk, "商品完好，不支持仅退款")
    # then the request keeps its answer, and the thread shows it on the rejection's line
    after_sale.refresh_from_db()
    assert after_sale.merchant_reply == "商品完好，不支持仅退款"
    first, last = lines(after_sale)
    assert (last.event, last.author, last.text) == (
        E.REJECTED,
        shop.staff,
        "商品完好，不支持仅退款",
    )
    assert (_in("en", first), _in("zh-hans", first)) == (
        "The buyer asked for a refund of ¥20.00.",
        "买家申请仅退款 ¥20.00。",
    )
    assert (_in("en", last), _in("zh-hans", last)) == (
        "The merchant rejected the request.",
        "商家拒绝了申请。",
    )
    with translation.override("zh-hans"):
        assert (text_label(first), text_label(last)) == ("原因", "商家回复")


def test_a_withdrawal_and_a_failed_refund_are_lines_too(shop: Shop):
    # given a request the provider cannot refund (no captured payment behind the order)
    order, after_sale = requested(shop, kind="refund_only")
    # when the merchant approves, the refund fails; then the buyer withdraws
    with pytest.raises(Conflict):
        approve_after_sale(shop.owner, order.pk, after_sale.pk)
    withdraw_after_sale(shop.buyer, order.pk, after_sale.pk)
    # then the thread says so, in both languages
    events = [line.event for line in lines(after_sale)]
    assert events == [E.REQUESTED, E.APPROVED, E.REFUND_FAILED, E.WITHDRAWN]
    failed, withdrawn = lines(after_sale)[2:]
    assert _in("en", failed) == (
        "The refund could not be made; the request waits for the merchant again."
    )
    assert _in("zh-hans", failed) == "退款未能完成，申请重新等待商家处理。"
    assert (_in("en", withdrawn), _in("zh-hans", withdrawn)) == (
        "The buyer withdrew the request.",
        "买家撤回了申请。",
    )


def test_a_return_tracking_number_is_checked(shop: Shop):
    order, after_sale = requested(shop)
    with pytest.raises(InvalidInput) as bad:
        send_return_tracking(shop.buyer, order.pk, after_sale.pk, "SF 1<b>")
    assert bad.value.code == OrderCode.INVALID_TRACKING_NUMBER
    with pytest.raises(NotFound):
        send_return_tracking(shop.staff, order.pk, after_sale.pk, "SF1")
    refund_only_order, refund_only = requested(shop, kind="refund_only")
    with pytest.raises(Conflict) as not_a_return:
        send_return_tracking(shop.buyer, refund_only_order.pk, refund_only.pk, "SF1")
    assert not_a_return.value.code == OrderCode.NOT_A_RETURN
    assert AfterSale.objects.get(pk=after_sale.pk).return_tracking_number == ""


# --- The other side hears of it --------------------------------------------------------------


def _notices(user) -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(user=user, kind=NotificationKind.AFTER_SALES)
        .order_by("created_at")
        .values_list("text", "url")
    )


def test_a_message_is_told_to_the_other_side(shop: Shop, django_capture_on_commit_callbacks):
    # given an open request (the store's people heard of it)
    with django_capture_on_commit_callbacks(execute=True):
        order, after_sale = requested(shop)
    console = f"/orders/console/{shop.store.pk}/{order.pk}/"
    (asked,) = lines(after_sale)
    expected = (
        f"售后 · 订单 {order.number}：买家申请退货退款 ¥20.00。",
        f"{console}#as-{asked.pk}",
    )
    assert _notices(shop.owner) == _notices(shop.staff) == [expected]
    assert _notices(shop.buyer) == []
    # when the buyer writes, then the owner and the staff are told, linking to the console
    with django_capture_on_commit_callbacks(execute=True):
        line = post_message(shop.buyer, order.pk, after_sale.pk, MessageInput("什么时候处理？"))
    told = (
        f"售后 · 订单 {order.number}：{shop.buyer.display_name}：什么时候处理？",
        f"{console}#as-{line.pk}",
    )
    assert _notices(shop.owner)[-1] == _notices(shop.staff)[-1] == told
    assert _notices(shop.buyer) == []
    # when the staff answer with photos only, then the buyer is told (not the staff themselves)
    with django_capture_on_commit_callbacks(execute=True):
        answer = post_message(
            shop.staff, order.pk, after_sale.pk, MessageInput("", [photo(), photo()])
        )
    assert _notices(shop.buyer) == [
        (
            f"售后 · 订单 {order.number}：山野小铺：发送了 2 张图片",
            f"/orders/{order.pk}/#as-{answer.pk}",
        )
    ]
    assert len(_notices(shop.staff)) == len(_notices(shop.owner)) == 2  # not told of their own side
    # and a line told twice (a redelivered event) is written once
    on_after_sale_line(None, line_id=answer.pk)
    assert len(_notices(shop.buyer)) == 1


def test_the_decision_is_told_to_the_buyer(shop: Shop, django_capture_on_commit_callbacks):
    order, after_sale = requested(shop)
    with django_capture_on_commit_callbacks(execute=True):
        reject_after_sale(shop.owner, order.pk, after_sale.pk, "请先寄回")
    assert _notices(shop.buyer) == [
        (
            f"售后 · 订单 {order.number}：商家拒绝了申请。",
            f"/orders/{order.pk}/#as-{lines(after_sale)[-1].pk}",
        )
    ]
    # (the staff who did not decide are not told of the decision)
    assert _notices(shop.staff) == []


def test_a_message_that_rolls_back_tells_nobody(shop: Shop, django_capture_on_commit_callbacks):
    order, after_sale = requested(shop)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidInput):
        post_message(shop.buyer, order.pk, after_sale.pk, MessageInput("x", [not_an_image()]))
    assert not Notification.objects.exists()


# --- Requests made before threads ------------------------------------------------------------


def test_the_migration_writes_the_lines_of_older_requests(shop: Shop):
    # given requests made before threads existed: one rejected, one withdrawn
    import importlib

    migration = importlib.import_module("quanzi.orders.migrations.0006_after_sale_thread")
    order, rejected = requested(shop, kind="refund_only")
    reject_after_sale(shop.staff, order.pk, rejected.pk, "不支持")
    _order2, withdrawn = requested(shop)
    AfterSale.objects.filter(pk=withdrawn.pk).update(
        status=AfterSaleStatus.WITHDRAWN, return_tracking_number="ZT9"
    )
    AfterSaleMessage.objects.all().delete()
    # when the migration runs
    migration.open_threads(apps, None)
    # then each request has the lines of what happened to it, from its own fields
    assert [(m.event, m.params, m.text) for m in lines(rejected)] == [
        (E.REQUESTED, {"kind": "refund_only", "amount": 2000}, "盒子压坏了"),
        (E.REJECTED, {}, "不支持"),
    ]
    assert [m.event for m in lines(withdrawn)] == [E.REQUESTED, E.RETURN_TRACKING, E.WITHDRAWN]
    assert lines(rejected)[0].created_at == rejected.created_at
    assert not AfterSalePhoto.objects.exists()
