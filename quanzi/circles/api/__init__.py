"""Circles API, mounted at /api/v1/circles: one sub-router per area."""

from __future__ import annotations

from ninja import Router

from quanzi.circles.api import announcements, chat, membership

router = Router()
router.add_router("", membership.router)
router.add_router("", chat.router)
router.add_router("", announcements.router)
