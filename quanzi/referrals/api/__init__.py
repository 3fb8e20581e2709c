"""Referrals API, mounted at /api/v1/referrals: one sub-router per area (share links and
attribution; distribution — the promoter's and the merchant's sides; withdrawals; share
rewards)."""

from __future__ import annotations

from quanzi.referrals.api import shares

router = shares.router
