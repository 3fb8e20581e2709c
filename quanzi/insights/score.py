"""The social-dividend score: 社交红利 = 信息 × 关系链 × 互动, as one number per product,
campaign or circle, shown beside the GMV it earned.

    score = information × relationship chain × interaction
    information         I = log2(1 + reach)          people reached through relationships
    relationship chain  R = 1 + virality             structural virality of its share cascades
                                                     (Goel et al.: 0 when nothing was reshared,
                                                     ≈ 2 for a star, (n+1)/3 for a chain of n)
    interaction         N = log2(1 + interactions)   comments, likes, chat messages about it

Logarithms keep one huge number from drowning the other two (a thousand visitors who never
talk score lower than a hundred who do); the product is 0 when nobody was reached or nobody
interacted, as the thesis says: information with no relationship or no interaction earns no
dividend. What counts as reach and interaction for each kind is in docs/insights.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

HELP = _(
    "Social dividend = information × relationship chain × interaction: log2(1 + people reached "
    "through shares, chat cards and notes) × (1 + structural virality of its share cascades) × "
    "log2(1 + comments, likes and chat messages). 0 when nobody was reached or nobody talked."
)


@dataclass(frozen=True)
class Score:
    reach: int
    virality: float
    interactions: int

    @property
    def information(self) -> float:
        return math.log2(1 + max(self.reach, 0))

    @property
    def chain(self) -> float:
        return 1 + max(self.virality, 0.0)

    @property
    def interaction(self) -> float:
        return math.log2(1 + max(self.interactions, 0))

    @property
    def value(self) -> float:
        return round(self.information * self.chain * self.interaction, 1)


def social_dividend(reach: int, virality: float, interactions: int) -> Score:
    return Score(reach=reach, virality=virality, interactions=interactions)
