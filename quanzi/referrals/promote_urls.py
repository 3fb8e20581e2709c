"""Distribution pages, mounted at /promote/: the promoter centre (per store) and the merchant's
distribution console (settings, promoters, per-product rates, withdrawals, share rewards)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.referrals.views import console, promoter

app_name = "promote"
urlpatterns: list[URLPattern | URLResolver] = [
    path("console/<str:store_id>/", console.settings, name="console"),
    path("console/<str:store_id>/promoters/<str:user_id>/", console.decide, name="decide"),
    path("console/<str:store_id>/product-rates/", console.product_rates, name="product_rates"),
    path("<str:store_id>/", promoter.centre, name="centre"),
    path("<str:store_id>/apply/", promoter.apply, name="apply"),
]
