"""Distribution API: the merchant's programme settings, promoters and per-product rates; a
customer's application; the promoter's own centre."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.pagination import paginate
from quanzi.core.schemas import Schema
from quanzi.referrals.models import Commission, DistributionConfig, Promoter
from quanzi.referrals.services import programme
from quanzi.referrals.services.distribution import config_for
from quanzi.stores.services import access_store

router = Router()


class ConfigIn(Schema):
    enabled: bool | None = None
    level1_rate_bp: int | None = Field(default=None, ge=0, le=10000)
    level2_rate_bp: int | None = Field(default=None, ge=0, le=10000)
    binding_mode: str | None = Field(default=None, max_length=12)
    binding_days: int | None = Field(default=None, ge=1, le=programme.MAX_BINDING_DAYS)
    promoters: str | None = Field(default=None, max_length=12)
    spend_threshold: int | None = Field(default=None, ge=0, le=programme.MAX_FEN)
    min_withdrawal: int | None = Field(default=None, ge=1, le=programme.MAX_FEN)
    withdrawal_fee_bp: int | None = Field(default=None, ge=0, le=9999)


class ConfigOut(Schema):
    enabled: bool
    level1_rate_bp: int
    level2_rate_bp: int
    binding_mode: str
    binding_days: int
    promoters: str
    spend_threshold: int
    min_withdrawal: int
    withdrawal_fee_bp: int


def _config_out(config: DistributionConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in ConfigOut.model_fields}


@router.get("/stores/{store_id}/distribution", auth=AUTH, response=ConfigOut)
def get_config(request: HttpRequest, store_id: str) -> dict[str, Any]:
    """The store's distribution settings (owner and staff)."""
    store = access_store(current_user(request), store_id)
    return _config_out(config_for(store))


@router.put("/stores/{store_id}/distribution", auth=AUTH, response=ConfigOut)
def put_config(request: HttpRequest, store_id: str, data: ConfigIn) -> dict[str, Any]:
    """Change the store's distribution settings (owner); fields left out keep their value."""
    config = programme.configure(
        current_user(request), store_id, programme.DistributionChange(**data.model_dump())
    )
    return _config_out(config)


class PromoterOut(Schema):
    user_id: str
    name: str
    status: str
    reason: str
    created_at: datetime
    decided_at: datetime | None


def _promoter_out(row: Promoter) -> dict[str, Any]:
    return {
        "user_id": row.user.public_id,
        "name": row.user.display_name,
        "status": row.status,
        "reason": row.reason,
        "created_at": row.created_at,
        "decided_at": row.decided_at,
    }


class PromoterList(Schema):
    items: list[PromoterOut]
    page: int
    pages: int
    total: int


@router.get("/stores/{store_id}/promoters", auth=AUTH, response=PromoterList)
def list_promoters(
    request: HttpRequest,
    store_id: str,
    status: str | None = Query(default=None, max_length=10),
    page: int | None = Query(default=None, ge=1, le=100_000),
    page_size: int | None = Query(default=None, ge=1, le=100),
) -> dict[str, Any]:
    """Applications and decisions about promoters (owner and staff), pending first."""
    store = access_store(current_user(request), store_id)
    result = paginate(programme.promoters_of(store, status), page, page_size)
    return {
        "items": [_promoter_out(row) for row in result.items],
        "page": result.number,
        "pages": result.pages,
        "total": result.count,
    }


class DecisionIn(Schema):
    decision: str = Field(max_length=10)


@router.post("/stores/{store_id}/promoters/{user_id}/decision", auth=AUTH, response=PromoterOut)
def decide_promoter(
    request: HttpRequest, store_id: str, user_id: str, data: DecisionIn
) -> dict[str, Any]:
    """Approve, reject or revoke a person as the store's promoter (owner)."""
    row = programme.decide(current_user(request), store_id, user_id, data.decision)
    return _promoter_out(row)


class ApplyIn(Schema):
    reason: str = Field(default="", max_length=200)


