"""The storefront's pages, each under the URL name it had in the domain whose part of the site
it is on: quanzi/urls.py mounts `home_pages` as "core:home" at /, `me_pages` (我的 and the tab
bar's fragment) as "me" under /me/, `product_pages` in the "catalog" namespace under /products/
and `store_pages` in the "stores" namespace under /stores/ (a URL namespace names a part of the
site; the view lives above everything it composes)."""

from __future__ import annotations

from django.urls import URLPattern, path

from quanzi.storefront import me, views

home_pages: list[URLPattern] = [path("", views.home, name="home")]
me_pages: list[URLPattern] = [
    path("", me.me, name="home"),
    path("tabbar/", me.tabbar, name="tabbar"),
]
product_pages: list[URLPattern] = [path("<str:product_id>/", views.product, name="detail")]
store_pages: list[URLPattern] = [
    path("console/<str:store_id>/", views.console_dashboard, name="console_dashboard"),
    path("<str:store_id>/", views.store, name="public"),
]
