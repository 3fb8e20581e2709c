"""Referrals API, mounted at /api/v1/referrals: one sub-router per area (share links and
attribution; distribution — the promoter's and the merchant's sides; withdrawals; share
rewards)."""

from __future__ import annotations

from quanzi.referrals.api import distribution, shares, withdrawals
from quanzi.referrals.api import rewards as share_rewards

router = shares.router
router.add_router("", distribution.router)
router.add_router("", share_rewards.router)
router.add_router("", withdrawals.router)
