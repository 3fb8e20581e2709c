"""Referral actions, split by area: `links` (share links, visits, attribution of orders),
`distribution` (bindings and two-level commissions), `programme` (the merchant's settings and
who promotes), `withdrawals`, `rewards` (share rewards) and `points`. Every state change of the
domain goes through these; their row locks are in `quanzi.referrals.locks`."""
