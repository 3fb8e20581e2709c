"""The error codes of orders: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class OrderCode(StrEnum):
    AFTER_SALE_CLOSED = "after_sale_closed"  # its thread takes no more messages
    AFTER_SALE_NOT_FOUND = "after_sale_not_found"
    ALREADY_DECIDED = "already_decided"  # an after-sales request already answered
    CART_FULL = "cart_full"
    DUPLICATE_ORDER = "duplicate_order"  # the same order twice in one batch of shipments
    HAS_ORDERS = "has_orders"  # the thing has orders: switch it off instead of deleting it
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_TRACKING_NUMBER = "invalid_tracking_number"
    INVALID_TRANSITION = "invalid_transition"  # the order's status does not allow this step
    NO_DEFAULT_ADDRESS = "no_default_address"
    NO_ITEMS = "no_items"
    NO_SHIPMENTS = "no_shipments"  # a batch of shipments with no line
    NOT_IN_CART = "not_in_cart"
    NOT_A_RETURN = "not_a_return"  # a return tracking number for a refund-only request
    NOT_PAYABLE = "not_payable"  # the order is not waiting for payment
    NOT_SHIPPED = "not_shipped"
    NOTHING_TO_PAY = "nothing_to_pay"
    ORDER_NOT_FOUND = "order_not_found"
    OTHER_STORE = "other_store"  # a batch line's order is of another of the person's stores
    OUT_OF_STOCK = "out_of_stock"
    OVER_REFUND = "over_refund"  # more than what is left to refund
    PAYMENT_WINDOW_PASSED = "payment_window_passed"  # the order's time to pay is over
    SHEET_GONE = "sheet_gone"  # a previewed shipping sheet was applied, cancelled or expired
    SHEET_TOO_LARGE = "sheet_too_large"
    SHEET_UNREADABLE = "sheet_unreadable"  # not an .xlsx file, or no columns we know
    SHIP_HOLD = "ship_hold"  # a group-buy order waits for its group to fill
    TOO_MANY_SHIPMENTS = "too_many_shipments"  # a batch (form, sheet, API) over its limit
    THREAD_FULL = "thread_full"  # an after-sales thread has as many messages as it may hold
    UNKNOWN_SKU = "unknown_sku"
