"""Signals other apps listen to (the orders app never imports them).

`order_paid` is sent once per order, after the transaction that marked it paid commits, with
`order_id` and `buyer_id` (the social feed shows friends' purchases from it).

`order_completed` is sent after the transaction that completed an order (and settled it to the
store) commits, with `order_id` (distribution releases frozen commissions from it).

`order_refunded` is sent INSIDE the transaction that records a completed refund (so money that
follows the refund is booked atomically with it; receivers use a savepoint and never raise), with
`order_id`, `amount` (fen refunded this time) and `refunded_total` (the order's refunded amount
after it; strictly increasing, so it names the refund: distribution reverses commissions from it).

`order_cancelled` is sent after an unpaid order's cancellation (by the buyer or the timer)
commits, with `order_id`, `campaign` and `campaign_ref` (a campaign gives back its own stock).

`orders_placed` is sent by the checkout and buy-now page and API right after they placed
orders, with `request` (the buyer's, with its session) and `orders` (referrals attributes them
to the buyer's last share touch; receivers never break a checkout).

`after_sale_line_added` is sent after the transaction that added a line to an after-sales
request's thread commits (a message of the buyer or of the store's staff, or a system line of a
step of the request), with `line_id` (the `AfterSaleMessage`): the notification centre tells the
other side, with what `services.thread.notices_for(line_id)` says.
"""

from __future__ import annotations

from django.dispatch import Signal

order_paid = Signal()
order_completed = Signal()
order_refunded = Signal()
order_cancelled = Signal()
orders_placed = Signal()
after_sale_line_added = Signal()
