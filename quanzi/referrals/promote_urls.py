"""Distribution pages, mounted at /promote/: the promoter centre (per store) and the merchant's
distribution console (settings, promoters, per-product rates, withdrawals, share rewards)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.referrals.views import console, promoter, withdrawals
from quanzi.referrals.views import rewards as share_rewards

app_name = "promote"
urlpatterns: list[URLPattern | URLResolver] = [
    path("console/<str:store_id>/", console.settings, name="console"),
    path("console/<str:store_id>/promoters/<str:user_id>/", console.decide, name="decide"),
    path("console/<str:store_id>/product-rates/", console.product_rates, name="product_rates"),
    path("<str:store_id>/", promoter.centre, name="centre"),
    path("<str:store_id>/apply/", promoter.apply, name="apply"),
    path("<str:store_id>/withdraw/", withdrawals.withdraw, name="withdraw"),
    path("console/<str:store_id>/withdrawals/", withdrawals.console, name="withdrawals"),
    path(
        "console/<str:store_id>/withdrawals/<str:withdrawal_id>/approve/",
        withdrawals.console_approve,
        name="withdrawal_approve",
    ),
    path(
        "console/<str:store_id>/withdrawals/<str:withdrawal_id>/reject/",
        withdrawals.console_reject,
        name="withdrawal_reject",
    ),
    path("console/<str:store_id>/share-rewards/", share_rewards.console, name="share_rewards"),
    path("<str:store_id>/rewards/", share_rewards.mine, name="my_rewards"),
    path("<str:store_id>/points/", share_rewards.my_points, name="my_points"),
]
