"""The needs API (/api/v1/needs/…)."""

from __future__ import annotations

from ninja import Router

router = Router()
