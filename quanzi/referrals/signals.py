"""Signals other apps listen to (the referrals app never imports them).

`customer_bound` is sent after the transaction that bound a customer to a promoter commits
(a new binding or a new promoter on it), with `store_id`, `customer_id` and `promoter_id`.

`promoter_decided` is sent after the transaction that recorded a merchant's decision on a
promoter (approved, rejected, revoked) commits, with `store_id`, `user_id` and `status`.

Customers' rule tags ("came through a promoter", "is a promoter") follow both.
"""

from __future__ import annotations

from django.dispatch import Signal

customer_bound = Signal()
promoter_decided = Signal()
