"""Coupons (优惠券): a domain below orders (docs/coupons.md). Its Django app label is
"campaigns" (see apps.py)."""
