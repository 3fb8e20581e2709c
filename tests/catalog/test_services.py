from __future__ import annotations

import pytest

from quanzi.catalog import services
from quanzi.catalog.models import Product, Sku
from quanzi.catalog.services import ProductInput, SkuInput, Spec
from quanzi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.catalog.conftest import COLOURS_SIZES, matrix_input, simple_input
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _active(product: Product) -> dict[tuple[tuple[str, str], ...], Sku]:
    return {services.spec_key(s.spec_values): s for s in product.skus.filter(is_active=True)}


def test_spec_matrix_makes_one_sku_per_combination(cast):
    # given 颜色 [红, 蓝] × 尺码 [S, M] with a price and stock for each combination
    data = matrix_input(price=5900, stock=3)
    # when the merchant creates the product
    product = services.create_product(cast.owner, cast.store.pk, data)
    # then there are 4 SKUs with their own price (fen) and stock, and the lowest price is kept
    skus = list(product.skus.all())
    assert len(skus) == 4
    assert sorted(s.label for s in skus) == ["红 / M", "红 / S", "蓝 / M", "蓝 / S"]
    assert {s.stock for s in skus} == {3}
    assert product.min_price == 5900
    assert product.on_shelf is False
    assert product.specs == [
        {"name": "颜色", "values": ["红", "蓝"]},
        {"name": "尺码", "values": ["S", "M"]},
    ]


def test_changing_specs_keeps_deactivates_and_creates_skus(cast, product):
    # given a 2 × 2 product and the SKU of 红 / S
    before = _active(product)
    red_s = before[services.spec_key({"颜色": "红", "尺码": "S"})]
    # when 蓝 is replaced by 绿 and the prices of the kept SKUs change
    specs = [Spec("颜色", ("红", "绿")), Spec("尺码", ("S", "M"))]
    skus = [SkuInput(spec_values=c, price=8800, stock=5) for c in services.combinations(specs)]
    services.update_product(
        cast.owner, product.pk, ProductInput(title="纯棉T恤", specs=specs, skus=skus)
    )
    # then 红 SKUs are the same rows (orders refer to them), 蓝 ones are deactivated, 绿 ones new
    after = _active(product)
    assert after[services.spec_key({"颜色": "红", "尺码": "S"})].pk == red_s.pk
    assert len(after) == 4
    blue = Sku.objects.filter(product=product, spec_values__颜色="蓝")
    assert blue.count() == 2 and not blue.filter(is_active=True).exists()
    assert Sku.objects.filter(product=product).count() == 6  # nothing deleted
    product.refresh_from_db()
    assert product.min_price == 8800


def test_a_removed_value_that_comes_back_reactivates_its_old_sku(cast, product):
    # given 蓝 removed from the product
    blue_m = _active(product)[services.spec_key({"颜色": "蓝", "尺码": "M"})]
    red_only = [Spec("颜色", ("红",)), Spec("尺码", ("S", "M"))]
    services.update_product(
        cast.owner,
        product.pk,
        ProductInput(
            title="T",
            specs=red_only,
            skus=[SkuInput(c, 5900, 1) for c in services.combinations(red_only)],
        ),
    )
    # when 蓝 is added back
    services.update_product(cast.owner, product.pk, matrix_input(title="T"))
    # then the old 蓝 / M SKU is active again (no duplicate)
    assert _active(product)[services.spec_key({"颜色": "蓝", "尺码": "M"})].pk == blue_m.pk
    assert Sku.objects.filter(product=product).count() == 4


def test_stock_typed_in_the_editor_is_applied_as_a_change(cast, product):
    # given the editor showed 10 units, then a buyer took 3
    sku = product.skus.first()
    assert services.take_stock(sku.pk, 3)
    # when the merchant saves 15 over the 10 they saw
    items = []
    for s in product.skus.all():
        items.append(
            SkuInput(
                s.spec_values,
                s.price,
                15 if s.pk == sku.pk else s.stock,
                s.code,
                stock_base=s.stock if s.pk != sku.pk else 10,
            )
        )
    services.update_product(
        cast.owner, product.pk, ProductInput(title="T", specs=list(COLOURS_SIZES), skus=items)
    )
    # then the 3 sold units are not given back: 10 + 5 - 3
    sku.refresh_from_db()
    assert sku.stock == 12


def test_shelf_needs_an_active_sku(cast):
    # given a product with no SKU yet
    draft = services.create_product(cast.owner, cast.store.pk, ProductInput(title="草稿"))
    # when it is put on the shelf
    with pytest.raises(Conflict) as refused:
        services.set_shelf(cast.owner, draft.pk, True)
    # then it is refused, and it goes on once it has a SKU with a price
    assert refused.value.code == "no_sku"
    services.update_product(cast.owner, draft.pk, simple_input("草稿"))
    assert services.set_shelf(cast.owner, draft.pk, True).on_shelf is True


def test_an_on_shelf_product_cannot_lose_all_its_skus(cast, product):
    with pytest.raises(Conflict):
        services.update_product(
            cast.owner, product.pk, ProductInput(title="T", specs=list(COLOURS_SIZES))
        )
    assert product.skus.filter(is_active=True).count() == 4


@pytest.mark.parametrize(
    "specs",
    [
        [Spec("颜色", ("红",)), Spec("颜色", ("蓝",))],  # twice
        [
            Spec("a", ("1",)),
            Spec("b", ("1",)),
            Spec("c", ("1",)),
            Spec("d", ("1",)),
        ],  # 4 attributes
        [Spec("颜色", ())],  # no value
        [Spec("颜色:", ("红",))],  # separator in a name
        [Spec("颜色", ("红;蓝",))],  # separator in a value
        [Spec("x" * 21, ("1",))],  # too long
        [
            Spec("a", tuple(str(i) for i in range(15))),
            Spec("b", tuple(str(i) for i in range(15))),
        ],  # 225 SKUs
    ],
)
def test_bad_specs_are_refused_and_nothing_is_written(cast, specs):
    with pytest.raises(InvalidInput):
        services.create_product(
            cast.owner, cast.store.pk, ProductInput(title="坏规格", specs=specs)
        )
    assert not Product.objects.exists()


