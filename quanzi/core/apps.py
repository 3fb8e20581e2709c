from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "quanzi.core"
    label = "core"
    verbose_name = _("Quanzi core")

    def ready(self) -> None:
        from quanzi.core.health import register_collectors

        register_collectors()
