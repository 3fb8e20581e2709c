"""Factories for tests (factory_boy). Money in fen."""

from __future__ import annotations

import factory

from quanzi.accounts.models import Address, User
from quanzi.catalog.models import Product, Sku
from quanzi.stores.models import StaffRole, Store, StoreStaff

PASSWORD = "correct-horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    nickname = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    name = factory.Sequence(lambda n: f"小店{n}")
    shipping_fee = 800
    free_shipping_threshold = 9900


def store_with_owner(owner: User | None = None, **kwargs: object) -> Store:
    store = StoreFactory(**kwargs)
    StoreStaff.objects.create(store=store, user=owner or UserFactory(), role=StaffRole.OWNER)
    return store


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    title = factory.Sequence(lambda n: f"云南小粒咖啡豆 {n}")
    on_shelf = True
    min_price = 5900


class SkuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sku

    product = factory.SubFactory(ProductFactory)
    price = 5900
    stock = 10
    spec_values = factory.Sequence(lambda n: {"规格": f"{n}号"})


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    recipient = "张三"
    phone = "13912345678"
    province = "云南省"
    city = "昆明市"
    district = "五华区"
    detail = "翠湖路 1 号"
    is_default = True