@router.post("/stores/{store_id}/apply", auth=AUTH, response=PromoterOut)
def apply(request: HttpRequest, store_id: str, data: ApplyIn) -> dict[str, Any]:
    """Apply to promote the store (under 'approved applicants')."""
    return _promoter_out(programme.apply(current_user(request), store_id, data.reason))


class RatesIn(Schema):
    level1_rate_bp: int = Field(ge=0, le=10000)
    level2_rate_bp: int = Field(ge=0, le=10000)


class ProductRatesOut(Schema):
    product_id: str
    title: str
    level1_rate_bp: int
    level2_rate_bp: int


@router.get("/stores/{store_id}/product-rates", auth=AUTH, response=list[ProductRatesOut])
def list_product_rates(request: HttpRequest, store_id: str) -> list[dict[str, Any]]:
    """Products with their own commission rates (owner and staff)."""
    store = access_store(current_user(request), store_id)
    return [
        {
            "product_id": row.product_id,
            "title": row.product.title,
            "level1_rate_bp": row.level1_rate_bp,
            "level2_rate_bp": row.level2_rate_bp,
        }
        for row in programme.product_rates(store)[: programme.MAX_LIST]
    ]


@router.put("/stores/{store_id}/product-rates/{product_id}", auth=AUTH, response=ProductRatesOut)
def put_product_rates(
    request: HttpRequest, store_id: str, product_id: str, data: RatesIn
) -> dict[str, Any]:
    """Give a product its own commission rates (owner)."""
    row = programme.set_product_rates(
        current_user(request), store_id, product_id, data.level1_rate_bp, data.level2_rate_bp
    )
    return {
        "product_id": row.product_id,
        "title": row.product.title,
        "level1_rate_bp": row.level1_rate_bp,
        "level2_rate_bp": row.level2_rate_bp,
    }


@router.delete("/stores/{store_id}/product-rates/{product_id}", auth=AUTH, response={204: None})
def delete_product_rates(request: HttpRequest, store_id: str, product_id: str) -> Status[None]:
    """The product goes back to the store's rates (owner)."""
    programme.clear_product_rates(current_user(request), store_id, product_id)
    return Status(204, None)


class CommissionOut(Schema):
    id: str
    order_id: str
    order_number: str = Field(description="the order's number, as people read it")
    level: int
    amount: int
    reversed_amount: int
    status: str = Field(description="frozen, available or reversed")
    status_label: str = Field(description="the status in the caller's language")
    created_at: datetime


class CentreOut(Schema):
    qualifies: bool
    status: str
    rule: str
    spent: int
    threshold: int
    frozen: int
    available: int
    withdrawing: int
    team_level1: int
    team_level2: int
    commissions: list[CommissionOut]


def _commission_out(row: Commission) -> dict[str, Any]:
    return {
        "id": row.pk,
        "order_id": row.order_id,
        "order_number": row.order.number,
        "level": row.level,
        "amount": row.amount,
        "reversed_amount": row.reversed_amount,
        "status": row.status,
        "status_label": str(row.get_status_display()),
        "created_at": row.created_at,
    }


@router.get("/stores/{store_id}/centre", auth=AUTH, response=CentreOut)
def centre(request: HttpRequest, store_id: str) -> dict[str, Any]:
    """My standing, balances, team and latest commissions in a store's programme."""
    user = current_user(request)
    store, config = programme.programme_for(user, store_id)
    where = programme.standing(user, config)
    balance = programme.balance_of(user, store)
    team = programme.team(user, store)
    return {
        "qualifies": where.qualifies,
        "status": where.status,
        "rule": where.rule,
        "spent": where.spent,
        "threshold": where.threshold,
        "frozen": balance.frozen,
        "available": balance.available,
        "withdrawing": balance.withdrawing,
        "team_level1": team.level1_count,
        "team_level2": team.level2_count,
        "commissions": [
            _commission_out(row)
            for row in programme.commissions_of(user, store)[: programme.MAX_LIST]
        ],
    }
