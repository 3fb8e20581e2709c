"""WebSocket routes; domains with consumers add theirs here."""

from __future__ import annotations

from typing import Any

from quanzi.circles.routing import websocket_urlpatterns as circles

websocket_urlpatterns: list[Any] = [*circles]
