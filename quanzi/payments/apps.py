from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "quanzi.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from quanzi.payments import accounts
        from quanzi.payments.providers import register_provider
        from quanzi.payments.providers.sandbox import SandboxProvider

        accounts.register_accounts()
        register_provider(SandboxProvider)
