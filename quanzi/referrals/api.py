"""Referrals API (thin: schema in → service call → schema out)."""

from __future__ import annotations

from ninja import Router

router = Router()
