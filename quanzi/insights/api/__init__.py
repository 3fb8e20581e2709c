"""The insights API (/api/v1/insights/…): the same figures as the pages, for the store's
owner and the staff let see them; every endpoint takes the period as the pages do."""

from __future__ import annotations

from ninja import Router

from quanzi.insights.api.cascades import router as cascades
from quanzi.insights.api.health import router as health
from quanzi.insights.api.overview import router as overview

router = Router()
router.add_router("", overview)
router.add_router("", cascades)
router.add_router("", health)
