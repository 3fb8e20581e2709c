"""Flash sales (秒杀) API, mounted at /api/v1/flashsales; money is integer fen.

Anyone sees the upcoming and running slots of a store or a product; a logged-in customer buys
(POST …/buy, `Idempotency-Key` honoured: the unpaid order, or 409 `not_started`, `ended`,
`over_limit`, `sold_out`); the store's owner and staff create, edit (before the start), switch
off and delete (without orders) slots.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Status

from quanzi.accounts.auth import AUTH, current_user, optional_user
from quanzi.campaigns.flashsales import services
from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.core.idempotency import idempotent
from quanzi.core.schemas import Schema
from quanzi.orders.services.checkout import CampaignCheckout
from quanzi.referrals.services.links import attribute_orders

router = Router()


class SlotIn(Schema):
    sku_id: str = Field(max_length=32)
    title: str = Field(default="", max_length=100)
    flash_price: int = Field(description="fen, below the SKU's price")
    stock: int = Field(description="campaign units, separate from the SKU's stock")
    per_user_limit: int = Field(default=1, description="units one person can buy")
    starts_at: datetime
    ends_at: datetime


class SlotPatch(Schema):
    title: str | None = Field(default=None, max_length=100)
    flash_price: int | None = None
    stock: int | None = None
    per_user_limit: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class SlotOut(Schema):
    id: str
    title: str
    store_id: str
    product_id: str
    product_title: str
    sku_id: str
    sku_label: str
    price: int = Field(description="the SKU's normal price, fen")
    flash_price: int
    total_stock: int
    stock: int = Field(description="campaign units left")
    per_user_limit: int
    starts_at: datetime
    ends_at: datetime
    is_active: bool
    phase: str = Field(description="upcoming, running or ended")


class FlashSaleBuyIn(Schema):
    quantity: int = 1
    address_id: str | None = Field(default=None, max_length=32)


class FlashSaleBuyOut(Schema):
    order_id: str
    slot_id: str
    quantity: int
    total: int
    pay_deadline: datetime


def _out(sale: FlashSale, now: datetime) -> SlotOut:
    product = sale.sku.product
    return SlotOut(
        id=sale.pk,
        title=sale.title or product.title,
        store_id=sale.store_id,
        product_id=product.pk,
        product_title=product.title,
        sku_id=sale.sku_id,
        sku_label=sale.sku.label,
        price=sale.sku.price,
        flash_price=sale.flash_price,
        total_stock=sale.total_stock,
        stock=sale.stock,
        per_user_limit=sale.per_user_limit,
        starts_at=sale.starts_at,
        ends_at=sale.ends_at,
        is_active=sale.is_active,
        phase=sale.phase(now),
    )


def _outs(sales: list[FlashSale]) -> list[SlotOut]:
    now = timezone.now()
    return [_out(sale, now) for sale in sales]


@router.get("/stores/{store_id}/slots", auth=None, response=list[SlotOut])
def store_slots(request: HttpRequest, store_id: str) -> list[SlotOut]:
    """The store's upcoming and running flash sales, soonest first."""
    return _outs(services.slots_for_store(store_id))


@router.get("/products/{product_id}/slots", auth=None, response=list[SlotOut])
def product_slots(request: HttpRequest, product_id: str) -> list[SlotOut]:
    """The product's upcoming and running flash sales, soonest first."""
    return _outs(services.slots_for_product(product_id))


@router.get("/slots/{slot_id}", auth=None, response=SlotOut)
def slot(request: HttpRequest, slot_id: str) -> SlotOut:
    return _out(services.access_flash_sale(optional_user(request), slot_id), timezone.now())


@router.post("/slots/{slot_id}/buy", auth=AUTH, response={201: FlashSaleBuyOut})
@idempotent("flashsales.buy")
def buy(request: HttpRequest, slot_id: str, body: FlashSaleBuyIn) -> Status[Any]:
    """Buy at the flash price: the unpaid order (pay it like any order). Idempotency-Key
    honoured."""
    user = current_user(request)
    order = services.buy_flash_sale(
        user, slot_id, body.quantity, checkout=CampaignCheckout(address_id=body.address_id)
    )
    attribute_orders(request, [order])  # referrals (issue 4): last-touch attribution
    out = FlashSaleBuyOut(
        order_id=order.pk,
        slot_id=slot_id,
        quantity=body.quantity,
        total=order.total,
        pay_deadline=order.pay_deadline,
    )
    return Status(201, out.model_dump(mode="json"))


@router.get("/stores/{store_id}/console", auth=AUTH, response=list[SlotOut])
def console(request: HttpRequest, store_id: str) -> list[SlotOut]:
    """Every slot of the store, switched off and ended ones too (owner and staff)."""
    return _outs(services.console_slots(current_user(request), store_id))


@router.post("/stores/{store_id}/slots", auth=AUTH, response={201: SlotOut})
@idempotent("flashsales.create")
def create(request: HttpRequest, store_id: str, body: SlotIn) -> Status[Any]:
    """A new slot (owner and staff). Idempotency-Key honoured."""
    data = services.FlashSaleFields(**body.model_dump())
    sale = services.create_flash_sale(current_user(request), store_id, data)
    return Status(201, _out(sale, timezone.now()).model_dump(mode="json"))


@router.patch("/slots/{slot_id}", auth=AUTH, response=SlotOut)
def update(request: HttpRequest, slot_id: str, body: SlotPatch) -> SlotOut:
    """Edit a slot before it starts (409 `started` afterwards)."""
    change = services.FlashSaleFields(**body.model_dump(exclude_none=True))
    sale = services.update_flash_sale(current_user(request), slot_id, change)
    return _out(sale, timezone.now())


@router.post("/slots/{slot_id}/deactivate", auth=AUTH, response=SlotOut)
def deactivate(request: HttpRequest, slot_id: str) -> SlotOut:
    """Switch the slot off: it stops selling at once."""
    sale = services.set_flash_sale_active(current_user(request), slot_id, False)
    return _out(sale, timezone.now())


@router.post("/slots/{slot_id}/activate", auth=AUTH, response=SlotOut)
def activate(request: HttpRequest, slot_id: str) -> SlotOut:
    sale = services.set_flash_sale_active(current_user(request), slot_id, True)
    return _out(sale, timezone.now())


@router.delete("/slots/{slot_id}", auth=AUTH, response={204: None})
def delete(request: HttpRequest, slot_id: str) -> Status[None]:
    """Delete a slot nobody bought from (409 `has_orders` otherwise)."""
    services.delete_flash_sale(current_user(request), slot_id)
    return Status(204, None)
