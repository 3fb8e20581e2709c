"""WebSocket routes of circles."""

from __future__ import annotations

from typing import Any

from django.urls import path

from quanzi.circles.consumers import ChatConsumer

websocket_urlpatterns: list[Any] = [
    # Channels routes ASGI applications with Django's path(), whose stubs expect a view.
    path("ws/circles/<str:circle_id>/", ChatConsumer.as_asgi()),  # type: ignore[arg-type]
]
