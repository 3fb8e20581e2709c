from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "quanzi.customers"
    label = "customers"
    verbose_name = _("Customers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quanzi.customers.services import sweep
        from quanzi.tracking.services import register_after_rollup

        sweep.connect()
        register_after_rollup("customers.nightly", sweep.nightly)
