"""The error codes of customers: the `code` of every refusal its services answer (clients
branch on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class CustomerCode(StrEnum):
    BAD_DEFINITION = "bad_segment_definition"  # a segment's definition is malformed
    BAD_RULE = "bad_tag_rule"  # a tag's rule is malformed
    BAD_BREAKS = "bad_rfm_breaks"  # RFM breaks are not four ascending numbers
    CUSTOMER_NOT_FOUND = "customer_not_found"
    NOT_PROFILED = "customer_not_profiled"  # the member chose not to be profiled
    SEGMENT_NOT_FOUND = "segment_not_found"
    TAG_NOT_FOUND = "tag_not_found"
    TAG_GROUP_NOT_FOUND = "tag_group_not_found"
    TAG_NAME_TAKEN = "tag_name_taken"
    TAG_IS_RULE = "tag_is_rule"  # a rule tag cannot be put on or taken off by hand
    TOO_MANY_CUSTOMERS = "too_many_customers"  # a bulk change names too many customers
