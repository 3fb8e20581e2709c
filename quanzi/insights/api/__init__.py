"""The insights API (/api/v1/insights/…): the same figures as the pages, for the store's
owner and the staff let see them; every endpoint takes the period as the pages do."""

from __future__ import annotations

from ninja import Router

router = Router()

from quanzi.insights.api.health import router as health  # noqa: E402

router.add_router("", health)
