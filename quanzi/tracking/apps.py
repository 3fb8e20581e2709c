from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "quanzi.tracking"
    label = "tracking"
    verbose_name = _("Tracking")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quanzi.core.signals import serving
        from quanzi.tracking import recorder, tasks

        recorder.connect()
        serving.connect(
            lambda **_: tasks.start_rollups(), dispatch_uid="tracking.start_rollups", weak=False
        )
