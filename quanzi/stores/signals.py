"""Signals other apps listen to (the stores app never imports them).

`store_renamed` is sent INSIDE the transaction that saved a store's new name (the console's
settings, or an operator in the admin), with `store` (the Store, already saved). Products are
found by their store's name too: the catalog re-indexes the store's products from it.
"""

from __future__ import annotations

from django.dispatch import Signal

store_renamed = Signal()
