"""What the detectors read and what they answer: plain frozen records.

Times are seconds since the epoch (floats), money is in fen, keys are strings (review, user,
product and store ids on the site; generated names in the benchmark). A reason is a code with
the numbers that explain it; `quanzi.trust.reasons` turns it into words in the reader's
language."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReviewRecord:
    """One review with the order behind it."""

    review_id: str
    user: str
    product: str
    store: str
    stars: int
    text: str
    at: float  # when the review was written
    paid_at: float | None = None  # when its order was paid
    order_total: int = 0  # what the order cost the buyer (fen)
    list_price: int = 0  # the item's price before discounts (fen)
    shipped_at: float | None = None
    received_at: float | None = None
    tracking: str = ""  # carrier + tracking number, normalised; "" when none
    refunded_after: bool = False  # the order was refunded (in part or whole) after the review
    promoter: str = ""  # the promoter the reviewer is bound to at the store; "" when none
    campaign: str = ""  # the campaign the order came through (groupbuy, flash, …); "" when none


@dataclass(frozen=True)
class AccountRecord:
    """A person as the detectors see them: when they joined and where they act from."""

    user: str
    joined_at: float
    ip_prefixes: frozenset[str] = frozenset()  # /24 of IPv4, /48 of IPv6
    devices: frozenset[str] = frozenset()  # a hash of the browser's user agent and language
    addresses: frozenset[str] = frozenset()  # a hash of each normalised shipping address
    promoter_of: frozenset[str] = frozenset()  # stores where they are an approved promoter


@dataclass(frozen=True)
class Reason:
    """One signal that fired: a stable `code`, the points it adds to the score, and the numbers
    its sentence needs (`quanzi.trust.reasons.describe`)."""

    code: str
    points: int
    params: dict[str, int | float | str] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "points": self.points, "params": dict(self.params)}


@dataclass(frozen=True)
class Scored:
    """A score from 0 to 100 and the reasons that add up to it, strongest first."""

    score: int
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class Block:
    """A suspected ring: accounts and the products they pushed together, with how dense the
    block is (FRAUDAR's weighted density) and the reasons shared by the group."""

    users: frozenset[str]
    products: frozenset[str]
    review_ids: frozenset[str]
    density: float
    score: int
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    """What the operator configures: the score from which a review or an account is flagged,
    and the one from which a ring's reviews are held out of the rating at once."""

    review_flag: int = 60
    account_flag: int = 60
    hold: int = 80


@dataclass(frozen=True)
class Findings:
    """What `analyse` answers: a score for every review and account it read, the rings."""

    reviews: dict[str, Scored]
    accounts: dict[str, Scored]
    blocks: list[Block]
