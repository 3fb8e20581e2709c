"""A store's distribution programme as people act on it: the merchant sets it up, decides who
may promote and sets per-product rates; a customer applies; a promoter reads their centre.

The money side (bindings, commissions and their ledger postings) is in `distribution`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quanzi.core.events import send_on_commit
from quanzi.core.ids import is_public_id
from quanzi.core.validation import whole_number
from quanzi.referrals.errors import ReferralCode
from quanzi.referrals.locks import lock_or_create_config, lock_or_create_promoter
from quanzi.referrals.models import (
    Binding,
    BindingMode,
    Commission,
    DistributionConfig,
    ProductCommission,
    Promoter,
    PromoterRule,
    PromoterStatus,
)
from quanzi.referrals.services.distribution import (
    BP,
    PromoterBalance,
    completed_spend,
    config_for,
    is_promoter,
    promoter_balance,
)
from quanzi.referrals.signals import promoter_decided
from quanzi.stores.models import Store
from quanzi.stores.services import access_store

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.catalog.models import Product

MAX_FEN = 10**12  # ¥10 billion: beyond any real threshold, well inside a BigIntegerField
MAX_BINDING_DAYS = 3650
MAX_LIST = 200


# --- The merchant's settings --------------------------------------------------------------------


def _rates(level1: Any, level2: Any) -> tuple[int, int]:
    rate1 = whole_number(level1, 0, BP, field="level1_rate_bp")
    rate2 = whole_number(level2, 0, BP, field="level2_rate_bp")
    if rate1 + rate2 > BP:
        raise InvalidInput(
            _("The two levels together cannot pay more than 100 %."), field="level2_rate_bp"
        )
    return rate1, rate2


def _choice(value: Any, choices: type[BindingMode] | type[PromoterRule], field: str) -> str:
    if not isinstance(value, str) or value not in choices.values:
        raise InvalidInput(_("Choose one of the options."), field=field)
    return value


@dataclass(frozen=True, kw_only=True)
class DistributionChange:
    """The store's distribution settings as typed in; None: left as they are. Rates in basis
    points, amounts in fen (numbers may come as form text: `configure` checks them)."""

    enabled: bool | None = None
    level1_rate_bp: int | str | None = None
    level2_rate_bp: int | str | None = None
    binding_mode: str | None = None
    binding_days: int | str | None = None
    promoters: str | None = None
    spend_threshold: int | str | None = None
    min_withdrawal: int | str | None = None
    withdrawal_fee_bp: int | str | None = None


def configure(user: User, store_id: str, change: DistributionChange) -> DistributionConfig:
    """Save the store's distribution settings (owner only). Fields left out keep their value;
    every field given is checked before anything is written."""
    fields = asdict(change)
    store = access_store(user, store_id, need="owner")
    config = config_for(store)
    checks: dict[str, Any] = {
        "binding_mode": lambda v: _choice(v, BindingMode, "binding_mode"),
        "promoters": lambda v: _choice(v, PromoterRule, "promoters"),
        "binding_days": lambda v: whole_number(v, 1, MAX_BINDING_DAYS, field="binding_days"),
        "spend_threshold": lambda v: whole_number(v, 0, MAX_FEN, field="spend_threshold"),
        "min_withdrawal": lambda v: whole_number(v, 1, MAX_FEN, field="min_withdrawal"),
        "withdrawal_fee_bp": lambda v: whole_number(v, 0, BP - 1, field="withdrawal_fee_bp"),
    }
    values: dict[str, Any] = {}
    for name, check in checks.items():
        if fields.get(name) is not None:
            values[name] = check(fields[name])
    if fields.get("enabled") is not None:
        if not isinstance(fields["enabled"], bool):
            raise InvalidInput(_("Choose yes or no."), field="enabled")
        values["enabled"] = fields["enabled"]
    level1 = fields.get("level1_rate_bp", config.level1_rate_bp)
    level2 = fields.get("level2_rate_bp", config.level2_rate_bp)
    values["level1_rate_bp"], values["level2_rate_bp"] = _rates(
        config.level1_rate_bp if level1 is None else level1,
        config.level2_rate_bp if level2 is None else level2,
    )
    with transaction.atomic():
        config, created = lock_or_create_config(store, values)
        if not created:
            for name, value in values.items():
                setattr(config, name, value)
            config.save()
    return config


def _store_product(store: Store, product_id: str) -> Product:
    from quanzi.catalog.models import Product

    product = (
        Product.objects.filter(pk=product_id, store=store).first()
        if is_public_id(product_id)
        else None
    )
    if product is None:
        raise NotFound(_("Product not found."))
    return product


def set_product_rates(
    user: User, store_id: str, product_id: str, level1: Any, level2: Any
) -> ProductCommission:
    """Give one of the store's products its own commission rates (owner)."""
    store = access_store(user, store_id, need="owner")
    product = _store_product(store, product_id)
    rate1, rate2 = _rates(level1, level2)
    rates, _created = ProductCommission.objects.update_or_create(
        product=product, defaults={"level1_rate_bp": rate1, "level2_rate_bp": rate2}
    )
    return rates


