from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupBuyConfig(AppConfig):
    name = "quanzi.campaigns.groupbuy"
    label = "groupbuy"
    verbose_name = _("Group buying")

    def ready(self) -> None:
        from quanzi.campaigns.groupbuy import cards, panels, receivers, shares, sheet

        cards.connect()
        receivers.connect()
        shares.connect()
        panels.connect()
        sheet.connect()
