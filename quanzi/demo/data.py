"""The demo data set loaded by `make run` (`manage.py load_demo`); idempotent."""

from __future__ import annotations

from typing import Any

DEMO_PASSWORD = "quanzi-demo-2026"
NICKNAMES = {"merchant": "山野小铺·阿山", "xiaomei": "小美", "ahua": "阿华", "operator": "平台运营"}
DEMO_LOGINS = [
    ("merchant", "13800000001", "Demo merchant (owner of 山野小铺)"),
    ("xiaomei", "13800000002", "Demo customer"),
    ("ahua", "13800000003", "Demo customer"),
    (
        "operator",
        "13800000009",
        "Platform operator (case queue at /trust/cases/, Django admin at /admin/)",
    ),
]


def print_logins(out: Any) -> None:
    out.write(f"Demo logins (username or phone, password {DEMO_PASSWORD}):\n")
    for username, phone, role in DEMO_LOGINS:
        out.write(f"  {username:<10} {phone}  {role}\n")


def on_serving(sender: Any, out: Any, **kwargs: Any) -> None:
    """`manage.py serve` starts: show the demo logins under the address."""
    print_logins(out)


PRODUCTS: list[dict[str, Any]] = [
    {
        "title": "云南小粒咖啡豆 保山高山产区",
        "subtitle": "中深烘焙，坚果与可可风味，现烘现发",
        "category": "咖啡茶饮",
        "specs": [("烘焙度", ("中烘", "深烘")), ("重量", ("250g", "500g"))],
        "prices": [5900, 9900, 5900, 9900],
        "colours": ((120, 72, 40), (40, 24, 14)),
        "shape": "round",
        "description": "产自云南保山海拔 1300 米以上的小粒咖啡，日晒处理。每周两次小批量烘焙，"
        "烘焙后 48 小时内发货。适合手冲、法压和意式。",
    },
    {
        "title": "古树普洱生茶饼 357克",
        "subtitle": "临沧古树春茶，干仓存放三年",
        "category": "咖啡茶饮",
        "specs": [("年份", ("2021", "2023"))],
        "prices": [26800, 19800],
        "colours": ((96, 120, 60), (30, 46, 20)),
        "shape": "round",
        "description": "临沧百年古树春茶，石磨压制，昆明干仓存放。汤色金黄，回甘持久。",
    },
    {
        "title": "野生菌菇干货礼盒",
        "subtitle": "松茸 · 羊肚菌 · 牛肝菌，山里人家手工晾晒",
        "category": "山货特产",
        "specs": [("规格", ("家庭装", "礼盒装"))],
        "prices": [12800, 23800],
        "colours": ((170, 120, 70), (70, 40, 20)),
        "shape": "box",
        "description": "雨季采自滇中山林，当天挑拣、晾晒，无硫熏。炖汤、炒菜皆宜。",
    },
    {
        "title": "玫瑰鲜花饼 12枚装",
        "subtitle": "墨红玫瑰现做，酥皮不油腻",
        "category": "山货特产",
        "specs": [("口味", ("玫瑰", "玫瑰+茉莉"))],
        "prices": [4800, 5200],
        "colours": ((220, 110, 140), (120, 30, 60)),
        "shape": "round",
        "description": "安宁八街墨红玫瑰，花瓣现采现腌。保质期 20 天，收到后请尽快食用。",
    },
    {
        "title": "手工扎染围巾",
        "subtitle": "大理周城白族扎染，植物蓝靛",
        "category": "手作好物",
        "specs": [("颜色", ("靛蓝", "浅蓝")), ("尺寸", ("180×70cm", "200×90cm"))],
        "prices": [16800, 18800, 16800, 18800],
        "colours": ((60, 90, 160), (20, 30, 70)),
        "shape": "leaf",
        "description": "板蓝根发酵的靛蓝染料，手工捆扎、浸染、晾晒，每一条花纹都不一样。",
    },
    {
        "title": "高原百花蜂蜜 500g",
        "subtitle": "怒江峡谷土蜂，一年只取一次",
        "category": "山货特产",
        "specs": [("规格", ("单瓶", "两瓶装"))],
        "prices": [6800, 12800],
        "colours": ((240, 180, 60), (160, 90, 10)),
        "shape": "jar",
        "description": "中华土蜂，成熟蜜，波美度 42 以上。低温下会结晶，属正常现象。",
    },
    {
        "title": "竹编收纳篮",
        "subtitle": "慈竹手工编织，防潮耐用",
        "category": "手作好物",
        "specs": [("尺寸", ("小号", "中号", "大号"))],
        "prices": [3900, 5900, 7900],
        "colours": ((190, 160, 100), (100, 80, 40)),
        "shape": "box",
        "description": "老师傅手工编织，竹篾经蒸煮防蛀处理。可放水果、杂物、毛线。",
    },
    {
        "title": "玫瑰花酱 280g",
        "subtitle": "抹面包、冲水、做甜品",
        "category": "山货特产",
        "specs": [],
        "prices": [3600],
        "colours": ((200, 60, 90), (110, 20, 40)),
        "shape": "jar",
        "description": "玫瑰花瓣与红糖慢熬，无添加防腐剂，开盖后请冷藏。",
    },
]