def clear_product_rates(user: User, store_id: str, product_id: str) -> None:
    """The product goes back to the store's rates (owner)."""
    store = access_store(user, store_id, need="owner")
    ProductCommission.objects.filter(product=_store_product(store, product_id)).delete()


def product_rates(store: Store) -> QuerySet[ProductCommission]:
    return (
        ProductCommission.objects.filter(product__store=store)
        .select_related("product")
        .order_by("product__title")
    )


# --- Who promotes -------------------------------------------------------------------------------


def _open_programme(store_id: str) -> tuple[Store, DistributionConfig]:
    store = access_store(None, store_id, need="read")
    config = DistributionConfig.objects.filter(store=store, enabled=True).first()
    if config is None:
        raise NotFound(_("This store has no promoter programme."))
    return store, config


def apply(user: User, store_id: str, reason: str = "") -> Promoter:
    """Ask to become the store's promoter. Under 'approved applicants' it waits for the
    merchant; under the other rules nobody needs to apply, and asking again changes nothing."""
    store, config = _open_programme(store_id)
    if not isinstance(reason, str) or len(reason) > 200:
        raise InvalidInput(_("Keep the note under 200 characters."), field="reason")
    if config.promoters != PromoterRule.APPROVED:
        raise Conflict(
            _("This store does not take applications: its promoters qualify by its rule."),
            code=ReferralCode.NO_APPLICATIONS,
        )
    with transaction.atomic():
        standing, created = lock_or_create_promoter(store, user, {"reason": reason.strip()})
        if not created and standing.status == PromoterStatus.REJECTED:
            standing.status, standing.reason = PromoterStatus.PENDING, reason.strip()
            standing.decided_at = None
            standing.save(update_fields=["status", "reason", "decided_at", "updated_at"])
        elif not created and standing.status == PromoterStatus.REVOKED:
            raise PermissionDenied(_("The store has ended your promoter standing."))
    return standing


def decide(user: User, store_id: str, user_public_id: str, decision: str) -> Promoter:
    """Approve, reject or revoke a person as the store's promoter (owner). Approve and revoke
    work under any rule (approve lets someone in below a spend threshold; revoke ends someone's
    earning); reject answers a pending application."""
    from quanzi.accounts.models import User as UserModel

    store = access_store(user, store_id, need="owner")
    statuses = {
        "approve": PromoterStatus.APPROVED,
        "reject": PromoterStatus.REJECTED,
        "revoke": PromoterStatus.REVOKED,
    }
    if decision not in statuses:
        raise InvalidInput(_("Choose approve, reject or revoke."), field="decision")
    person = (
        UserModel.objects.filter(public_id=user_public_id).first()
        if is_public_id(user_public_id)
        else None
    )
    if person is None:
        raise NotFound(_("Person not found."))
    with transaction.atomic():
        standing, _created = lock_or_create_promoter(store, person)
        if decision == "reject" and standing.status != PromoterStatus.PENDING:
            raise Conflict(
                _("Only a pending application can be rejected."), code=ReferralCode.NOT_PENDING
            )
        standing.status = statuses[decision]
        standing.decided_by, standing.decided_at = user, timezone.now()
        standing.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        send_on_commit(
            promoter_decided,
            sender=Promoter,
            store_id=store.pk,
            user_id=person.pk,
            status=standing.status,
        )
    return standing


