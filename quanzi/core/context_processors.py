from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def quanzi(request: HttpRequest) -> dict[str, Any]:
    return {"QUANZI_DEBUG": settings.DEBUG}
