from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "quanzi.needs"
    label = "needs"
    verbose_name = _("Needs heard in conversation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quanzi.needs import receivers, sweeps
        from quanzi.tracking.services import register_after_rollup

        receivers.connect()
        register_after_rollup("needs.sweep", sweeps.every_minute)
