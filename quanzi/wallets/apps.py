from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletsConfig(AppConfig):
    name = "quanzi.wallets"
    label = "wallets"
    verbose_name = _("Wallets")

    def ready(self) -> None:
        from quanzi.payments.models import PaymentPurpose
        from quanzi.payments.providers import register_provider
        from quanzi.payments.purposes import register_purpose
        from quanzi.wallets import provider, services, topup
        from quanzi.wallets.provider import WalletProvider
        from quanzi.wallets.topup import TopupPayments

        services.register_accounts()
        provider.register_kinds()
        topup.register_kinds()
        register_provider(WalletProvider)
        register_purpose(PaymentPurpose.WALLET_TOPUP, TopupPayments())
