from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "quanzi.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from quanzi.catalog.receivers import connect

        connect()
