from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    """What the campaigns offer on the pages and events of the domains below them: the
    product page's live group buy and bargain (`{% load campaigns_offers %}`) and the join
    cashback (加入社群返现) a store circle gives newcomers. No models."""

    name = "quanzi.campaigns.offers"
    label = "offers"
    verbose_name = _("Campaign offers")

    def ready(self) -> None:
        from quanzi.campaigns.offers.receivers import connect

        connect()
