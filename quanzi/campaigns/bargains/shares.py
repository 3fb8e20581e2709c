"""A bargain is a page one can share (referrals' share links and posters)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from quanzi.campaigns.bargains.models import Bargain
from quanzi.core.money import format_fen
from quanzi.referrals.models import TargetKind
from quanzi.referrals.targets import PosterContent, ShareTarget, product_picture, register


def _poster(target_id: str) -> PosterContent:
    """The product's title and picture, and the bargain's current price, labelled."""
    bargain = Bargain.objects.select_related("campaign__sku__product").get(pk=target_id)
    product = bargain.campaign.sku.product
    price = _("Current price %(price)s") % {"price": format_fen(bargain.current_price)}
    return PosterContent(product.title, price, product_picture(product))


def connect() -> None:
    register(
        TargetKind.BARGAIN,
        ShareTarget(
            "/bargains/{}/", lambda user, pk: Bargain.objects.filter(pk=pk).exists(), _poster
        ),
    )
