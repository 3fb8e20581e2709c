from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "quanzi.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from quanzi.orders import product_guard
        from quanzi.orders.services import postings
        from quanzi.orders.services.paying import OrderPayments
        from quanzi.payments.models import PaymentPurpose
        from quanzi.payments.purposes import register_purpose

        product_guard.connect()
        postings.register_kinds()
        register_purpose(PaymentPurpose.ORDERS, OrderPayments())
