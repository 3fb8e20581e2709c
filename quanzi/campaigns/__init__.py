"""Campaigns: the social selling mechanics that sit above orders, circles and referrals, one app
each (bargains, flashsales, groupbuy, redpackets) and `offers`, which composes them with the
domains below. Coupons are their own domain below orders (quanzi.coupons)."""