@pytest.mark.parametrize("price,stock", [(0, 1), (-100, 1), (100, -1), (100, 10**9), (10**12, 1)])
def test_bad_price_or_stock_is_refused(cast, price, stock):
    with pytest.raises(InvalidInput):
        services.create_product(
            cast.owner, cast.store.pk, simple_input("x", price=price, stock=stock)
        )
    assert not Product.objects.exists()


def test_a_sku_outside_the_matrix_is_refused(cast):
    data = ProductInput(
        title="x", specs=[Spec("颜色", ("红",))], skus=[SkuInput({"颜色": "紫"}, 100, 1)]
    )
    with pytest.raises(InvalidInput):
        services.create_product(cast.owner, cast.store.pk, data)


def test_sku_codes_are_unique_in_the_store(cast, product):
    # given a product using the code TS-0
    data = simple_input("另一个商品")
    data.skus[0].code = "TS-0"
    # when another product of the store wants it
    with pytest.raises(Conflict) as refused:
        services.create_product(cast.owner, cast.store.pk, data)
    # then it is refused
    assert refused.value.code == "sku_code_taken"


def test_take_stock_never_goes_negative(cast, product):
    # given a SKU with 10 units
    sku = product.skus.first()
    # when buyers take 4, 4, then 4 again
    results = [services.take_stock(sku.pk, 4) for _ in range(3)]
    # then the third is refused and 2 are left
    assert results == [True, True, False]
    sku.refresh_from_db()
    assert sku.stock == 2
    # and returning stock adds it back
    services.return_stock(sku.pk, 4)
    sku.refresh_from_db()
    assert sku.stock == 6


def test_take_stock_refuses_what_is_not_for_sale(cast, product, hidden_product):
    sku = product.skus.first()
    inactive = Sku.objects.create(
        product=product, spec_values={"颜色": "黑"}, price=100, stock=5, is_active=False
    )
    assert services.take_stock(hidden_product.skus.first().pk, 1) is False  # off the shelf
    assert services.take_stock(inactive.pk, 1) is False
    assert services.take_stock("no-such-sku", 1) is False
    cast.store.is_active = False
    cast.store.save()
    assert services.take_stock(sku.pk, 1) is False  # store closed
    for bad in (0, -1, True):
        with pytest.raises(InvalidInput):
            services.take_stock(sku.pk, bad)


def test_update_sku_price_and_stock(cast, product):
    sku = product.skus.order_by("price").first()
    services.update_sku(cast.staff, sku.pk, price=1990, stock=7)
    sku.refresh_from_db()
    product.refresh_from_db()
    assert (sku.price, sku.stock, product.min_price) == (1990, 7, 1990)
    services.update_sku(cast.staff, sku.pk, stock_delta=-7)
    with pytest.raises(Conflict):
        services.update_sku(cast.staff, sku.pk, stock_delta=-1)
    sku.refresh_from_db()
    assert sku.stock == 0


def test_access_product_answers(cast, product, hidden_product):
    stranger = UserFactory()
    # the store's people may edit
    assert services.access_product(cast.staff, product.pk) == product
    # a customer reads a public product but may not edit it
    assert services.access_product(stranger, product.pk, need="read") == product
    with pytest.raises(PermissionDenied):
        services.access_product(stranger, product.pk)
    # a hidden product does not exist for customers
    for need in ("read", "staff"):
        with pytest.raises(NotFound):
            services.access_product(stranger, hidden_product.pk, need=need)
        with pytest.raises(NotFound):
            services.access_product(None, hidden_product.pk, need=need)


def test_a_never_ordered_product_can_be_deleted(cast, hidden_product):
    services.delete_product(cast.owner, hidden_product.pk)
    assert not Product.objects.filter(pk=hidden_product.pk).exists()


def test_categories_are_created_by_operators(cast):
    with pytest.raises(PermissionDenied):
        services.create_category(cast.owner, "咖啡")
    operator = UserFactory(is_staff=True)
    coffee = services.create_category(operator, "咖啡")
    assert services.create_category(operator, "挂耳", coffee.pk).parent == coffee
    with pytest.raises(Conflict):
        services.create_category(operator, "咖啡")


def test_an_ordered_product_cannot_be_deleted_and_its_skus_stay(cast, product):
    # given an order for one of the product's SKUs
    from django.utils import timezone

    from quanzi.orders.models import Order, OrderItem

    sku = product.skus.first()
    order = Order.objects.create(
        buyer=cast.customer,
        store=cast.store,
        subtotal=sku.price,
        total=sku.price,
        address={},
        pay_deadline=timezone.now(),
    )
    OrderItem.objects.create(
        order=order, sku=sku, product=product, title=product.title, unit_price=sku.price, quantity=1
    )
    # when the merchant deletes the product, or removes every spec value of the SKU
    with pytest.raises(Conflict) as refused:
        services.delete_product(cast.owner, product.pk)
    services.update_product(cast.owner, product.pk, simple_input("纯棉T恤"))
    # then the product is kept, and the ordered SKU is only deactivated
    assert refused.value.code == "has_orders"
    sku.refresh_from_db()
    assert sku.is_active is False
    assert product.skus.filter(is_active=True).count() == 1
