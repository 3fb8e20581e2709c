from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from quanzi.catalog import services as catalog
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.selectors import business_day, dashboard
from quanzi.stores.models import Store, StoreStaff
from quanzi.stores.services import StoreInput, open_store
from tests.factories import UserFactory
from tests.stores.roles import image_file

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _client(user=None) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def _order(store, status, total, paid_at=None, created_at=None) -> Order:
    order = Order.objects.create(
        buyer=UserFactory(),
        store=store,
        status=status,
        subtotal=total,
        total=total,
        address={"recipient": "张三"},
        pay_deadline=paid_at or datetime.now(SHANGHAI),
        paid_at=paid_at,
    )
    if created_at:
        Order.objects.filter(pk=order.pk).update(created_at=created_at)
    return order


def test_console_home_opens_a_store_then_goes_to_its_dashboard():
    # given a customer with no store
    me = UserFactory()
    client = _client(me)
    # when they visit the console, they are offered the "open a store" form
    r = client.get("/stores/console/")
    assert r.status_code == 200 and 'data-testid="open-store-form"' in r.content.decode()
    # when they open one (fee typed in yuan)
    r = client.post(
        "/stores/open/",
        {
            "name": "山野小铺",
            "shipping_fee": "8",
            "free_shipping_threshold": "99.00",
            "payment_window_minutes": "30",
            "auto_receive_days": "7",
            "after_sales_days": "7",
            "logo": image_file("logo.png"),
        },
    )
    # then they land on its dashboard and the console goes straight there
    store = Store.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/stores/console/{store.pk}/"
    assert (store.shipping_fee, store.free_shipping_threshold) == (800, 9900)
    assert store.logo.name.endswith(".png")
    assert client.get("/stores/console/")["Location"] == f"/stores/console/{store.pk}/"


def test_several_stores_are_listed():
    me = UserFactory()
    open_store(me, StoreInput(name="甲店"))
    open_store(me, StoreInput(name="乙店"))
    content = _client(me).get("/stores/console/").content.decode()
    assert content.count('data-testid="console-store-link"') == 2


def test_open_form_errors_re_render():
    client = _client(UserFactory())
    r = client.post("/stores/open/", {"name": "", "shipping_fee": "abc"})
    assert r.status_code == 400 and 'data-testid="form-error"' in r.content.decode()
    r = client.post("/stores/open/", {"name": "小店", "shipping_fee": "abc"})
    assert r.status_code == 400 and "Enter an amount in yuan" in r.content.decode()
    r = client.post("/stores/open/", {"name": "小店", "logo": image_file("x.png", (4, 4))})
    assert r.status_code == 400
    assert not Store.objects.exists()


def test_dashboard_counts_todays_paid_orders_in_shanghai_time(cast):
    # given it is 00:30 in Shanghai (16:30 UTC the day before)
    now = datetime(2026, 3, 10, 0, 30, tzinfo=SHANGHAI)
    with time_machine.travel(now, tick=False):
        start, end = business_day()
        assert start == datetime(2026, 3, 10, tzinfo=SHANGHAI) and end - start == timedelta(days=1)
        # and orders paid today, yesterday evening, unpaid, cancelled, and another store's
        _order(cast.store, OrderStatus.PAID, 5900, paid_at=now - timedelta(minutes=20))
        _order(cast.store, OrderStatus.COMPLETED, 10000, paid_at=now - timedelta(minutes=5))
        _order(cast.store, OrderStatus.SHIPPED, 700, paid_at=now - timedelta(hours=1))  # yesterday
        _order(cast.store, OrderStatus.PENDING_PAYMENT, 999)
        _order(cast.store, OrderStatus.CANCELLED, 888, paid_at=None)
        other = open_store(UserFactory(), StoreInput(name="别家"))
        _order(other, OrderStatus.PAID, 123, paid_at=now)
        # when the dashboard is computed
        stats = dashboard(cast.store)
    # then only today's paid orders of this store count
    assert (stats.today_orders, stats.today_sales) == (2, 15900)
    assert stats.pending_shipments == 1
    assert len(stats.latest_orders) == 5


