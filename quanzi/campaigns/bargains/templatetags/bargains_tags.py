"""Template filters of the bargain pages: `{% load bargains_tags %}`."""

from __future__ import annotations

from django import template

from quanzi.campaigns.bargains import honesty
from quanzi.campaigns.bargains.models import Bargain, BargainCampaign

register = template.Library()


@register.filter
def honest_title(campaign: BargainCampaign) -> str:
    """The campaign's title, never promising free while the floor price is above zero."""
    return honesty.honest_title(campaign)


@register.filter
def bargain_progress(bargain: Bargain) -> honesty.Progress:
    """How much of start → floor the bargain has cut (`.cut`, `.room`, `.left`, `.percent`)."""
    return honesty.progress(bargain)
