from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "quanzi.trust"
    label = "trust"
    verbose_name = _("Trust and safety")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quanzi.trust import receivers
        from quanzi.trust.services import alerts

        receivers.connect()
        alerts.connect()

        from quanzi.tracking.services import register_after_rollup
        from quanzi.trust.tasks import periodic

        register_after_rollup("trust.analysis", periodic)
