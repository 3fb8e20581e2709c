"""The customers API (/api/v1/customers/…)."""

from __future__ import annotations

from ninja import Router

router = Router()
