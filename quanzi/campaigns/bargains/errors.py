"""The error codes of bargains: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class BargainCode(StrEnum):
    BARGAIN_BOUGHT = "bargain_bought"
    BARGAIN_CAMPAIGN_NOT_FOUND = "bargain_campaign_not_found"
    BARGAIN_EXPIRED = "bargain_expired"
    # the campaign sells at the floor price only
    BARGAIN_FLOOR_NOT_REACHED = "bargain_floor_not_reached"
    BARGAIN_FLOOR_REACHED = "bargain_floor_reached"
    BARGAIN_HELP_BUSY = "bargain_help_busy"  # another help of the same user is being recorded
    BARGAIN_HELP_LIMIT = "bargain_help_limit"
    BARGAIN_HELPED = "bargain_helped"
    BARGAIN_NOT_FOUND = "bargain_not_found"
    BARGAIN_NOT_STARTER = "bargain_not_starter"  # only the starter may share the bargain
    BARGAIN_NOT_RUNNING = "bargain_not_running"
    BARGAIN_SELF_HELP = "bargain_self_help"
