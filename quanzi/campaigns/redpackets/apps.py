from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RedPacketsConfig(AppConfig):
    name = "quanzi.campaigns.redpackets"
    label = "redpackets"
    verbose_name = _("Red packets")

    def ready(self) -> None:
        from quanzi.campaigns.redpackets import services
        from quanzi.wallets.signals import wallet_opened

        services.register_accounts()
        services.register_kinds()
        wallet_opened.connect(services.on_wallet_opened, dispatch_uid="redpackets.wallet_opened")
