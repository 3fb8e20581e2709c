"""The insights pages of the merchant console: /insights/console/<store>/…"""

from __future__ import annotations

app_name = "insights"
urlpatterns: list[object] = []
