"""Order actions, split by area: `access` (who may act on an order), `inputs` (cleaning what
people type), `checkout` (placing orders), `cart`, `transitions` (cancel, ship, receive),
`aftersales`, `paying` (payments' purpose "orders": paying and refunding orders, and the handler
of what payments tells orders), `payment_events` (what orders does with it), `postings` (the
ledger postings of orders), `timers`; `state` holds the moves of the state machine they share.
Every state change of the domain goes through these; their row locks are in `quanzi.orders.locks`.
"""