REVIEWS = [
    (5, "豆子很新鲜，包装上有烘焙日期，手冲有明显的坚果香。群里推荐的果然没错！"),
    (4, "味道不错，就是快递慢了一天。店主在群里回复很及时。"),
    (5, "第二次回购了，送朋友也很体面。"),
]


def _demo_products(merchant: Any, store: Any, operator: Any) -> list[Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from quanzi.catalog import services as catalog
    from quanzi.catalog.models import Category
    from quanzi.catalog.services import ProductInput, SkuInput, Spec
    from quanzi.demo.images import product_photo

    categories: dict[str, Any] = {}
    products = []
    for n, item in enumerate(PRODUCTS):
        name = item["category"]
        if name not in categories:
            categories[name] = Category.objects.filter(
                name=name
            ).first() or catalog.create_category(operator, name)
        specs = [Spec(attr, values) for attr, values in item["specs"]]
        combos = catalog.combinations(specs) if specs else [{}]
        skus = [
            SkuInput(spec_values=combo, price=price, stock=60 + 7 * i, code=f"SY{n:02d}{i:02d}")
            for i, (combo, price) in enumerate(zip(combos, item["prices"], strict=True))
        ]
        product = catalog.create_product(
            merchant,
            store.pk,
            ProductInput(
                title=item["title"],
                subtitle=item["subtitle"],
                description=item["description"],
                category_id=categories[name].pk,
                specs=specs,
                skus=skus,
            ),
        )
        top, bottom = item["colours"]
        name, tagline = item["title"].split()[0], item["subtitle"][:16]
        for k, (t, b) in enumerate(((top, bottom), (bottom, top))):
            photo = product_photo(name, tagline, t, b, item["shape"])
            catalog.add_image(
                merchant, product.pk, SimpleUploadedFile(f"demo{n}-{k}.jpg", photo, "image/jpeg")
            )
        products.append(catalog.set_shelf(merchant, product.pk, True))
    return products


def _address(user: Any, recipient: str, city: str, detail: str) -> None:
    from quanzi.accounts.services import AddressInput, save_address

    save_address(
        user,
        AddressInput(
            recipient=recipient, phone=user.phone, province="云南省", city=city, detail=detail
        ),
        make_default=True,
    )


def _pay(buyer: Any, orders: list[Any]) -> None:
    """Pay through the sandbox gateway as the buyer would on its page."""
    from django.test import override_settings

    from quanzi.orders.services.paying import start_payment
    from quanzi.payments.providers.sandbox import confirm_charge

    with override_settings(QUANZI_SANDBOX_DELIVERY="inline"):
        payment = start_payment(buyer, orders)
        confirm_charge(buyer, payment.provider_ref)


def _demo_orders(merchant: Any, customers: list[Any], products: list[Any]) -> None:
    from quanzi.orders.services.checkout import buy_now
    from quanzi.orders.services.transitions import confirm_receipt, ship_order
    from quanzi.reviews.services import write_review

    xiaomei, ahua = customers
    # 小美: a coffee order that arrived and was reviewed, a tea order on its way, one unpaid.
    for k, (buyer, product) in enumerate(
        ((xiaomei, products[0]), (ahua, products[0]), (xiaomei, products[3]))
    ):
        order = buy_now(buyer, product.skus.order_by("created_at").first().pk, 1 + k % 2)
        _pay(buyer, [order])
        ship_order(merchant, order.pk, "SF", f"SF10{k}8832{k}47601")
        confirm_receipt(buyer, order.pk)
        item = order.items.get()
        stars, text = REVIEWS[k]
        write_review(buyer, order.pk, item.pk, stars, text, anonymous=(k == 1))
    shipped = buy_now(xiaomei, products[1].skus.first().pk, 1)
    _pay(xiaomei, [shipped])
    ship_order(merchant, shipped.pk, "ZTO", "78812345678901")
    paid = buy_now(ahua, products[4].skus.first().pk, 1)
    _pay(ahua, [paid])
    buy_now(ahua, products[5].skus.first().pk, 2)  # awaiting payment


# The product card comes fifth: the circle's commercial budget (20 % by default) lets one card
# in for every four other messages.
CHAT = [
    ("xiaomei", "text", "上次买的咖啡豆喝完了，这周有新豆子吗？"),
    ("merchant", "text", "有的！保山的新产季到了，中烘和深烘都有 ☕"),
    ("ahua", "text", "我买了深烘 500g，手冲很香，推荐给大家 👍"),
    ("xiaomei", "text", "@阿华 你是用什么滤杯冲的呀？"),
    ("merchant", "product", "新豆子在这里，群里的朋友下单满 99 包邮"),
]


def _demo_circle(users: dict[str, Any], store: Any, products: list[Any]) -> None:
    """A store circle with the two customers, a little chat with a product card, and a launch
    countdown for a product that goes on sale in three days at 20:00 (Beijing time)."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from quanzi.catalog import services as catalog
    from quanzi.catalog.services import ProductInput, SkuInput, Spec
    from quanzi.circles.services import announcements, chat, membership

    merchant = users["merchant"]
    circle = membership.create_circle(
        merchant,
        membership.CircleInput(
            name="山野小铺 · 老朋友群",
            store_id=store.pk,
            description="一起聊咖啡、茶和山里的好东西。新品先在群里试吃、开售。",
            rules="友善交流，不发广告链接。商品问题直接 @阿山。",
        ),
    )
    for name in ("xiaomei", "ahua"):
        membership.join_circle(users[name], circle.pk)
    for n, (who, kind, text) in enumerate(CHAT):
        extra = {"product_id": products[0].pk} if kind == "product" else {}
        chat.send_message(
            users[who], circle.pk, kind=kind, text=text, client_id=f"demo-{n}", **extra
        )
    winter = catalog.create_product(
        merchant,
        store.pk,
        ProductInput(
            title="冬季限定 普洱熟茶砖 250克",
            subtitle="老茶头拼配，暖胃醇厚",
            description="冬季限定，只做 300 片。",
            specs=[Spec("规格", ("单片",))],
            skus=[SkuInput({"规格": "单片"}, 8800, 300, "SYW01")],
        ),
    )
    shanghai = ZoneInfo("Asia/Shanghai")
    day = timezone.now().astimezone(shanghai).date() + timedelta(days=3)
    announcements.create_announcement(
        merchant,
        circle.pk,
        title="新品 3 天后 20:00 开售：冬季限定普洱熟茶砖",
        body="老茶头拼配，只做 300 片。开售前一小时群里发红包！",
        product_id=winter.pk,
        launch_at=datetime.combine(day, time(20, 0), tzinfo=shanghai),
    )


def _demo_coupons(users: dict[str, Any], store: Any) -> Any:
    """Working coupons of the demo store: a no-threshold coupon, a 满减, a percentage with a
    cap, and a join cashback (加入社群返现) only the system hands out. 小美 claims the 满减.
    Returns the 满减, which the launch announcement carries."""
    from datetime import timedelta

    from django.utils import timezone

    from quanzi.coupons import coupons

    merchant = users["merchant"]
    days: dict[str, Any] = {"validity": "days", "valid_days": 30}
    coupons.create_coupon(
        merchant,
        store.pk,
        coupons.CouponFields(
            name="新朋友立减 5 元", kind="fixed", amount_off=500, total=200, **days
        ),
    )
    threshold = coupons.create_coupon(
        merchant,
        store.pk,
        coupons.CouponFields(
            name="满 99 减 15",
            kind="threshold",
            amount_off=1500,
            min_spend=9900,
            total=500,
            per_user_limit=2,
            **days,
        ),
    )
    now = timezone.now()
    coupons.create_coupon(
        merchant,
        store.pk,
        coupons.CouponFields(
            name="咖啡节 88 折",
            kind="percent",
            percent_off=12,
            max_off=3000,
            min_spend=5000,
            validity="window",
            valid_from=now,
            valid_until=now + timedelta(days=30),
            total=300,
        ),
    )
    cashback = coupons.create_coupon(
        merchant,
        store.pk,
        coupons.CouponFields(
            name="入群礼 满 50 减 8",
            kind="threshold",
            amount_off=800,
            min_spend=5000,
            total=1000,
            claimable=False,
            **days,
        ),
    )
    coupons.update_campaign_settings(
        merchant, store.pk, coupons_on_campaign_price=False, join_cashback_id=cashback.pk
    )
    coupons.claim_coupon(users["xiaomei"], threshold.pk)
    return threshold


def _demo_announcement_coupon(merchant: Any, coupon: Any) -> None:
    """The launch announcement of the store circle carries the 满减 coupon."""
    from quanzi.circles.models import Announcement
    from quanzi.circles.services.coupons import attach_to_announcement

    announcement = Announcement.objects.get(circle__store_id=coupon.store_id)
    attach_to_announcement(merchant, announcement.circle_id, announcement.pk, coupon.pk)


def _demo_distribution(merchant: Any, store: Any) -> None:
    """The store runs a promoter programme (10 % / 3 %, withdrawals from ¥10) and rewards a
    sharer with 10 points for each first-time circle member their link brings (20 a day)."""
    from quanzi.referrals.models import BindingMode, RewardKind, RewardTrigger
    from quanzi.referrals.services import programme, rewards

    programme.configure(
        merchant,
        store.pk,
        programme.DistributionChange(
            enabled=True,
            level1_rate_bp=1000,
            level2_rate_bp=300,
            binding_mode=BindingMode.TIME_LIMITED,
            binding_days=30,
            min_withdrawal=1000,
        ),
    )
    rewards.configure_rule(
        merchant,
        store.pk,
        RewardTrigger.NEW_MEMBER,
        rewards.RewardRuleChange(is_active=True, reward=RewardKind.POINTS, points=10, daily_cap=20),
    )


def _demo_campaigns(merchant: Any, store: Any, products: list[Any]) -> tuple[Any, Any, Any]:
    """A week-long 3-person group buy of the first product (¥10 off each SKU), a bargain on the
    second product's first SKU down to a third of its price with 3 helpers, and a flash sale of
    20 units of the third product at half price for the next 6 hours."""
    from datetime import timedelta

    from django.utils import timezone

    from quanzi.campaigns.bargains import services as bargains
    from quanzi.campaigns.flashsales import services as flashsales
    from quanzi.campaigns.groupbuy import services as groupbuy
    from quanzi.core.money import format_fen

    now = timezone.now()
    week_end = now + timedelta(days=7)
    group_product, bargain_product, flash_product = products[0], products[1], products[2]
    group_campaign = groupbuy.create_campaign(
        merchant,
        store.pk,
        groupbuy.GroupBuyFields(
            product_id=group_product.pk,
            prices={sku.pk: max(sku.price - 1000, 1) for sku in group_product.skus.all()},
            team_size=3,
            hours=24,
            starts_at=now,
            ends_at=week_end,
        ),
    )
    sku = bargain_product.skus.order_by("price").first()
    floor = max(sku.price // 3, 1)
    bargain_campaign = bargains.create_campaign(
        merchant,
        store.pk,
        bargains.BargainInput(
            sku_id=sku.pk,
            title=f"砍价低至 {format_fen(floor)}：{bargain_product.title}",
            start_price=sku.price,
            floor_price=floor,
            helpers_needed=3,
            hours=48,
            max_helps_per_user=3,
            spread_percent=50,
            starts_at=now,
            ends_at=week_end,
        ),
    )
    sku = flash_product.skus.order_by("price").first()
    flash = flashsales.create_flash_sale(
        merchant,
        store.pk,
        flashsales.FlashSaleFields(
            sku_id=sku.pk,
            flash_price=max(sku.price // 2, 1),
            stock=20,
            starts_at=now,
            ends_at=now + timedelta(hours=6),
        ),
    )
    return group_campaign, bargain_campaign, flash


FRIENDS = [
    ("xiaolin", "小林"),
    ("ajie", "阿杰"),
    ("xiaoyu", "小雨"),
    ("dapeng", "大鹏"),
    ("azhen", "阿珍"),
    ("xiaozhou", "小周"),
    ("laoma", "老马"),
]
PHONE_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Quanzi-demo"
COFFEE_CHAT = [
    ("xiaolin", "今天试了 1:15 的粉水比，酸质更明亮了"),
    ("ajie", "我还是喜欢 1:16，甜感更好"),
    ("xiaoyu", "新手求推荐手冲壶 🙏"),
    ("xiaolin", "细口壶就行，先别买太贵的"),
    ("ajie", "周末一起去阿山店里试新豆？"),
    ("xiaoyu", "好呀！"),
]


def _demo_insights(
    users: dict[str, Any], store: Any, products: list[Any], campaigns: tuple[Any, Any, Any]
) -> None:
    """What makes the merchant's insights meaningful on the first run: a share chain three
    levels deep (小美 → 阿华 → 小林 → 阿杰, each sharing on) with a branch and visits that did
    not buy, a note
    that sold, and three circles of different health — a lively coffee circle, the store's
    circle, and a quiet one whose members never talk. The visits go through the pages as a
    phone would (so the events are the real ones), then the rollup runs once."""
    from django.test import Client, override_settings

    from quanzi.accounts.services import sign_up
    from quanzi.circles.services import chat, membership
    from quanzi.insights.touches import attribute_all
    from quanzi.orders.services.checkout import buy_now
    from quanzi.referrals.services.links import SESSION_KEY, attribute_order, share_link
    from quanzi.social.services.notes import create_note
    from quanzi.tracking import recorder
    from quanzi.tracking import services as tracking

    people = dict(users)
    for n, (username, nickname) in enumerate(FRIENDS):
        people[username] = sign_up(
            username=username,
            phone=f"1390000{n:04d}",
            password=DEMO_PASSWORD,
            nickname=nickname,
        )
        _address(people[username], nickname, "昆明市", f"盘龙区北京路 {100 + n} 号")
    cake = products[3]
    sku = cake.skus.order_by("price").first()

    def phone(user: Any) -> Client:
        client = Client(HTTP_USER_AGENT=PHONE_AGENT)
        client.force_login(user)
        return client

    def arrive(user: Any, code: str, *, buys: int = 0) -> None:
        client = phone(user)
        client.get(f"/s/{code}", follow=True)  # the share page, then the product page
        if buys:
            order = buy_now(user, sku.pk, buys)
            attribute_order(order, client.session.get(SESSION_KEY))
            _pay(user, [order])

    with override_settings(ALLOWED_HOSTS=["testserver"]):
        first = share_link(people["xiaomei"], "product", cake.pk)
        arrive(people["ahua"], first.code, buys=2)
        second = share_link(people["ahua"], "product", cake.pk, parent_code=first.code)
        arrive(people["xiaolin"], second.code, buys=1)
        third = share_link(people["xiaolin"], "product", cake.pk, parent_code=second.code)
        arrive(people["ajie"], third.code, buys=1)
        fourth = share_link(people["ajie"], "product", cake.pk, parent_code=third.code)
        arrive(people["dapeng"], fourth.code)
        arrive(people["xiaoyu"], first.code, buys=1)
        arrive(people["azhen"], first.code)
        # a note about the honey, which 老马 read and bought from
        honey = products[5]
        note = create_note(
            people["xiaomei"],
            title="蜂蜜冲水，早上一杯",
            body="怒江的土蜂蜜，结晶了也别担心，温水一冲就化。",
            product_ids=[honey.pk],
        )
        from quanzi.social.services.notes import add_comment, set_like

        for username in ("laoma", "ahua", "xiaoyu"):
            set_like(people[username], note.pk, True)
        add_comment(people["laoma"], note.pk, "已下单，等着早上冲一杯！")
        phone(people["laoma"]).get(f"/products/{honey.pk}/?src=note&via={note.pk}")
        _pay(people["laoma"], [buy_now(people["laoma"], honey.skus.first().pk, 1)])
        # 小周 found the store through search and only looked
        phone(people["xiaozhou"]).get(f"/products/{products[0].pk}/?src=search")

    # campaign results: 阿华's group buy fills with the friends she shared it with, 小美's
    # bargain gets three helps and is bought, three friends buy in the flash sale
    from quanzi.campaigns.bargains import services as bargains
    from quanzi.campaigns.flashsales import services as flashsales
    from quanzi.campaigns.groupbuy import services as groupbuy

    group_campaign, bargain_campaign, flash = campaigns
    coffee = group_campaign.product.skus.order_by("price").first()
    opened = groupbuy.open_group(people["ahua"], group_campaign.pk, coffee.pk)
    _pay(people["ahua"], [opened.order])
    group_id = opened.group.pk
    invite = share_link(people["ahua"], "group", group_id)
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for username in ("xiaolin", "ajie"):
            phone(people[username]).get(f"/s/{invite.code}", follow=True)
            seat = groupbuy.join_group(people[username], group_id, coffee.pk)
            _pay(people[username], [seat.order])
    bargain = bargains.start_bargain(people["xiaomei"], bargain_campaign.pk)
    for username in ("dapeng", "azhen", "xiaozhou"):
        bargains.help_bargain(people[username], bargain.pk)
    _pay(people["xiaomei"], [bargains.buy_bargain(people["xiaomei"], bargain.pk)])
    for username in ("xiaoyu", "laoma", "dapeng"):
        _pay(people[username], [flashsales.buy_flash_sale(people[username], flash.pk)])

    # three circles of different health
    lively = membership.create_circle(
        users["merchant"],
        membership.CircleInput(
            name="手冲咖啡交流群",
            store_id=store.pk,
            description="粉水比、滤杯、豆子，什么都聊。",
        ),
    )
    for username in ("xiaolin", "ajie", "xiaoyu", "xiaomei"):
        membership.join_circle(people[username], lively.pk)
    for n, (who, text) in enumerate(COFFEE_CHAT):
        chat.send_message(people[who], lively.pk, kind="text", text=text, client_id=f"coffee-{n}")
    chat.send_message(
        people["xiaolin"],
        lively.pk,
        kind="product",
        text="配咖啡的鲜花饼，我买了两次了",
        client_id="coffee-cake",
        product_id=cake.pk,
    )
    quiet = membership.create_circle(
        users["merchant"],
        membership.CircleInput(
            name="山野小铺 · 福利群", store_id=store.pk, description="福利和上新提醒。"
        ),
    )
    for username in ("dapeng", "azhen", "xiaozhou", "laoma"):
        membership.join_circle(people[username], quiet.pk)

    recorder.flush()
    with override_settings(TRACKING_ROLLUP_LAG_SECONDS=0):
        tracking.roll_up_all()
        attribute_all()


NEEDS_CHAT = [
    # (circle, who, text): wishes, motives and moods the needs page and the segments pick up
    ("手冲咖啡交流群", "xiaolin", "鲜花饼配手冲绝了，就是有点甜，希望有无糖款"),
    ("手冲咖啡交流群", "ajie", "能不能出个不加糖的玫瑰花酱？最近在控糖"),
    ("手冲咖啡交流群", "xiaoyu", "想要无糖款+1，给我妈买，她血糖有点高"),
    ("手冲咖啡交流群", "xiaolin", "加班到十点，回家冲一杯犒劳自己，整个人都放松了"),
    ("山野小铺 · 老朋友群", "xiaomei", "有没有大包装的咖啡豆？家里三个人喝得特别快"),
    ("山野小铺 · 老朋友群", "ahua", "希望出个家庭装，250克两周就喝完了"),
    ("山野小铺 · 老朋友群", "xiaomei", "想送婆婆当生日礼物，菌菇礼盒能帮忙写张贺卡吗？"),
    ("山野小铺 · 福利群", "dapeng", "上次的鲜花饼压碎了好几个，有点失望"),
    ("山野小铺 · 福利群", "azhen", "蜂蜜很香，比超市买的好太多了，已经回购"),
]


def _demo_needs(store: Any) -> None:
    """What the community says: wishes (无糖款 asked three ways, 家庭装 twice), a gift and a
    self-reward, a complaint and praise, analysed at once; then the merchant's tags, RFM and a
    segment of the people who asked for 无糖款, so the customers and needs pages are full."""
    from quanzi.accounts.models import User
    from quanzi.circles.models import Circle
    from quanzi.circles.services import chat
    from quanzi.customers.services import rfm, segments, tags
    from quanzi.needs.models import Wish
    from quanzi.needs.services.analysis import analyse_pending

    circles = {c.name: c for c in Circle.objects.filter(store=store)}
    for n, (circle, who, text) in enumerate(NEEDS_CHAT):
        user = User.objects.get(username=who)
        chat.send_message(user, circles[circle].pk, kind="text", text=text, client_id=f"needs-{n}")
    analyse_pending()

    interests = tags.create_group(store, "兴趣")
    coffee = tags.create_tag(store, tags.TagFields(name="手冲爱好者", group=interests.pk))
    tags.add_tag(coffee, User.objects.filter(username__in=("xiaolin", "ajie", "xiaoyu")))
    tags.create_tag(
        store,
        tags.TagFields(name="消费满200", rule={"kind": "spend", "op": "gte", "value": 20000}),
    )
    tags.create_tag(
        store, tags.TagFields(name="沉睡客户", rule={"kind": "lifecycle", "stage": "sleeping"})
    )
    tags.create_tag(
        store, tags.TagFields(name="圈子活跃", rule={"kind": "active", "days": 7, "messages": 2})
    )
    rfm.compute(store)
    sugar_free = Wish.objects.filter(store=store, label__contains="无糖").order_by("-mention_count")
    wish = sugar_free.first()
    if wish is not None:
        segments.create_segment(
            store,
            None,
            segments.SegmentFields(
                name="想要无糖款的人", definition={"kind": "wish", "wish": wish.pk}
            ),
        )


# A 刷单 ring for the operators' queue: eight accounts signed up together from one network and
# one phone model, five shipping to one flat, each five-starring the same three products.
RING_TEXTS = [
    "东西很好，包装精美，物流很快，五星好评！",
    "东西很好，包装精美，物流很快，五星好评！！",
    "东西很好，包装很精美，物流很快，五星好评！",
    "东西很好，包装精美，物流超快，五星好评！",
]
RING_PHONE = "Mozilla/5.0 (Linux; Android 10; SM-G9750) AppleWebKit/537.36 Chrome/96.0 Mobile"
# Complaints in the coffee circle: the merchant's reputation alert about the flower cakes.
COMPLAINTS = [
    ("xiaolin", "这次的鲜花饼压碎了一半，盒子都瘪了"),
    ("ajie", "我的鲜花饼也碎了，还有点受潮，质量差"),
    ("xiaoyu", "鲜花饼收到全是渣，太失望了"),
    ("xiaomei", "+1，鲜花饼包装不行，碎了好几个"),
    ("xiaolin", "鲜花饼这样送人没法送，要投诉了"),
]


def _demo_trust(users: dict[str, Any], store: Any, products: list[Any]) -> None:
    """What trust and safety shows on the first run: a ring the analysis finds and holds (the
    operator's queue has its case; the products' ratings leave its reviews out), and complaints
    about the flower cakes spreading in the coffee circle (the merchant's alert)."""
    from quanzi.accounts.models import User
    from quanzi.accounts.services import sign_up
    from quanzi.circles.models import Circle
    from quanzi.circles.services import chat
    from quanzi.needs.services.analysis import analyse_pending
    from quanzi.orders.services.checkout import buy_now
    from quanzi.orders.services.transitions import confirm_receipt, ship_order
    from quanzi.reviews.services import write_review
    from quanzi.trust.prints import device_of, ip_prefix, upsert
    from quanzi.trust.services.analysis import run_analysis

    targets = [products[1], products[2], products[4]]
    device = device_of(RING_PHONE, "zh-CN")
    for n in range(8):
        fan = sign_up(
            username=f"fan{n + 1}",
            phone=f"1370000{n:04d}",
            password=DEMO_PASSWORD,
            nickname=f"用户{8841 + 37 * n}",
        )
        if n < 5:
            _address(fan, "张先生", "昆明市", "官渡区春城路 9 号 3 栋 502")
        else:
            _address(fan, f"李{n}", "昆明市", f"官渡区关上 {n} 号")
        upsert(fan.pk, ip_prefix(f"117.136.50.{20 + n}"), device)
        for k, product in enumerate(targets):
            order = buy_now(fan, product.skus.order_by("price").first().pk, 1)
            _pay(fan, [order])
            ship_order(users["merchant"], order.pk, "YTO", f"YT880160{k}0000{n % 3}")
            confirm_receipt(fan, order.pk)
            write_review(fan, order.pk, order.items.get().pk, 5, RING_TEXTS[(n + k) % 4])
    run_analysis()

    coffee = Circle.objects.get(store=store, name="手冲咖啡交流群")
    for n, (who, text) in enumerate(COMPLAINTS):
        user = User.objects.get(username=who)
        chat.send_message(user, coffee.pk, kind="text", text=text, client_id=f"complaint-{n}")
    analyse_pending()


def load_demo() -> bool:
    """Create the demo data set unless it exists; True when something was created."""
    from django.db import transaction

    from quanzi.accounts.models import User
    from quanzi.accounts.services import sign_up
    from quanzi.stores.services import StoreInput, open_store

    if User.objects.filter(username="merchant").exists():
        return False
    with transaction.atomic():
        users = {}
        for username, phone, _role in DEMO_LOGINS:
            users[username] = sign_up(
                username=username, phone=phone, password=DEMO_PASSWORD, nickname=NICKNAMES[username]
            )
        operator = users["operator"]
        operator.is_staff = operator.is_superuser = True
        operator.save(update_fields=["is_staff", "is_superuser"])
        store = open_store(
            users["merchant"],
            StoreInput(
                name="山野小铺",
                description="云南山货与手作好物。我们在社群里和老朋友一起挑货、试吃、聊天。",
                shipping_policy="下单后 48 小时内发货，默认顺丰 / 中通。满 99 元包邮。",
                after_sales_policy="收货 7 天内可申请退款；食品类拆封后不退换，质量问题包退。",
                shipping_fee=800,
                free_shipping_threshold=9900,
            ),
        )
        products = _demo_products(users["merchant"], store, operator)
        _address(users["xiaomei"], "李小美", "昆明市", "五华区翠湖南路 12 号")
        _address(users["ahua"], "王阿华", "大理市", "古城人民路 88 号")
    _demo_orders(users["merchant"], [users["xiaomei"], users["ahua"]], products)
    threshold = _demo_coupons(users, store)
    _demo_circle(users, store, products)  # the customers joining get the join cashback
    _demo_announcement_coupon(users["merchant"], threshold)
    _demo_distribution(users["merchant"], store)
    campaigns = _demo_campaigns(users["merchant"], store, products)
    _demo_insights(users, store, products, campaigns)
    _demo_needs(store)
    _demo_trust(users, store, products)
    return True
