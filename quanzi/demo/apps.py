from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data set (`manage.py load_demo`): it uses every domain, so it sits above them."""

    name = "quanzi.demo"
    label = "demo"
    verbose_name = _("Demo data")

    def ready(self) -> None:
        from quanzi.core.signals import serving
        from quanzi.demo.data import on_serving

        serving.connect(on_serving, dispatch_uid="demo.on_serving")
