from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from quanzi.api import api
from quanzi.catalog import urls as catalog_urls
from quanzi.core import health
from quanzi.core.media import media
from quanzi.storefront import app_install
from quanzi.storefront import urls as storefront
from quanzi.stores import urls as stores_urls

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz/live", health.live, name="healthz_live"),
    path("healthz/ready", health.ready, name="healthz_ready"),
    path("metrics", health.metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Installing to the home screen: the manifest, its icons, the favicon (storefront/app_install).
    path("manifest.webmanifest", app_install.manifest, name="app_manifest"),
    path("favicon.ico", app_install.favicon, name="favicon"),
    path("icons/<int:size>.png", app_install.icon, name="app_icon"),
    path("icons/<int:size>-<str:variant>.png", app_install.icon, name="app_icon_variant"),
    path("admin/", admin.site.urls),
    # The storefront's pages keep the names of the part of the site they are on
    # (quanzi/storefront/urls.py); each comes after the domain's own paths it could shadow.
    path("", include((storefront.home_pages, "core"))),
    path("me/", include((storefront.me_pages, "me"))),
    path("accounts/", include("quanzi.accounts.urls")),
    path("stores/", include((stores_urls.urlpatterns + storefront.store_pages, "stores"))),
    path("products/", include((catalog_urls.urlpatterns + storefront.product_pages, "catalog"))),
    path("orders/", include("quanzi.orders.urls")),
    path("pay/", include("quanzi.payments.urls")),
    path("ledger/", include("quanzi.ledger.urls")),
    path("reviews/", include("quanzi.reviews.urls")),
    path("circles/", include("quanzi.circles.urls")),
    path("social/", include("quanzi.social.urls")),
    path("s/", include("quanzi.referrals.urls")),
    path("coupons/announcements/", include("quanzi.circles.coupon_urls")),
    path("coupons/", include("quanzi.coupons.urls")),
    path("groupbuy/", include("quanzi.campaigns.groupbuy.urls")),
    path("flash/", include("quanzi.campaigns.flashsales.urls")),
    path("bargains/", include("quanzi.campaigns.bargains.urls")),
    # The wallet's pages sit under /redpackets/ (where they started): matched before red packets.
    path("redpackets/wallet/pay/", include("quanzi.orders.wallet_urls")),
    path("redpackets/wallet/", include("quanzi.wallets.urls")),
    path("redpackets/", include("quanzi.campaigns.redpackets.urls")),
    path("promote/", include("quanzi.referrals.promote_urls")),
    path("insights/", include("quanzi.insights.urls")),
    path("customers/", include("quanzi.customers.urls")),
    path("outreach/", include("quanzi.outreach.urls")),
    path("needs/", include("quanzi.needs.urls")),
    path("trust/", include("quanzi.trust.urls")),
]

if not settings.PRODUCTION:
    # Embedded mode serves uploaded media itself; the scaled mode serves it from object storage.
    urlpatterns.append(path("media/<path:name>", media, name="media"))

# JSON on /api/, a plain page in the user's language elsewhere (quanzi.core.error_pages).
handler400 = "quanzi.core.error_pages.bad_request"
handler403 = "quanzi.core.error_pages.permission_denied"
handler404 = "quanzi.core.error_pages.page_not_found"
handler500 = "quanzi.core.error_pages.server_error"
