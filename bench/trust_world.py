"""The generated review graph of the trust benchmark (`bench/trust.py`): organic behaviour,
the injected rings and the genuine burst, as the detectors' plain records.

Organic: Zipf product popularity, lognormal user activity, a rating mean per product, accounts
joined over two years, texts drawn from word pools (plus a few stock phrases many people type),
IP prefixes from a large pool with natural sharing (families share a home prefix, an address
and sometimes a device; students share a campus NAT and dormitory addresses and like the same
products; mobile prefixes collide by chance), a few orders at a tiny price (new-user deals),
same-city deliveries, refunds, promoters and their bound customers.

Rings: k fake accounts × m target products of one store (k 8–40, m 3–10), with partial
evidence drawn per ring (careful rings leave less): fresh accounts created together or aged
accounts bought spread over two years, template texts with edits (some fakes write their own),
shared proxy prefixes, emulator devices and collection addresses for some, cheap orders,
reused tracking numbers (空包) and deliveries received minutes after shipping for some,
refunds after the review, a promoter for a few rings. Camouflage c: each fake account also
writes honest-looking reviews of popular products, so that they are a share c of its reviews.

The burst: one product goes viral in a circle: about 150 established members with their own
histories, texts and networks review it within 24 hours, mostly five stars, bought through a
group buy the circle's promoter shared."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace

from quanzi.trust.detect.records import AccountRecord, ReviewRecord

DAY = 86400.0
HOUR = 3600.0
NOW = 1_796_000_000.0  # late 2026, fixed so that runs repeat

OPENERS = [
    "收到了",
    "第二次买了",
    "朋友推荐的",
    "犹豫了很久终于下单",
    "给家里人买的",
    "活动的时候入手",
    "囤了几份",
    "群里看到大家都在买",
    "老顾客了",
    "第一次在这家买",
    "618的时候买的",
    "帮同事带的",
    "试试看的心态买的",
    "一直想买这个",
    "刚拆开",
    "用了一个星期",
    "用了一个月才来评价",
    "双十一囤的",
    "看了直播下的单",
    "闺蜜送的",
    "给爸妈买的",
    "给孩子买的",
    "办公室一起拼的",
    "复购第三次",
    "抱着怀疑的态度买的",
]
SUBJECTS = [
    "味道",
    "包装",
    "物流",
    "客服",
    "口感",
    "做工",
    "颜色",
    "尺寸",
    "分量",
    "性价比",
    "香气",
    "手感",
    "材质",
    "外观",
    "质量",
    "发货速度",
    "说明书",
    "气味",
    "保质期",
    "赠品",
    "甜度",
    "温度",
    "版型",
    "面料",
    "声音",
    "续航",
    "屏幕",
    "按键",
    "瓶身",
    "盒子",
]
PREDICATES = [
    "很不错",
    "一般般",
    "比想象中好",
    "有点失望",
    "超出预期",
    "还可以",
    "跟图片一样",
    "和描述有差距",
    "挺满意的",
    "有待改进",
    "非常好",
    "偏甜了一点",
    "稍微有点淡",
    "很扎实",
    "有点廉价",
    "很精致",
    "中规中矩",
    "比上次好",
    "不如上一批",
    "没得挑",
    "有点小瑕疵",
    "很惊喜",
    "刚刚好",
    "有点慢",
    "很快",
    "很贴心",
    "不太行",
    "值这个价",
    "略贵",
    "很耐用",
    "有异味",
    "很清新",
    "偏大一码",
    "偏小",
    "挺稳的",
    "很顺滑",
]
CLOSERS = [
    "会回购的",
    "推荐给大家",
    "下次还来",
    "先用用看",
    "再观察一下",
    "总体满意",
    "就是价格有点高",
    "希望保持",
    "不推荐",
    "家里人都喜欢",
    "同事也问链接了",
    "给个好评",
    "期待新品",
    "会推荐给朋友",
    "算是踩雷了",
    "中评吧",
    "总的来说还行",
    "物超所值",
    "等活动再买",
    "值得入手",
]
FILLERS = ["真的", "确实", "感觉", "个人觉得", "说实话", "总之", "不过", "而且", "还有就是", ""]
SHORT = ["好评", "不错", "挺好的", "满意", "还行", "一般", "很好", "好", "差评"]
STOCK = [
    "质量很好，物流很快，五星好评！",
    "东西不错，和描述的一样，推荐购买。",
    "宝贝收到了，很满意，下次还会再来。",
    "包装很好，没有破损，物流也快。",
    "性价比很高，值得购买，好评！",
]
# What the rings' templates are made of (a brushing script's clauses).
FAKE_CLAUSES = [
    "宝贝收到了",
    "质量非常好",
    "和描述的一模一样",
    "卖家服务态度超级好",
    "物流速度很快第二天就到了",
    "包装很严实没有任何破损",
    "用了几天效果很明显",
    "家人都说买得值",
    "性价比超高强烈推荐",
    "已经推荐给身边的朋友了",
    "做工精细细节到位",
    "价格实惠品质有保障",
    "客服回复很及时很耐心",
    "这个价位真的找不到更好的了",
    "颜值很高拿在手里很有质感",
    "绝对的良心商家",
    "回购无数次了一直很稳定",
    "正品保证放心购买",
    "味道纯正口感一流",
    "非常满意的一次购物",
]
EDITS = ["真的", "超级", "亲们", "哈哈", "赞赞赞", "必须好评", "五星", "良心推荐", "棒棒的"]
PUNCT = ["，", "，", "。", "！", "～", " ", "、"]


@dataclass
class Truth:
    """What the generator knows and the detector must find."""

    positives: set[str] = field(default_factory=set)  # ring accounts' reviews of targets
    camouflage: set[str] = field(default_factory=set)  # ring accounts' honest-looking reviews
    ring_accounts: set[str] = field(default_factory=set)
    burst_reviews: set[str] = field(default_factory=set)
    burst_accounts: set[str] = field(default_factory=set)
    rings: list[dict[str, object]] = field(default_factory=list)
    burst_product: str = ""


@dataclass
class World:
    reviews: list[ReviewRecord]
    accounts: dict[str, AccountRecord]
    truth: Truth
    now: float = NOW


def organic_text(rng: random.Random) -> str:
    """An organic review: an opener, one to four remarks, a closer; or a short word; or now
    and then a stock phrase many people type."""
    r = rng.random()
    if r < 0.07:
        return rng.choice(SHORT)
    if r < 0.09:
        return rng.choice(STOCK)
    parts = []
    if rng.random() < 0.7:
        parts.append(rng.choice(OPENERS))
    for _ in range(rng.randint(1, 4)):
        parts.append(rng.choice(FILLERS) + rng.choice(SUBJECTS) + rng.choice(PREDICATES))
    if rng.random() < 0.6:
        parts.append(rng.choice(CLOSERS))
    return "".join(p + rng.choice(PUNCT) for p in parts).strip()


def ring_template(rng: random.Random) -> list[str]:
    return rng.sample(FAKE_CLAUSES, rng.randint(4, 6))


def edited(template: list[str], rng: random.Random) -> str:
    """A template with a brusher's edits: a clause swapped or dropped, words inserted."""
    clauses = list(template)
    if rng.random() < 0.35:
        clauses[rng.randrange(len(clauses))] = rng.choice(FAKE_CLAUSES)
    if rng.random() < 0.35 and len(clauses) > 3:
        del clauses[rng.randrange(len(clauses))]
    if rng.random() < 0.25:
        rng.shuffle(clauses)
    words = []
    for c in clauses:
        if rng.random() < 0.3:
            c = rng.choice(EDITS) + c
        words.append(c + rng.choice(PUNCT))
    if rng.random() < 0.5:
        words.append(rng.choice(EDITS) + "！")
    return "".join(words)


