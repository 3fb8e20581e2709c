"""WebSocket routes of circles."""

from __future__ import annotations

from typing import Any

from django.urls import path

from quanzi.circles.consumers import ChatConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/circles/<str:circle_id>/", ChatConsumer.as_asgi()),
]
