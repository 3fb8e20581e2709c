"""What a bargain's pages may promise: the real progress from the start price to the floor, and
a title that never says free (免单, 免费, 0 元, free…) while the floor price is above zero.

A merchant's title that promises a free product is refused when the campaign is created; one
stored before that rule is shown as a plain title naming the product and its floor price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext

from quanzi.campaigns.bargains.models import Bargain, BargainCampaign
from quanzi.core.money import format_fen

# Words that promise the product for nothing: 免单, 免费, 白拿, 白送, 零元/0 元 (not 10 元),
# ¥0 (not ¥0.5), and "free" as a word.
FREE_WORDS = re.compile(
    r"免单|免費|免费|白拿|白送|零元|(?<![\d.])0\s*元|[¥￥]\s*0(?![\d.])|\bfree\b", re.IGNORECASE
)


def claims_free(text: str) -> bool:
    return FREE_WORDS.search(text) is not None


def honest_title(campaign: BargainCampaign) -> str:
    """The campaign's title, unless it promises a free product the floor price contradicts:
    then "Bargain: <product>, down to <floor>"."""
    if campaign.floor_price > 0 and claims_free(campaign.title):
        return gettext("Bargain: %(product)s, down to %(floor)s") % {
            "product": campaign.sku.product.title,
            "floor": format_fen(campaign.floor_price),
        }
    return campaign.title


@dataclass(frozen=True)
class Progress:
    """How much of start → floor a bargain has cut, in fen (never rounded)."""

    cut: int
    room: int

    @property
    def left(self) -> int:
        return self.room - self.cut

    @property
    def percent(self) -> int:
        """Whole percent cut, rounded down: 100 only once the floor is reached."""
        return self.cut * 100 // self.room if self.room else 100


def progress(bargain: Bargain) -> Progress:
    return Progress(
        cut=bargain.start_price - bargain.current_price,
        room=bargain.start_price - bargain.floor_price,
    )
