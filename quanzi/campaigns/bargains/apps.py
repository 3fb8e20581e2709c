from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BargainsConfig(AppConfig):
    name = "quanzi.campaigns.bargains"
    label = "bargains"
    verbose_name = _("Bargains")

    def ready(self) -> None:
        from quanzi.campaigns.bargains import cards, services, shares, sheet

        cards.connect()
        services.connect()
        shares.connect()
        sheet.connect()
