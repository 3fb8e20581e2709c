from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouponsConfig(AppConfig):
    name = "quanzi.coupons"
    # The label stays "campaigns" (the app lived at quanzi.campaigns until issue 10): it names
    # the tables (campaigns_coupon, campaigns_usercoupon…) and the migration history that other
    # apps' migrations depend on (("campaigns", "0001_initial"), "campaigns.coupon"). Renaming
    # it would need a data migration for no behaviour.
    label = "campaigns"
    verbose_name = _("Coupons")
