from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RedPacketsConfig(AppConfig):
    name = "quanzi.campaigns.redpackets"
    label = "redpackets"
    verbose_name = _("Red packets and wallets")

    def ready(self) -> None:
        from quanzi.campaigns.redpackets import topup

        topup.connect()
