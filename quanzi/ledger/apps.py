from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "quanzi.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from quanzi.ledger import store_accounts

        store_accounts.register_accounts()
