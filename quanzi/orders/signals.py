"""Signals other apps listen to (the orders app never imports them).

`order_paid` is sent once per order, after the transaction that marked it paid commits, with
`order_id` and `buyer_id` (the social feed shows friends' purchases from it)."""

from __future__ import annotations

from django.dispatch import Signal

order_paid = Signal()
