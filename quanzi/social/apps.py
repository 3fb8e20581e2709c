from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "quanzi.social"
    label = "social"
    verbose_name = _("Social")

    def ready(self) -> None:
        from quanzi.social import panels, receivers

        receivers.connect()
        panels.register()
