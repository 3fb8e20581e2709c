"""A store's balance history in the merchant's language (issue 11, point 8): every movement reads
the label its domain registered ("订单付款", "佣金冻结", "发红包", …) and what it was about (the
order's number, the circle's name); never a raw kind, an internal id as text or a provider."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone, translation

from quanzi.accounts.models import User
from quanzi.campaigns.redpackets.services import send_packet
from quanzi.circles.services import membership
from quanzi.ledger import kinds
from quanzi.ledger.models import Transaction
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.paying import refund_order
from quanzi.orders.services.timers import complete_order
from quanzi.referrals.models import Attribution, DistributionConfig, ShareLink
from quanzi.stores.models import Store
from tests.factories import UserFactory, store_with_owner
from tests.payments.helpers import make_order, pay

pytestmark = pytest.mark.django_db

ZH = {"Accept-Language": "zh-hans"}
ROOT = Path(__file__).resolve().parents[2] / "quanzi"


def _history(capture) -> tuple[User, Store, Order, str]:
    """A store with distribution (10 %): an attributed ¥100 order paid through the sandbox, ¥20
    of it refunded, completed and settled; then a ¥3 store red packet in its circle."""
    owner = UserFactory()
    store = store_with_owner(owner)
    DistributionConfig.objects.create(store=store, enabled=True, level1_rate_bp=1000)
    buyer, sharer = UserFactory(), UserFactory()
    order = make_order(buyer, store, total=10000)
    link = ShareLink.objects.create(code="c1", sharer=sharer, kind="store", target_id=store.pk)
    Attribution.objects.create(order=order, link=link, sharer=sharer)
    pay(buyer, [order], capture)
    with capture(execute=True):
        refund_order(order, 2000, reason="少件")
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.RECEIVED, complete_at=timezone.now() - timedelta(seconds=1)
    )
    with capture(execute=True):
        complete_order(order.pk)
    circle = membership.create_circle(
        owner, membership.CircleInput(name="咖啡爱好者", store_id=store.pk)
    )
    send_packet(owner, circle.pk, total=300, count=1, from_store=True)
    order.refresh_from_db()
    return owner, store, order, circle.name


def test_the_balance_page_names_every_movement_in_chinese(
    client: Client, django_capture_on_commit_callbacks
):
    # given a store whose money moved by payment, commission, refund, settlement and red packet
    owner, store, order, circle = _history(django_capture_on_commit_callbacks)
    client.force_login(owner)
    # when the owner opens the balance tab in Chinese
    html = client.get(f"/ledger/console/{store.pk}/", headers=ZH).content.decode()
    labels = re.findall(r'data-testid="balance-entry-label">([^<]*)<', html)
    details = re.findall(r'data-testid="balance-entry-detail">(?:<a [^>]*>)?([^<]*)<', html)
    # then each movement reads its label, newest first
    assert labels == ["发红包", "结算", "结算", "佣金退回", "退款", "佣金冻结", "订单付款"]
    # and what it was about: the circle, the order's number (with the commission's level)
    number, level = f"订单 {order.number}", f"订单 {order.number}（第 1 级）"
    assert details == [circle, number, number, level, number, level, number]
    # and the order is linked by its id, never shown as text, and nothing internal shows
    assert f'href="/orders/console/{store.pk}/{order.pk}/"' in html
    assert f">{order.pk}<" not in html
    assert "commission." not in html and "redpacket." not in html and "sandbox" not in html
    for memo in Transaction.objects.values_list("memo", flat=True):
        assert memo not in html


def test_the_entries_api_keeps_the_kind_and_adds_label_and_detail(
    api, django_capture_on_commit_callbacks
):
    # given the same store
    owner, store, order, circle = _history(django_capture_on_commit_callbacks)
    # when its owner reads the entries through the API in Chinese
    items = api(owner).get(f"ledger/stores/{store.pk}/entries", headers=ZH).json()["items"]
    # then each keeps its code and gains the label and the detail
    got = [(e["kind"], e["label"], e["detail"]) for e in items]
    number = f"订单 {order.number}"
    assert got[0] == ("redpacket.send", "发红包", circle)
    assert ("commission.frozen", "佣金冻结", f"{number}（第 1 级）") in got
    assert got[-1] == ("capture", "订单付款", number)
    # and `memo` is the two in one line
    assert items[-1]["memo"] == f"订单付款 · {number}"


def test_every_kind_the_code_posts_is_registered_with_a_chinese_label():
    # given every transaction kind the domains declare (KIND_… = "…")
    declared = set()
    for path in ROOT.rglob("*.py"):
        declared |= set(re.findall(r'^KIND_\w+ = "([^"]+)"', path.read_text(), re.M))
    assert {"capture", "wallet.topup", "commission.frozen", "redpacket.grab"} <= declared
    # when their labels are read in Chinese
    with translation.override("zh-hans"):
        labels = {kind: kinds.label_of(kind) for kind in declared}
    # then each is registered and translated
    assert declared <= kinds.registered_kinds()
    untranslated = {k: v for k, v in labels.items() if not re.search(r"[\u4e00-\u9fff]", v)}
    assert untranslated == {}


def test_a_kind_nobody_registered_never_shows_its_code():
    # when the label of an unknown kind is read
    with translation.override("en"):
        label = kinds.label_of("test.unknown")
    # then it is a generic label, not the code
    assert label == "Other movement"


def test_a_kind_is_registered_once_by_its_domain():
    # given the kind orders registered for a capture
    known = kinds._types["capture"]
    # when it is registered again the same way, nothing changes
    kinds.register_transaction_kind("capture", known.label, detail=known.detail)
    assert kinds._types["capture"] == known
    # and another domain cannot register it differently
    with pytest.raises(ValueError, match="already registered"):
        kinds.register_transaction_kind("capture", "Paid", detail=known.detail)
    assert kinds._types["capture"] == known
