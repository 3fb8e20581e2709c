from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlashSalesConfig(AppConfig):
    name = "quanzi.campaigns.flashsales"
    label = "flashsales"
    verbose_name = _("Flash sales")

    def ready(self) -> None:
        from quanzi.campaigns.flashsales import receivers, sheet

        receivers.connect()
        sheet.connect()
