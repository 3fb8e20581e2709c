"""The trust API: the operators' case queue and settings, appeals, the merchants' alerts."""

from __future__ import annotations

from ninja import Router

from quanzi.trust.api import alerts, cases

router = Router()
router.add_router("", cases.router)
router.add_router("", alerts.router)
