from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirclesConfig(AppConfig):
    name = "quanzi.circles"
    label = "circles"
    verbose_name = _("Circles")

    def ready(self) -> None:
        from quanzi.circles import receivers, review_labels
        from quanzi.circles.services import coupons
        from quanzi.reviews.labels import register_label

        receivers.connect()
        coupons.connect()  # a store's coupons as live chat cards
        register_label("circles.member", review_labels.circle_members)