def _zipf_weights(n: int, s: float, rng: random.Random) -> list[float]:
    weights = [1.0 / (rank**s) for rank in range(1, n + 1)]
    rng.shuffle(weights)
    return weights


class _Ids:
    """Opaque ids (nothing in an id tells organic from fake)."""

    def __init__(self, rng: random.Random, prefix: str):
        self.rng, self.prefix, self.used = rng, prefix, set()

    def __call__(self) -> str:
        while True:
            value = f"{self.prefix}{self.rng.getrandbits(40):010x}"
            if value not in self.used:
                self.used.add(value)
                return value


@dataclass
class _Product:
    pid: str
    store: str
    weight: float
    mean: float
    price: int


@dataclass
class _User:
    uid: str
    joined: float
    prefixes: set[str]
    devices: set[str]
    addresses: set[str]
    favourites: list[int] = field(default_factory=list)
    promoter: dict[str, str] = field(default_factory=dict)  # store → promoter bound to
    promoter_of: set[str] = field(default_factory=set)


class Organic:
    """The organic graph, kept so that rings can be injected into copies of it."""

    def __init__(self, users: int, products: int, seed: int, rings: int = 8):
        self.rng = rng = random.Random(seed)
        self.user_ids = _Ids(rng, "u")
        self.review_ids = _Ids(rng, "r")
        self.tracking_ids = _Ids(rng, "SF")
        self.prefix_ids = _Ids(rng, "")
        stores = max(20, products // 20)
        store_ids = [f"s{i:03d}" for i in range(stores)]
        store_weights = [1.0 / (i + 1) ** 0.7 for i in range(stores)]
        popularity = _zipf_weights(products, 1.0, rng)
        self.products: list[_Product] = []
        for i in range(products):
            self.products.append(
                _Product(
                    pid=f"p{i:05d}",
                    store=rng.choices(store_ids, store_weights)[0],
                    weight=popularity[i],
                    mean=min(4.9, max(2.6, rng.gauss(4.1, 0.45))),
                    price=int(min(200_000, max(990, rng.lognormvariate(math.log(6000), 0.8)))),
                )
            )
        self.by_rank = sorted(range(products), key=lambda i: -self.products[i].weight)
        self.rank = {i: r for r, i in enumerate(self.by_rank)}
        self.cum = list(_cumulative([p.weight for p in self.products]))
        self.users: list[_User] = []
        self._people(users)
        # The rings are planned before the organic reviews are written: a merchant brushes
        # the products that need it, so most targets are mediocre ones.
        self.plans = plan_rings(self, seed, rings)
        plan_rng = random.Random(seed * 31 + 7)
        for plan in self.plans:
            for t in plan.targets:
                if plan_rng.random() < 0.75:
                    self.products[t].mean = min(4.0, max(2.6, plan_rng.gauss(3.4, 0.4)))
        self.reviews: list[ReviewRecord] = []
        self.history: dict[str, list[int]] = {}
        for u in self.users:
            self._organic_reviews(u)

    # --- people -------------------------------------------------------------------------------

    def new_prefix(self) -> str:
        v = self.rng.getrandbits(24)
        return f"{10 + v % 200}.{(v >> 8) % 256}.{v >> 16}"

    def _people(self, count: int) -> None:
        rng = self.rng
        mobile_pool = [self.new_prefix() for _ in range(max(200, count * 4))]
        campuses = []
        for _ in range(max(1, count // 1250)):
            favourites = [
                self.by_rank[rng.randrange(30, min(400, len(self.by_rank)))] for _ in range(15)
            ]
            campuses.append(
                {
                    "nat": self.new_prefix(),
                    "dorms": [f"addr-dorm-{self.new_prefix()}" for _ in range(8)],
                    "favourites": favourites,
                }
            )
        while len(self.users) < count:
            joined = NOW - rng.uniform(0.5, 730) * DAY
            r = rng.random()
            if r < 0.012 and count - len(self.users) >= 4:  # a family of 2–4
                home = self.new_prefix()
                address = f"addr-{self.new_prefix()}"
                shared_device = f"dev-{self.new_prefix()}"
                for _ in range(rng.randint(2, 4)):
                    self.users.append(
                        _User(
                            self.user_ids(),
                            NOW - rng.uniform(0.5, 730) * DAY,
                            {home} | ({rng.choice(mobile_pool)} if rng.random() < 0.4 else set()),
                            {shared_device if rng.random() < 0.3 else f"dev-{self.new_prefix()}"},
                            {address},
                        )
                    )
            elif r < 0.035:  # a student behind a campus NAT, in a dormitory
                campus = rng.choice(campuses)
                self.users.append(
                    _User(
                        self.user_ids(),
                        joined,
                        {campus["nat"]},
                        {f"dev-{self.new_prefix()}"},
                        {rng.choice(campus["dorms"])}
                        if rng.random() < 0.6
                        else {f"addr-{self.new_prefix()}"},
                        favourites=campus["favourites"],
                    )
                )
            else:
                prefixes = {self.new_prefix()}
                if rng.random() < 0.35:
                    prefixes.add(rng.choice(mobile_pool))
                self.users.append(
                    _User(
                        self.user_ids(),
                        joined,
                        prefixes,
                        {f"dev-{self.new_prefix()}"},
                        {f"addr-{self.new_prefix()}"},
                    )
                )
        del self.users[count:]
        # Promoters: 1 % of people promote one store; 8 % of people are bound to one.
        stores = sorted({p.store for p in self.products})
        self.promoters: dict[str, list[str]] = {}
        for u in rng.sample(self.users, max(2, len(self.users) // 100)):
            store = rng.choice(stores)
            u.promoter_of.add(store)
            self.promoters.setdefault(store, []).append(u.uid)
        for u in self.users:
            if rng.random() < 0.08 and self.promoters:
                store = rng.choice(sorted(self.promoters))
                u.promoter[store] = rng.choice(self.promoters[store])

    # --- reviews ------------------------------------------------------------------------------

    def pick_product(self) -> int:
        x = self.rng.random() * self.cum[-1]
        lo, hi = 0, len(self.cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.cum[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def stars(self, product: _Product, rng: random.Random | None = None) -> int:
        return int(min(5, max(1, round((rng or self.rng).gauss(product.mean, 0.85)))))

    def order(
        self, at: float, joined: float, price: int, rng: random.Random | None = None
    ) -> dict[str, object]:
        """An organic order behind a review written at `at`."""
        tracking = self.tracking_ids() if rng is None else f"ZT{rng.getrandbits(48):012x}"
        rng = rng or self.rng
        received = at - rng.uniform(0.05, 10) * DAY
        if rng.random() < 0.01:  # same-city delivery
            shipped = received - rng.uniform(0.4, 3) * HOUR
        else:
            shipped = received - rng.uniform(0.8, 4) * DAY
        paid = max(joined + 60, shipped - rng.uniform(0.05, 2) * DAY)
        r = rng.random()
        if r < 0.005:  # a new-user deal at a token price
            total = max(1, int(price * rng.uniform(0.0, 0.25)))
        elif r < 0.05:
            total = int(price * rng.uniform(0.4, 0.6))
        elif r < 0.2:
            total = int(price * rng.uniform(0.7, 0.95))
        else:
            total = price
        return {
            "paid_at": paid,
            "shipped_at": shipped,
            "received_at": received,
            "order_total": total,
            "list_price": price,
            "tracking": tracking,
        }

    def review(
        self,
        user: _User,
        index: int,
        at: float,
        stars: int,
        text: str,
        order: dict[str, object] | None = None,
        refunded: bool | None = None,
    ) -> ReviewRecord:
        product = self.products[index]
        if order is None:
            order = self.order(at, user.joined, product.price)
        if refunded is None:
            refunded = self.rng.random() < (0.06 if stars <= 2 else 0.008)
        return ReviewRecord(
            review_id=self.review_ids(),
            user=user.uid,
            product=product.pid,
            store=product.store,
            stars=stars,
            text=text,
            at=at,
            refunded_after=refunded,
            promoter=user.promoter.get(product.store, ""),
            **order,  # type: ignore[arg-type]
        )

    def _organic_reviews(self, user: _User) -> None:
        rng = self.rng
        n = int(min(300, max(1, round(rng.lognormvariate(math.log(5), 1.0)))))
        seen: set[int] = set()
        # Most people write their first review soon after they join (they joined to buy).
        first = rng.random() < 0.6
        for _ in range(n):
            if user.favourites and rng.random() < 0.35:
                index = rng.choice(user.favourites)
            else:
                index = self.pick_product()
            if index in seen:
                continue
            seen.add(index)
            life = NOW - user.joined
            if first:
                at = user.joined + min(life, rng.expovariate(1 / (7 * DAY)) + HOUR)
                first = False
            else:
                at = user.joined + life * rng.random() ** 0.8
            self.reviews.append(
                self.review(user, index, at, self.stars(self.products[index]), organic_text(rng))
            )
        self.history[user.uid] = sorted(seen)

    def account(self, user: _User) -> AccountRecord:
        return AccountRecord(
            user=user.uid,
            joined_at=user.joined,
            ip_prefixes=frozenset(user.prefixes),
            devices=frozenset(user.devices),
            addresses=frozenset(user.addresses),
            promoter_of=frozenset(user.promoter_of),
        )


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


@dataclass
class RingPlan:
    """One ring, the same at every camouflage level."""

    k: int
    m: int
    store: str
    targets: list[int]
    fresh: bool
    start: float
    hours: float
    evidence: float  # 0.4 (careful) … 1.0 (sloppy): scales every trace the ring leaves
    promoter: str  # "" none, "bound" (fakes bound to an organic promoter), "self" (one of them)


def plan_rings(organic: Organic, seed: int, count: int = 8) -> list[RingPlan]:
    rng = random.Random(seed * 7919 + 1)
    by_store: dict[str, list[int]] = {}
    for i, p in enumerate(organic.products):
        by_store.setdefault(p.store, []).append(i)
    plans: list[RingPlan] = []
    used_stores: set[str] = set()
    for r in range(count):
        k, m = rng.randint(8, 40), rng.randint(3, 10)
        candidates = [
            s
            for s, items in sorted(by_store.items())
            if s not in used_stores and sum(1 for i in items if organic.rank[i] > 150) >= m
        ]
        store = rng.choice(candidates)
        used_stores.add(store)
        # Mostly products from the long tail; one ring in three also pushes a better-known one.
        tail = [i for i in by_store[store] if organic.rank[i] > 300]
        mid = [i for i in by_store[store] if 60 < organic.rank[i] <= 300]
        rng.shuffle(tail)
        targets = tail[:m]
        if mid and r % 3 == 0:
            targets[-1] = rng.choice(mid)
        if len(targets) < m:
            rest = [i for i in by_store[store] if organic.rank[i] > 150 and i not in targets]
            targets += rest[: m - len(targets)]
        plans.append(
            RingPlan(
                k=k,
                m=m,
                store=store,
                targets=targets,
                fresh=rng.random() < 0.65,
                start=NOW - rng.uniform(5, 300) * DAY,
                hours=rng.uniform(6, 96),
                evidence=rng.uniform(0.4, 1.0),
                promoter=["", "", "bound", "", "self", "", "", ""][r % 8],
            )
        )
    return plans


def careful(plan: RingPlan) -> RingPlan:
    """The same ring run carefully: a third of the traces, spread over three and a half times
    as long (a day to two weeks)."""
    return replace(plan, evidence=round(plan.evidence * 0.3, 2), hours=plan.hours * 3.5)


def build_world(
    organic: Organic, camouflage: float, seed: int, *, careful_rings: bool = False
) -> World:
    """The organic graph plus the burst plus the rings at this camouflage level (a copy: the
    organic records are shared, the rest is new); `careful_rings`: every ring run carefully."""
    rng = random.Random(seed * 104729)
    truth = Truth()
    reviews = list(organic.reviews)
    users = {u.uid: u for u in organic.users}
    ids = _Ids(rng, "u")
    review_ids = _Ids(rng, "r")
    tracking_ids = _Ids(rng, "YT")

    def new_review(**kw: object) -> ReviewRecord:
        return ReviewRecord(review_id=review_ids(), **kw)  # type: ignore[arg-type]

    _burst(organic, random.Random(seed * 15485863), reviews, truth, review_ids)
    # Camouflage goes where honest buyers go: the best sellers (the top tenth), by popularity;
    # never another ring's target (that would be pushing, not hiding).
    targets = {t for plan in organic.plans for t in plan.targets}
    popular = [
        i for i in organic.by_rank[: max(20, len(organic.by_rank) // 10)] if i not in targets
    ]
    popular_weights = [organic.products[i].weight for i in popular]
    camouflage_rng = random.Random(seed * 104723 + int(camouflage * 100))
    plans = [careful(p) for p in organic.plans] if careful_rings else organic.plans
    for n, plan in enumerate(plans):
        rng = random.Random(seed * 1_000_003 + n)  # the ring itself: the same at every level
        ring_users: list[_User] = []
        farm_prefixes = [organic.new_prefix() for _ in range(rng.randint(1, 3))]
        farm_devices = [f"dev-{organic.new_prefix()}" for _ in range(2)]
        farm_addresses = [f"addr-{organic.new_prefix()}" for _ in range(2)]
        reused_tracking = [tracking_ids() for _ in range(rng.randint(2, 3))]
        templates = [ring_template(rng) for _ in range(2)]
        created = plan.start - rng.uniform(1, 20) * DAY
        e = plan.evidence
        bound_to = ""
        if plan.promoter == "bound" and organic.promoters.get(plan.store):
            bound_to = organic.promoters[plan.store][0]
        for _i in range(plan.k):
            joined = (
                created - rng.uniform(0, 3) * DAY
                if plan.fresh
                else NOW - rng.uniform(60, 730) * DAY
            )
            prefixes = {rng.choice(farm_prefixes) if rng.random() < 0.5 * e + 0.1 else ""}
            prefixes.discard("")
            if not prefixes:
                prefixes = {organic.new_prefix()}
            user = _User(
                ids(),
                min(joined, plan.start - HOUR),
                prefixes,
                {rng.choice(farm_devices) if rng.random() < 0.3 * e else f"dev-{ids()}"},
                {rng.choice(farm_addresses) if rng.random() < 0.25 * e else f"addr-{ids()}"},
            )
            if bound_to:
                user.promoter[plan.store] = bound_to
            ring_users.append(user)
        if plan.promoter == "self":
            ring_users[0].promoter_of.add(plan.store)
            for u in ring_users[1:]:
                u.promoter[plan.store] = ring_users[0].uid
        ring_reviews: list[str] = []
        for user in ring_users:
            users[user.uid] = user
            truth.ring_accounts.add(user.uid)
            own_text = rng.random() < 0.3 + 0.3 * (1 - e)
            picked = [t for t in plan.targets if rng.random() < 0.85] or [rng.choice(plan.targets)]
            for t in picked:
                product = organic.products[t]
                at = plan.start + rng.uniform(0, plan.hours) * HOUR
                received = at - rng.uniform(0.1, 2) * DAY
                fast = rng.random() < 0.3 * e
                shipped = received - (
                    rng.uniform(8, 50) * 60 if fast else rng.uniform(0.8, 3) * DAY
                )
                paid = max(user.joined + 60, shipped - rng.uniform(0.05, 1) * DAY)
                cheap = rng.random() < 0.4 * e
                reused = rng.random() < 0.3 * e
                r = new_review(
                    user=user.uid,
                    product=product.pid,
                    store=product.store,
                    stars=5 if rng.random() < 0.9 else 4,
                    text=organic_text(rng) if own_text else edited(rng.choice(templates), rng),
                    at=at,
                    paid_at=paid,
                    order_total=max(1, int(product.price * rng.uniform(0.0, 0.2)))
                    if cheap
                    else product.price,
                    list_price=product.price,
                    shipped_at=shipped,
                    received_at=received,
                    tracking=rng.choice(reused_tracking) if reused else tracking_ids(),
                    refunded_after=rng.random() < 0.15 * e,
                    promoter=user.promoter.get(product.store, ""),
                )
                reviews.append(r)
                truth.positives.add(r.review_id)
                ring_reviews.append(r.review_id)
            # Camouflage: honest-looking reviews of popular products, a share c of the account's.
            crng = camouflage_rng
            extra = round(len(picked) * camouflage / (1 - camouflage)) if camouflage else 0
            chosen: list[int] = []
            while len(chosen) < min(extra, len(popular)):
                pick = crng.choices(popular, popular_weights)[0]
                if pick not in chosen:
                    chosen.append(pick)
            for index in chosen:
                product = organic.products[index]
                at = plan.start + crng.uniform(-20, 30) * DAY
                at = min(NOW - HOUR, max(user.joined + HOUR, at))
                order = organic.order(at, user.joined, product.price, crng)
                order["order_total"] = product.price
                order["tracking"] = tracking_ids()
                r = new_review(
                    user=user.uid,
                    product=product.pid,
                    store=product.store,
                    stars=min(5, max(1, round(crng.gauss(product.mean, 0.85)))),
                    text=organic_text(crng),
                    at=at,
                    refunded_after=False,
                    promoter=user.promoter.get(product.store, ""),
                    **order,
                )
                reviews.append(r)
                truth.camouflage.add(r.review_id)
        truth.rings.append(
            {
                "ring": n,
                "k": plan.k,
                "m": plan.m,
                "fresh_accounts": plan.fresh,
                "evidence": round(plan.evidence, 2),
                "promoter": plan.promoter,
                "users": sorted(u.uid for u in ring_users),
                "reviews": len(ring_reviews),
            }
        )
    accounts = {uid: organic.account(u) for uid, u in users.items()}
    return World(reviews=reviews, accounts=accounts, truth=truth)


def _burst(
    organic: Organic,
    rng: random.Random,
    reviews: list[ReviewRecord],
    truth: Truth,
    review_ids: _Ids,
) -> None:
    """A product goes viral in a circle: ~150 established members, each with a history of
    their own, review it within a day, mostly five stars, through a group buy; a third of them
    are bound to the circle's promoter; the circle also shares a few favourite products of the
    same store, reviewed at their own pace over the months before."""
    candidates = [
        i for i in organic.by_rank[200:600] if organic.products[i].store in organic.promoters
    ] or organic.by_rank[200:600]
    viral = candidates[rng.randrange(len(candidates))]
    product = organic.products[viral]
    truth.burst_product = product.pid
    start = NOW - rng.uniform(10, 200) * DAY
    established = [
        u
        for u in organic.users
        if u.joined < start - 180 * DAY and len(organic.history.get(u.uid, ())) >= 2
    ]
    circle = rng.sample(established, min(150, len(established)))
    promoter = (organic.promoters.get(product.store) or [""])[0]
    same_store = [
        i for i, p in enumerate(organic.products) if p.store == product.store and i != viral
    ]
    favourites = rng.sample(same_store, min(3, len(same_store)))
    for user in circle:
        bound = rng.random() < 0.35 and promoter
        at = start + rng.uniform(0, 24) * HOUR
        order = organic.order(at, user.joined, product.price, rng)
        order["order_total"] = int(product.price * rng.uniform(0.7, 0.85))
        stars = rng.choices([5, 4, 3], [0.8, 0.15, 0.05])[0]
        r = ReviewRecord(
            review_id=review_ids(),
            user=user.uid,
            product=product.pid,
            store=product.store,
            stars=stars,
            text=organic_text(rng),
            at=at,
            refunded_after=False,
            promoter=promoter if bound else user.promoter.get(product.store, ""),
            campaign="groupbuy",
            **order,  # type: ignore[arg-type]
        )
        reviews.append(r)
        truth.burst_reviews.add(r.review_id)
        truth.burst_accounts.add(user.uid)
        for index in favourites:
            if rng.random() < 0.25 and index not in organic.history.get(user.uid, ()):
                fav = organic.products[index]
                when = start - rng.uniform(1, 150) * DAY
                reviews.append(
                    ReviewRecord(
                        review_id=review_ids(),
                        user=user.uid,
                        product=fav.pid,
                        store=fav.store,
                        stars=organic.stars(fav, rng),
                        text=organic_text(rng),
                        at=when,
                        promoter=user.promoter.get(fav.store, ""),
                        **organic.order(when, user.joined, fav.price, rng),  # type: ignore[arg-type]
                    )
                )
