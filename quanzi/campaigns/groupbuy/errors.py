"""The error codes of groupbuy: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class GroupBuyCode(StrEnum):
    GROUP_ALREADY_JOINED = "group_already_joined"
    GROUP_CAMPAIGN_ENDED = "group_campaign_ended"
    GROUP_CAMPAIGN_NOT_FOUND = "group_campaign_not_found"
    GROUP_CAMPAIGN_NOT_STARTED = "group_campaign_not_started"
    GROUP_CLOSED = "group_closed"
    GROUP_FULL = "group_full"
    GROUP_NOT_FOUND = "group_not_found"
    GROUP_ORDER_LIMIT = "group_order_limit"  # an order takes more seats than one order may
    GROUP_USER_LIMIT = "group_user_limit"  # the buyer holds the most seats one person may
