"""Small generated review graphs for the detector tests: an organic crowd, planted rings, a
genuine burst. Seeded: the same calls give the same records."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from quanzi.trust.detect.records import AccountRecord, ReviewRecord

DAY = 86400.0
HOUR = 3600.0
NOW = 1_796_000_000.0

SUBJECTS = ["味道", "包装", "物流", "客服", "口感", "做工", "颜色", "尺寸", "分量", "香气", "材质"]
SUBJECTS += ["外观", "质量", "赠品", "甜度", "版型", "面料", "声音", "续航", "屏幕", "瓶身"]
PREDICATES = ["很不错", "一般般", "比想象中好", "有点失望", "超出预期", "还可以", "跟图片一样"]
PREDICATES += ["和描述有差距", "挺满意的", "有待改进", "偏甜了一点", "稍微有点淡", "很扎实"]
PREDICATES += ["有点廉价", "很精致", "中规中矩", "比上次好", "不如上一批", "没得挑", "很惊喜"]
OPENERS = ["收到了", "第二次买了", "朋友推荐的", "给家里人买的", "活动的时候入手", "老顾客了"]
OPENERS += ["第一次在这家买", "帮同事带的", "刚拆开", "用了一个星期", "给爸妈买的", "复购第三次"]
TEMPLATE = "宝贝收到了，质量非常好，和描述的一模一样，卖家服务态度超级好，物流速度很快，强烈推荐！"
EDITS = ["真的", "超级", "亲们", "哈哈", "赞赞赞"]


@dataclass
class Planted:
    users: list[str]
    products: list[str]
    reviews: list[str]  # the reviews of the targets
    camouflage: list[str] = field(default_factory=list)


class World:
    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        self.reviews: list[ReviewRecord] = []
        self.accounts: dict[str, AccountRecord] = {}
        self.products: list[str] = []
        self.popularity: list[float] = []
        self.means: dict[str, float] = {}
        self.store_map: dict[str, str] = {}
        self.serial = 0

    # --- ids and records ----------------------------------------------------------------------

    def next_id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial:05d}"

    def text(self) -> str:
        rng = self.rng
        parts = [rng.choice(OPENERS)] + [
            rng.choice(SUBJECTS) + rng.choice(PREDICATES) for _ in range(rng.randint(2, 3))
        ]
        return "，".join(parts) + "。"

    def account(
        self,
        joined: float,
        *,
        prefixes: set[str] | None = None,
        devices: set[str] | None = None,
        addresses: set[str] | None = None,
        promoter_of: set[str] | None = None,
    ) -> str:
        user = self.next_id("u")
        self.accounts[user] = AccountRecord(
            user=user,
            joined_at=joined,
            ip_prefixes=frozenset(prefixes if prefixes is not None else {f"10.{self.serial}.1"}),
            devices=frozenset(devices if devices is not None else {f"dev-{user}"}),
            addresses=frozenset(addresses if addresses is not None else {f"addr-{user}"}),
            promoter_of=frozenset(promoter_of or set()),
        )
        return user

    def review(
        self,
        user: str,
        product: str,
        at: float,
        stars: int,
        text: str | None = None,
        *,
        price: int = 5000,
        paid: int | None = None,
        tracking: str | None = None,
        transit: float = 2 * DAY,
        refunded: bool = False,
        promoter: str = "",
        campaign: str = "",
        store: str | None = None,
    ) -> str:
        rid = self.next_id("r")
        received = at - DAY
        self.reviews.append(
            ReviewRecord(
                review_id=rid,
                user=user,
                product=product,
                store=store or self.store_of(product),
                stars=stars,
                text=self.text() if text is None else text,
                at=at,
                paid_at=received - transit - HOUR,
                order_total=price if paid is None else paid,
                list_price=price,
                shipped_at=received - transit,
                received_at=received,
                tracking=tracking if tracking is not None else f"SF{rid}",
                refunded_after=refunded,
                promoter=promoter,
                campaign=campaign,
            )
        )
        return rid

    def store_of(self, product: str) -> str:
        return self.store_map.get(product) or f"s{int(product[1:]) % 10}"

    def stars(self, product: str) -> int:
        return max(1, min(5, round(self.rng.gauss(self.means.get(product, 4.0), 0.8))))

    # --- the crowd ----------------------------------------------------------------------------

    def organic(self, users: int = 300, products: int = 100, **account: object) -> list[str]:
        """People joined over two years, each reviewing a few products drawn by popularity
        (product 0 is the most popular), at their own times, in their own words."""
        rng = self.rng
        if not self.products:
            self.products = [f"p{i:03d}" for i in range(products)]
            self.popularity = [1.0 / (i + 1) for i in range(products)]
            for p in self.products:
                self.means[p] = min(4.8, max(3.0, rng.gauss(4.0, 0.4)))
        people = []
        for _ in range(users):
            joined = NOW - rng.uniform(60, 730) * DAY
            user = self.account(joined, **account)  # type: ignore[arg-type]
            people.append(user)
            seen: set[str] = set()
            for _ in range(rng.randint(1, 8)):
                product = rng.choices(self.products, self.popularity)[0]
                if product in seen:
                    continue
                seen.add(product)
                at = joined + rng.uniform(1, NOW - joined - DAY)
                self.review(user, product, at, self.stars(product))
        return people

    def new_product(self, mean: float = 3.2, honest: int = 6, store: str = "") -> str:
        """A tail product with a few honest reviews, rated `mean` on average."""
        product = f"p{len(self.products):03d}"
        if store:
            self.store_map[product] = store
        self.products.append(product)
        self.popularity.append(0.0)
        self.means[product] = mean
        for _ in range(honest):
            user = self.account(NOW - self.rng.uniform(100, 700) * DAY)
            self.review(user, product, NOW - self.rng.uniform(20, 300) * DAY, self.stars(product))
        return product

    # --- a ring -------------------------------------------------------------------------------

    def ring(
        self,
        k: int = 12,
        m: int = 4,
        *,
        start: float = NOW - 30 * DAY,
        fresh: bool = True,
        camouflage: float = 0.0,
        prefix: str | None = "203.0.113",
        template: bool = True,
        cheap: bool = True,
        reused_tracking: bool = True,
        fast: bool = True,
        refunded: bool = True,
        promoter: str = "",
        promoter_inside: bool = False,
        device: str | None = None,
        address: str | None = None,
        prefixes: set[str] | None = None,
    ) -> Planted:
        """k accounts pushing m new products of one store with five stars within a few hours.
        The traces are switched on one by one (each on half of the ring)."""
        rng = self.rng
        store = self.next_id("store")
        products = [self.new_product(store=store) for _ in range(m)]
        users = []
        for i in range(k):
            joined = start - rng.uniform(1, 3) * DAY if fresh else NOW - rng.uniform(90, 700) * DAY
            own = {f"198.51.{self.serial}"}
            users.append(
                self.account(
                    joined,
                    prefixes=prefixes
                    if prefixes is not None
                    else ({prefix} if prefix and i % 2 == 0 else own),
                    devices={device} if device and i % 2 == 0 else None,
                    addresses={address} if address and i % 2 == 1 else None,
                    promoter_of={store} if promoter_inside and i == 0 else None,
                )
            )
        boss = users[0] if promoter_inside else promoter
        reviews, camo = [], []
        for i, user in enumerate(users):
            for product in products:
                text = TEMPLATE if template and i % 3 != 2 else None
                if text and i % 2:
                    text = rng.choice(EDITS) + text.replace("强烈推荐", rng.choice(EDITS))
                reviews.append(
                    self.review(
                        user,
                        product,
                        start + rng.uniform(0, 6) * HOUR,
                        5,
                        text,
                        paid=500 if cheap and i % 2 == 0 else None,
                        tracking="YT-EMPTY-1" if reused_tracking and i % 3 == 0 else None,
                        transit=20 * 60 if fast and i % 2 == 1 else 2 * DAY,
                        refunded=refunded and i % 4 == 1,
                        promoter=boss if boss and user != boss else "",
                    )
                )
            extra = round(m * camouflage / (1 - camouflage)) if camouflage else 0
            for product in self.products[:extra]:  # the best sellers
                camo.append(
                    self.review(
                        user, product, start + rng.uniform(-10, 10) * DAY, self.stars(product)
                    )
                )
        return Planted(users, products, reviews, camo)

    # --- a genuine burst ----------------------------------------------------------------------

    def burst(
        self, n: int = 60, *, campaign: str = "groupbuy", promoter: str = "", new: bool = False
    ) -> Planted:
        """A product goes viral in a circle: n people with their own histories (or new
        accounts, when `new`) review it within a day, mostly five stars, in their own words."""
        rng = self.rng
        product = self.new_product(mean=4.5, honest=8)
        start = NOW - 20 * DAY
        users, reviews = [], []
        for i in range(n):
            joined = start - rng.uniform(1, 10) * DAY if new else NOW - rng.uniform(200, 700) * DAY
            user = self.account(joined)
            for _ in range(3):
                other = rng.choices(self.products[:-1], self.popularity[:-1])[0]
                self.review(user, other, joined + rng.uniform(1, 150) * DAY, self.stars(other))
            users.append(user)
            reviews.append(
                self.review(
                    user,
                    product,
                    start + rng.uniform(0, 24) * HOUR,
                    5 if rng.random() < 0.85 else 4,
                    paid=4000,
                    campaign=campaign,
                    promoter=promoter if i % 3 == 0 else "",
                )
            )
        return Planted(users, [product], reviews)
