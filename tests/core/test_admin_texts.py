"""The operators' admin speaks Chinese (issue 11, point 8): every model of the quanzi apps has a
translated name (no "settingss") and every field a translated label (no raw field names), each
registered model's list opens for a superuser, and amounts in fen read as yuan."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import Client
from django.utils import translation

from quanzi.core.admin import yuan
from tests.factories import UserFactory

CJK = re.compile(r"[\u4e00-\u9fff]")


def quanzi_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("quanzi.")]


def _chinese(source: object) -> bool:
    """Whether `source` reads in Chinese under zh-hans: translated to something else, or written
    in Chinese in the first place."""
    text = str(source)
    with translation.override("zh-hans"):
        shown = str(source)
    return bool(CJK.search(shown)) and (shown != text or bool(CJK.search(text)))


def _declared(field: models.Field[object, object]) -> bool:
    """Fields the project declares (not Django's automatic `id`)."""
    return not field.auto_created


def test_every_app_has_a_chinese_name():
    # given the quanzi apps, when their names (the admin's headings) are read in Chinese
    configs = [c for c in apps.get_app_configs() if c.name.startswith("quanzi.")]
    # then each is translated
    assert [c.label for c in configs if not _chinese(c.verbose_name)] == []


def test_every_model_has_a_chinese_name():
    # given every model of the quanzi apps
    missing = []
    for model in quanzi_models():
        # when its names are read in Chinese
        meta = model._meta
        with translation.override("en"):
            names = (meta.verbose_name, meta.verbose_name_plural)
        # then both are translated
        if not all(_chinese(name) for name in names):
            missing.append(f"{meta.label}: {names}")
    assert missing == []


def test_every_field_has_a_chinese_label():
    # given every concrete field the quanzi models declare (and their many-to-many fields)
    missing = []
    for model in quanzi_models():
        fields = [*model._meta.concrete_fields, *model._meta.local_many_to_many]
        for field in filter(_declared, fields):
            # when its label is read in Chinese, then it is translated
            if not _chinese(field.verbose_name):
                missing.append(f"{model._meta.label}.{field.name}: {field.verbose_name!r}")
    assert missing == []


@pytest.mark.django_db
def test_every_registered_list_opens_for_a_superuser():
    # given a superuser and every model registered in the admin
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    registered = [m for m in admin.site._registry if m.__module__.startswith("quanzi.")]
    assert len(registered) > 30
    # when they open each model's list and its "add" form (where one may add)
    failed = {}
    for model in registered:
        meta = model._meta
        page = client.get(f"/admin/{meta.app_label}/{meta.model_name}/")
        # then each answers 200, in Chinese
        if page.status_code != 200 or str(meta.verbose_name_plural) not in page.content.decode():
            failed[meta.label] = page.status_code
    assert failed == {}


def test_fen_reads_as_yuan():
    # given amounts in fen, then the admin shows them in yuan
    assert [yuan(1234), yuan(-5), yuan(0), yuan(None)] == ["¥12.34", "-¥0.05", "¥0.00", "-"]


def fen_fields(model: type[models.Model]) -> set[str]:
    """The model's amounts in fen: integer fields whose English label says so ("total (fen)")."""
    with translation.override("en"):
        return {
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.IntegerField) and "fen" in str(f.verbose_name)
        }


def _yuan_columns(model_admin: Any, names: Any) -> set[str]:
    """The fen fields that `names` show in yuan (`quanzi.core.admin.money` columns)."""
    return {
        getattr(getattr(model_admin, name), "admin_order_field", "")
        for name in names
        if isinstance(name, str) and callable(getattr(model_admin, name, None))
    }


@pytest.mark.django_db
def test_every_amount_in_fen_reads_in_yuan(rf):
    # given a superuser's request and every admin of the quanzi models, with their inlines
    request = rf.get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    raw = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("quanzi."):
            continue
        fen = fen_fields(model)
        # when their columns are read, then no amount is shown in fen
        columns = set(model_admin.get_list_display(request))
        raw += [f"{model._meta.label} list: {name}" for name in fen & columns]
        # and a page that only shows a record shows each amount as yuan, never in fen
        if not model_admin.has_change_permission(request):
            shown = model_admin.get_fields(request)
            raw += [f"{model._meta.label} page: {name}" for name in fen & set(shown)]
            hidden = fen - _yuan_columns(model_admin, shown)
            raw += [f"{model._meta.label} page lacks: {name}" for name in hidden]
        for inline in model_admin.get_inline_instances(request):
            inline_fen = fen_fields(inline.model)
            shown = inline.get_fields(request)
            raw += [f"{inline.model._meta.label} inline: {n}" for n in inline_fen & set(shown)]
    assert raw == []


@pytest.mark.django_db
def test_an_orders_admin_page_reads_in_yuan(client: Client):
    # given a ¥59 order and a platform operator
    from tests.payments.helpers import make_order

    order = make_order(UserFactory(), total=5900)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    # when the operator opens the orders and the order
    listing = client.get("/admin/orders/order/").content.decode()
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    # then the amounts read in yuan, the order by its number
    assert "¥59.00" in listing and order.number in listing
    assert "¥59.00" in page and ">5900<" not in page
