"""Signals other apps listen to (the catalog app never imports them).

`deleting_product` is sent by `delete_product` INSIDE its transaction, with the product row
locked and before anything is deleted, with `product` (the Product). A receiver refuses the
deletion by raising a DomainError, which rolls the transaction back and reaches the caller
(orders: a product that was ordered can only go off the shelf).
"""

from __future__ import annotations

from django.dispatch import Signal

deleting_product = Signal()