def promoters_of(store: Store, status: str | None = None) -> QuerySet[Promoter]:
    rows = Promoter.objects.filter(store=store).select_related("user")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("status", "-created_at")


# --- The promoter centre ------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """Where a person stands in a store's programme, for the promoter centre."""

    qualifies: bool
    status: str  # a PromoterStatus value, "" when never applied or decided
    rule: str
    spent: int  # completed spending, shown against a threshold
    threshold: int


def standing(user: User, config: DistributionConfig) -> Standing:
    status = (
        Promoter.objects.filter(store_id=config.store_id, user=user)
        .values_list("status", flat=True)
        .first()
    )
    spent = (
        completed_spend(user.pk, config.store_id)
        if config.promoters == PromoterRule.SPENDERS
        else 0
    )
    return Standing(
        qualifies=is_promoter(user.pk, config),
        status=status or "",
        rule=config.promoters,
        spent=spent,
        threshold=config.spend_threshold,
    )


@dataclass(frozen=True)
class Team:
    """The customers bound to a promoter (level 1) and to those customers (level 2)."""

    level1: list[Binding]  # the latest MAX_LIST
    level1_count: int
    level2_count: int


def team(user: User, store: Store) -> Team:
    now = timezone.now()
    active = Binding.objects.filter(store=store).exclude(expires_at__lte=now)
    mine = active.filter(promoter=user)
    level1 = list(mine.select_related("customer").order_by("-created_at")[:MAX_LIST])
    level2_count = active.filter(promoter_id__in=mine.values("customer_id")).count()
    return Team(level1=level1, level1_count=mine.count(), level2_count=level2_count)


def commissions_of(user: User, store: Store) -> QuerySet[Commission]:
    """The promoter's commissions in the store, newest first, with their orders."""
    return (
        Commission.objects.filter(promoter=user, order__store=store)
        .select_related("order")
        .order_by("-created_at")
    )


def balance_of(user: User, store: Store) -> PromoterBalance:
    return promoter_balance(store.pk, user.public_id)


def programme_for(user: User, store_id: str) -> tuple[Store, DistributionConfig]:
    """The store and its programme for a person's promoter centre: the programme must be on,
    or the person must have commission history there (money earned stays reachable after the
    merchant switches distribution off)."""
    store = access_store(None, store_id, need="read")
    config = DistributionConfig.objects.filter(store=store).first()
    if config is None or (
        not config.enabled
        and not Commission.objects.filter(promoter=user, order__store=store).exists()
    ):
        raise NotFound(_("This store has no promoter programme."))
    return store, config


MAX_CENTRES = 5


def centres_for(user: User) -> list[Store]:
    """The stores whose promoter centre "我的" links to: those whose programme is on, and
    those where the person has commissions (money earned stays reachable), at most
    MAX_CENTRES, the person's own promoter stores first."""
    enabled = Q(distribution__enabled=True) | Q(
        pk__in=Commission.objects.filter(promoter=user).values("order__store_id")
    )
    mine = Promoter.objects.filter(user=user, store=OuterRef("pk"))
    return list(
        Store.objects.filter(enabled, is_active=True)
        .annotate(is_mine=Exists(mine))
        .order_by("-is_mine", "name", "id")[:MAX_CENTRES]
    )
