"""Social API, mounted at /api/v1/social: one sub-router per area."""

from __future__ import annotations

from quanzi.social.api import feed, graph, notes

router = graph.router
router.add_router("", notes.router)
router.add_router("", feed.router)
