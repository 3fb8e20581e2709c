"""Fixtures of the insights tests: the orders' shop (a store with owner, staff and buyers)."""

from tests.orders.conftest import Shop, shop  # noqa: F401  (the `shop` fixture)
