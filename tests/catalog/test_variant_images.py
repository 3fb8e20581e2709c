"""规格图片: a merchant gives a photo to a value of the first spec (颜色 = 蓝); the product page's
picker turns to it when that value is chosen, the checkout sheet and the order show the
variant's photo, and wrong values and wrong people are refused."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from quanzi.accounts.models import User
from quanzi.catalog.models import Product, ProductImage, Sku
from quanzi.catalog.services import add_image, set_image_variant
from quanzi.core.errors import InvalidInput
from quanzi.orders.services.checkout import buy_now
from tests.factories import AddressFactory, UserFactory, store_with_owner
from tests.stores.roles import Cast, image_file

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def _photos(cast: Cast, product: Product, n: int = 2) -> list[ProductImage]:
    return [
        add_image(cast.owner, product.pk, image_file(f"p{i}.jpg", (600, 600), "JPEG"))
        for i in range(n)
    ]


def _client(user: User) -> Client:
    client = Client(headers=EN)
    client.force_login(user)
    return client


def _picker(html: str) -> list[dict[str, object]]:
    found = re.search(r'<script id="sku-data" type="application/json">(.*?)</script>', html, re.S)
    assert found
    return list(json.loads(found.group(1)))


def _variant(product: Product, colour: str) -> Sku:
    return next(s for s in product.skus.all() if s.spec_values["颜色"] == colour)


def test_the_console_gives_a_photo_to_a_colour_and_the_picker_turns_to_it(
    cast: Cast, product: Product
):
    # given a 颜色 × 尺码 product with two photos
    _first, blue = _photos(cast, product)
    owner = _client(cast.owner)
    editor = owner.get(f"/products/console/{cast.store.pk}/{product.pk}/").content.decode()
    assert 'data-testid="image-variant"' in editor and "Shows 颜色" in editor
    # when the owner says the second photo shows 蓝
    response = owner.post(
        f"/products/console/{cast.store.pk}/{product.pk}/images/{blue.pk}/variant/",
        {"spec_value": "蓝"},
    )
    # then it is saved, and the product page's picker gives 蓝's variants that photo (index 1)
    assert response.status_code == 302
    assert ProductImage.objects.get(pk=blue.pk).spec_value == "蓝"
    picker = _picker(Client().get(f"/products/{product.pk}/").content.decode())
    by_colour = {(row["values"]["颜色"], row["image"]) for row in picker}  # type: ignore[index]
    assert by_colour == {("蓝", 1), ("红", 0)}


def test_one_photo_per_value_and_only_values_of_the_first_spec(cast: Cast, product: Product):
    # given a photo showing 蓝
    first, second = _photos(cast, product)
    set_image_variant(cast.owner, product.pk, first.pk, "蓝")
    # when another photo is given 蓝, the first one no longer shows it
    set_image_variant(cast.staff, product.pk, second.pk, "蓝")
    assert ProductImage.objects.get(pk=first.pk).spec_value == ""
    assert ProductImage.objects.get(pk=second.pk).spec_value == "蓝"
    # and a value of another spec, or none at all, is refused with nothing changed
    for wrong in ("S", "绿", "<script>"):
        with pytest.raises(InvalidInput):
            set_image_variant(cast.owner, product.pk, first.pk, wrong)
    assert ProductImage.objects.get(pk=second.pk).spec_value == "蓝"


@pytest.mark.parametrize("who", ["customer", "anonymous", "other_owner"])
def test_only_the_store_sets_a_variant_photo(cast: Cast, product: Product, who: str):
    # given a photo of the product
    (photo,) = _photos(cast, product, 1)
    if who == "anonymous":
        client = Client(headers=EN)
    elif who == "customer":
        client = _client(cast.customer)
    else:
        other = UserFactory()
        store_with_owner(other, name="别家小店")
        client = _client(other)
    # when someone outside the store posts the form
    response = client.post(
        f"/products/console/{cast.store.pk}/{product.pk}/images/{photo.pk}/variant/",
        {"spec_value": "蓝"},
    )
    # then they are refused (or sent to log in), and nothing changes
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]
    assert ProductImage.objects.get(pk=photo.pk).spec_value == ""


def test_the_sheet_and_the_order_show_the_variants_photo(cast: Cast, product: Product):
    # given 蓝 has its own photo
    first, blue = _photos(cast, product)
    set_image_variant(cast.owner, product.pk, blue.pk, "蓝")
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    sku = _variant(product, "蓝")
    # when the buyer opens the sheet on a 蓝 variant and orders it
    html = _client(buyer).get("/orders/buy-now/sheet/", {"sku": sku.pk}).content.decode()
    order = buy_now(buyer, sku.pk, 1, address_id=address.pk, checkout_key="v" * 16)
    # then both show 蓝's photo, and a 红 variant shows the product's first photo
    assert (
        f'src="{blue.thumbnail.url}" alt="" width="88" height="88" data-testid="sheet-image"'
        in html
    )
    assert order.items.get().image_url == blue.thumbnail.url
    red = _variant(product, "红")
    html = _client(buyer).get("/orders/buy-now/sheet/", {"sku": red.pk}).content.decode()
    assert first.thumbnail.url in html