def test_dashboard_page_for_owner_and_staff(cast):
    order = _order(cast.store, OrderStatus.PAID, 5900, paid_at=datetime.now(SHANGHAI))
    for user in (cast.owner, cast.staff):
        content = _client(user).get(f"/stores/console/{cast.store.pk}/").content.decode()
        assert 'data-testid="today-orders">1<' in content
        assert "¥59.00" in content
        assert f'href="/orders/console/{cast.store.pk}/{order.pk}/"' in content
    assert _client(cast.customer).get(f"/stores/console/{cast.store.pk}/").status_code == 403
    assert _client().get(f"/stores/console/{cast.store.pk}/").status_code == 302


def test_settings_page_saves_yuan_as_fen(cast):
    client = _client(cast.owner)
    page = client.get(f"/stores/console/{cast.store.pk}/settings/").content.decode()
    assert 'value="8.00"' in page  # 800 fen
    r = client.post(
        f"/stores/console/{cast.store.pk}/settings/",
        {
            "name": "山野小铺",
            "description": "新介绍",
            "shipping_fee": "12.5",
            "free_shipping_threshold": "0",
            "payment_window_minutes": "20",
            "auto_receive_days": "10",
            "after_sales_days": "3",
        },
    )
    assert r.status_code == 302
    cast.store.refresh_from_db()
    assert (
        cast.store.shipping_fee,
        cast.store.free_shipping_threshold,
        cast.store.payment_window_minutes,
    ) == (1250, 0, 20)
    r = client.post(f"/stores/console/{cast.store.pk}/settings/", {"name": "", "shipping_fee": "1"})
    assert r.status_code == 400
    # staff may not change settings
    assert _client(cast.staff).get(f"/stores/console/{cast.store.pk}/settings/").status_code == 403


def test_staff_page(cast):
    client = _client(cast.owner)
    r = client.post(
        f"/stores/console/{cast.store.pk}/staff/", {"identifier": cast.customer.username}
    )
    assert r.status_code == 302
    assert StoreStaff.objects.filter(store=cast.store, user=cast.customer).exists()
    r = client.post(f"/stores/console/{cast.store.pk}/staff/", {"identifier": "nobody"})
    assert r.status_code == 404 and 'data-testid="form-error"' in r.content.decode()
    client.post(f"/stores/console/{cast.store.pk}/staff/{cast.customer.public_id}/remove/")
    assert not StoreStaff.objects.filter(store=cast.store, user=cast.customer).exists()
    r = client.post(f"/stores/console/{cast.store.pk}/staff/{cast.owner.public_id}/remove/")
    assert r.status_code == 302
    assert StoreStaff.objects.filter(store=cast.store, user=cast.owner).exists()
    assert _client(cast.staff).get(f"/stores/console/{cast.store.pk}/staff/").status_code == 403


def test_public_store_page(cast):
    product = catalog.create_product(
        cast.owner,
        cast.store.pk,
        catalog.ProductInput(title="云南小粒咖啡豆", skus=[catalog.SkuInput({}, 5900, 3)]),
    )
    catalog.set_shelf(cast.owner, product.pk, True)
    catalog.create_product(cast.owner, cast.store.pk, catalog.ProductInput(title="草稿商品"))
    cast.store.shipping_policy = "<i>48 小时发货</i>"
    cast.store.save()
    content = _client().get(f"/stores/{cast.store.pk}/").content.decode()
    assert "云南小粒咖啡豆" in content and "草稿商品" not in content
    assert "&lt;i&gt;48 小时发货&lt;/i&gt;" in content
    assert "Shipping ¥8.00 per order, free from ¥99.00" in content
    cast.store.is_active = False
    cast.store.save()
    assert _client().get(f"/stores/{cast.store.pk}/").status_code == 404
    assert _client().get("/stores/nope/").status_code == 404
