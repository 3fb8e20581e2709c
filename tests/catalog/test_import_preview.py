"""Importing a spreadsheet previews its changes first: nothing is written until the merchant
applies the very file they saw; cancelling, replaying or forging the preview changes nothing."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from quanzi.catalog.models import Product, Sku
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    owner = UserFactory()
    store = store_with_owner(owner)
    coffee = ProductFactory(store=store, title="咖啡", on_shelf=True)
    SkuFactory(product=coffee, price=5900, stock=3, code="CF-1", spec_values={})
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(owner)
    return store, client


def _file(text: str) -> io.BytesIO:
    upload = io.BytesIO(text.encode())
    upload.name = "products.csv"
    return upload


CSV = "title,specs,sku_code,price,stock,on_shelf\n咖啡,,CF-1,65,10,yes\n普洱,,PU-1,198,5,yes\n"


def _preview(store, client, text: str = CSV):
    return client.post(f"/products/console/{store.pk}/import/", {"file": _file(text)})


def test_the_preview_shows_each_change_and_writes_nothing(shop):
    store, client = shop
    response = _preview(store, client)
    html = response.content.decode()
    # then the coffee's price and stock changes and the new tea are listed…
    assert response.status_code == 200
    assert 'data-action="update"' in html and 'data-action="new_product"' in html
    assert '<s class="muted">¥59.00</s> → ¥65.00' in html
    assert '<s class="muted">3</s> → 10' in html
    # …and nothing changed yet
    assert Sku.objects.get(code="CF-1").price == 5900
    assert not Product.objects.filter(title="普洱").exists()


def test_applying_writes_exactly_the_previewed_file_once(shop):
    store, client = shop
    token = _preview(store, client).context["token"]
    applied = client.post(
        f"/products/console/{store.pk}/import/", {"token": token, "action": "apply"}
    )
    assert applied.status_code == 302
    assert Sku.objects.get(code="CF-1").price == 6500
    assert Product.objects.filter(title="普洱").count() == 1
    # and a replay of the same preview is refused: it is gone
    again = client.post(
        f"/products/console/{store.pk}/import/", {"token": token, "action": "apply"}
    )
    assert again.status_code == 404
    assert Product.objects.filter(title="普洱").count() == 1


def test_cancelling_changes_nothing_and_forgets_the_file(shop):
    store, client = shop
    token = _preview(store, client).context["token"]
    client.post(f"/products/console/{store.pk}/import/", {"token": token, "action": "cancel"})
    gone = client.post(f"/products/console/{store.pk}/import/", {"token": token, "action": "apply"})
    assert gone.status_code == 404
    assert Sku.objects.get(code="CF-1").price == 5900


@pytest.mark.parametrize("token", ["../../etc/passwd", "x" * 16, "", "AAAAAAAAAAAAAAAA"])
def test_a_forged_token_is_not_found(shop, token):
    store, client = shop
    response = client.post(
        f"/products/console/{store.pk}/import/", {"token": token or "zz", "action": "apply"}
    )
    assert response.status_code in (400, 404)


def test_another_store_cannot_apply_my_preview(shop):
    store, client = shop
    token = _preview(store, client).context["token"]
    other_owner = UserFactory()
    other = store_with_owner(other_owner)
    intruder = Client()
    intruder.force_login(other_owner)
    response = intruder.post(
        f"/products/console/{other.pk}/import/", {"token": token, "action": "apply"}
    )
    assert response.status_code == 404
    assert Sku.objects.get(code="CF-1").price == 5900


def test_the_file_is_checked_again_when_applied(shop):
    # given a preview of a new tea with SKU code PU-1
    store, client = shop
    token = _preview(store, client).context["token"]
    # when, meanwhile, another product took the code PU-1
    SkuFactory(product=ProductFactory(store=store, title="别的茶"), code="PU-1")
    response = client.post(
        f"/products/console/{store.pk}/import/", {"token": token, "action": "apply"}
    )
    # then applying is refused with the reason, and nothing is written
    assert (
        response.status_code == 400 and 'data-testid="import-errors"' in response.content.decode()
    )
    assert Sku.objects.get(code="CF-1").price == 5900
