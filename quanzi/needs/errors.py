"""The error codes of needs discovery (clients branch on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class NeedsCode(StrEnum):
    CIRCLE_NOT_FOUND = "needs_circle_not_found"  # a filter names no circle of the store
    DIGEST_NOT_FOUND = "digest_not_found"
    PRODUCT_NOT_FOUND = "needs_product_not_found"  # a filter names no product of the store
    WISH_NOT_FOUND = "wish_not_found"
