"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanzi.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from quanzi.core.body_limit import BodySizeLimit  # noqa: E402
from quanzi.routing import HandshakeGuard, websocket_urlpatterns  # noqa: E402
from quanzi.tracking.lifespan import lifespan  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodySizeLimit(django_asgi_app),
        # A foreign Origin is refused before the handshake (HTTP 403); every other refusal
        # accepts, then closes with a code (docs/chat-protocol.md).
        "websocket": AllowedHostsOriginValidator(
            HandshakeGuard(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
        # the server starting and stopping: what the insights' recorder holds is written
        "lifespan": lifespan,
    }
)
