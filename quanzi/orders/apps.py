from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "quanzi.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from quanzi.orders import product_guard

        product_guard.connect()
