"""Circles API, mounted at /api/v1/circles: one sub-router per area. The membership router is
the root, so `POST /api/v1/circles` creates a circle without a trailing slash."""

from __future__ import annotations

from quanzi.circles.api import announcements, chat, membership

router = membership.router
router.add_router("", chat.router)
router.add_router("", announcements.router)
