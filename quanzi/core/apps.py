from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "quanzi.core"
    label = "core"
    verbose_name = "Quanzi core"

    def ready(self) -> None:
        from quanzi.core.health import register_collectors

        register_collectors()
