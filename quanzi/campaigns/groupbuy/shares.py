"""A group is a page one can share (referrals' share links and posters)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from quanzi.campaigns.groupbuy.models import Group
from quanzi.campaigns.groupbuy.services import lowest_group_price
from quanzi.core.money import format_fen
from quanzi.referrals.models import TargetKind
from quanzi.referrals.targets import PosterContent, ShareTarget, product_picture, register


def _poster(target_id: str) -> PosterContent:
    """The product's title and picture, and the campaign's lowest group price, labelled."""
    group = Group.objects.select_related("campaign__product").get(pk=target_id)
    lowest = lowest_group_price(group.campaign)
    price = None
    if lowest is not None:
        price = _("Group price %(price)s") % {"price": format_fen(lowest)}
    product = group.campaign.product
    return PosterContent(product.title, price, product_picture(product))


def connect() -> None:
    register(
        TargetKind.GROUP,
        ShareTarget(
            "/groupbuy/g/{}/", lambda user, pk: Group.objects.filter(pk=pk).exists(), _poster
        ),
    )
