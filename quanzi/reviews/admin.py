"""Admin for platform operators: read reviews and their photos, hide or show them.

Review content is the buyer's and the rating is derived from it, so the admin edits only
`is_hidden`, through `services.set_hidden`, which keeps the product's rating in step.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from quanzi.reviews import services
from quanzi.reviews.models import Review, ReviewPhoto


class ReviewPhotoInline(admin.TabularInline):
    model = ReviewPhoto
    extra = 0
    fields = ("preview", "position", "width", "height", "image")
    readonly_fields = ("preview", "position", "width", "height", "image")

    def has_add_permission(self, request: HttpRequest, obj: Review | None = None) -> bool:
        return False

    @admin.display(description=_("photo"))
    def preview(self, photo: ReviewPhoto) -> SafeString:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" width="80" alt=""></a>',
            photo.image.url,
            photo.thumbnail.url,
        )


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "product",
        "store",
        "author",
        "stars",
        "is_anonymous",
        "moderation",
        "created_at",
    )
    list_filter = ("moderation", "stars", "is_anonymous")
    search_fields = ("id", "text", "product__title", "author__username", "store__name")
    list_select_related = ("product", "store", "author")
    date_hierarchy = "created_at"
    inlines = [ReviewPhotoInline]
    actions = ["hide_reviews", "show_reviews"]
    fields = (
        "product",
        "store",
        "author",
        "order_item",
        "stars",
        "text",
        "is_anonymous",
        "merchant_reply",
        "replied_at",
        "replied_by",
        "moderation",
        "is_hidden",
        "created_at",
    )
    readonly_fields = tuple(f for f in fields if f != "is_hidden")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reviews come from buyers only

    def save_model(self, request: HttpRequest, obj: Review, form: ModelForm, change: bool) -> None:
        if "is_hidden" in form.changed_data:
            services.set_hidden(obj.pk, obj.is_hidden)

    def _set_hidden(self, request: HttpRequest, queryset: QuerySet[Review], hidden: bool) -> int:
        return sum(services.set_hidden(pk, hidden) for pk in queryset.values_list("pk", flat=True))

    @admin.action(description=_("Hide the selected reviews"))
    def hide_reviews(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        n = self._set_hidden(request, queryset, True)
        self.message_user(
            request, ngettext("%d review hidden.", "%d reviews hidden.", n) % n, messages.SUCCESS
        )

    @admin.action(description=_("Show the selected reviews again"))
    def show_reviews(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        n = self._set_hidden(request, queryset, False)
        self.message_user(
            request, ngettext("%d review shown.", "%d reviews shown.", n) % n, messages.SUCCESS
        )
