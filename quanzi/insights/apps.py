from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "quanzi.insights"
    label = "insights"
    verbose_name = _("Insights")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quanzi.insights import touches
        from quanzi.tracking.services import register_after_rollup

        register_after_rollup("insights.touches", touches.attribute_all)
