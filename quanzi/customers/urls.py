"""The customers pages of the merchant console: /customers/console/<store>/…"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.customers.views import customers, segments

app_name = "customers"
urlpatterns: list[URLPattern | URLResolver] = [
    path("console/<str:store_id>/", customers.customer_list, name="list"),
    path("console/<str:store_id>/bulk-tag/", customers.bulk_tag, name="bulk_tag"),
    path("console/<str:store_id>/c/<str:customer_id>/", customers.profile, name="profile"),
    path(
        "console/<str:store_id>/c/<str:customer_id>/tag/", customers.profile_tag, name="profile_tag"
    ),
    path("console/<str:store_id>/tags/", customers.tags_page, name="tags"),
    path("console/<str:store_id>/tags/do/", customers.tags_action, name="tags_action"),
    path("console/<str:store_id>/rfm/", customers.rfm_page, name="rfm"),
    path("console/<str:store_id>/segments/", segments.segment_list, name="segments"),
    path("console/<str:store_id>/segments/new/", segments.segment_edit, name="segment_new"),
    path(
        "console/<str:store_id>/segments/<str:segment_id>/", segments.segment_edit, name="segment"
    ),
    path(
        "console/<str:store_id>/segments/<str:segment_id>/delete/",
        segments.segment_delete,
        name="segment_delete",
    ),
    path(
        "console/<str:store_id>/segments/<str:segment_id>/export/",
        segments.segment_export,
        name="segment_export",
    ),
]
