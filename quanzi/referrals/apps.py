from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "quanzi.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from quanzi.circles.services.cards import register_seller
        from quanzi.orders.signals import orders_placed
        from quanzi.referrals.services import distribution, rewards, withdrawals
        from quanzi.referrals.services.links import on_login, on_orders_placed

        user_logged_in.connect(on_login, dispatch_uid="referrals.on_login")
        orders_placed.connect(on_orders_placed, dispatch_uid="referrals.on_orders_placed")
        distribution.connect()
        withdrawals.connect()
        rewards.connect()
        register_seller("referrals.promoters", distribution.promotes)
