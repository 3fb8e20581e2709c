"""The objects the API fuzz tests aim at: a merchant's store with everything a store can have,
and a customer who has done everything a customer can do in it. Money in fen.

Built through the services, the way the people would have made them. `World.ids(role, path,
name)` gives the real values of a path parameter for an operation, the role's own objects where
ownership matters (addresses, orders, payments), so that id-taking operations reach the services
instead of stopping at a 404.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from quanzi.accounts.models import ApiToken, User
from quanzi.accounts.services import AddressInput, save_address
from quanzi.campaigns.bargains import services as bargains
from quanzi.campaigns.flashsales import services as flashsales
from quanzi.campaigns.groupbuy import services as groupbuy
from quanzi.campaigns.redpackets import services as redpackets
from quanzi.catalog.models import Product
from quanzi.catalog.services import (
    ProductInput,
    SkuInput,
    Spec,
    add_image,
    create_product,
    set_shelf,
)
from quanzi.circles.services.announcements import create_announcement
from quanzi.circles.services.chat import report_message, send_message
from quanzi.circles.services.membership import CircleInput, create_circle, join_circle
from quanzi.coupons.coupons import CouponFields, claim_coupon, create_coupon
from quanzi.ledger.services import post_transaction
from quanzi.orders.models import Order
from quanzi.orders.services.aftersales import request_after_sale
from quanzi.orders.services.checkout import buy_now
from quanzi.orders.services.paying import start_payment
from quanzi.orders.services.payment_events import on_payment_captured
from quanzi.orders.services.transitions import confirm_receipt, ship_order
from quanzi.payments.accounts import provider_account
from quanzi.referrals.services import programme, rewards
from quanzi.referrals.services.links import share_link
from quanzi.referrals.services.withdrawals import request_withdrawal
from quanzi.reviews.services import write_review
from quanzi.social.services import graph
from quanzi.social.services.notes import add_comment, create_note
from quanzi.stores.services import StoreInput, add_staff, open_store
from quanzi.wallets import services as wallets
from tests.factories import UserFactory
from tests.referrals.withdrawal_helpers import earn

ROLES = ("merchant", "customer")

ADDRESS = AddressInput(
    recipient="王五",
    phone="13712345678",
    province="四川省",
    city="成都市",
    district="武侯区",
    detail="天府大道 9 号",
)


@dataclass
class Person:
    user: User
    token: str
    own: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class World:
    people: dict[str, Person]
    shared: dict[str, list[str]]
    # Parameters whose name means different things under different paths.
    by_path: dict[tuple[str, str], list[str]]

    def token(self, role: str) -> str:
        return self.people[role].token

    def ids(self, role: str, path: str, name: str) -> list[str]:
        for (prefix, param), values in self.by_path.items():
            if param == name and path.startswith(prefix):
                return values
        return self.people[role].own.get(name) or self.shared.get(name, [])


def _person(user: User) -> Person:
    _, raw = ApiToken.issue(user)
    return Person(user=user, token=raw)


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def _product(owner: User, store_id: str, title: str, *prices: int) -> Product:
    sizes = [f"{n + 1}号" for n in range(len(prices))]
    skus = [
        SkuInput(spec_values={"规格": size}, price=price, stock=50, code=f"{title}-{size}")
        for size, price in zip(sizes, prices, strict=True)
    ]
    data = ProductInput(title=title, specs=[Spec("规格", tuple(sizes))], skus=skus)
    product = create_product(owner, store_id, data)
    return set_shelf(owner, product.pk, True)


def _paid(customer: User, sku_id: str, ref: str) -> Order:
    order = buy_now(customer, sku_id, 1)
    on_payment_captured(order.pk, ref)
    return order


def _fund_wallet(user: User, amount: int) -> None:
    """What a wallet top-up posts: the provider's money into the user's wallet."""
    code = wallets.wallet_account(user)
    lines = [(provider_account("sandbox"), amount), (code, -amount)]
    post_transaction("test.topup", f"fuzz-{user.pk}", lines)


def build_world() -> World:
    merchant, customer = _person(UserFactory()), _person(UserFactory())
    owner, buyer = merchant.user, customer.user
    staff, promoter, seller = UserFactory(), UserFactory(), UserFactory()

    # given a store with a staff member, three products on the shelf (one with a photo) and a
    # coupon the customer claimed
    store = open_store(owner, StoreInput(name="模糊测试小店"))
    add_staff(owner, store.pk, staff.username)
    coffee = _product(owner, store.pk, "fuzz-coffee", 5900, 9900)
    tea = _product(owner, store.pk, "fuzz-tea", 3900)
    honey = _product(owner, store.pk, "fuzz-honey", 6800)
    image = add_image(owner, coffee.pk, jpeg())
    coupon = create_coupon(
        owner,
        store.pk,
        CouponFields(
            name="满50减10",
            kind="threshold",
            amount_off=1000,
            min_spend=5000,
            validity="days",
            valid_days=7,
            total=100,
        ),
    )
    claim_coupon(buyer, coupon.pk)
    coffee_skus = [sku.pk for sku in coffee.skus.order_by("price")]

    # ... the customer's orders there: one paid and waiting on a refund request, one received
    # and reviewed, one unpaid with a payment started
    save_address(buyer, ADDRESS, make_default=True)
    asked = _paid(buyer, coffee_skus[0], "pay_fuzz_000001")
    after_sale = request_after_sale(
        buyer, asked.pk, kind="refund_only", amount=asked.total, reason="不想要了"
    )
    received = _paid(buyer, coffee_skus[1], "pay_fuzz_000002")
    ship_order(owner, received.pk, "顺丰速运", "SF1234567890123")
    confirm_receipt(buyer, received.pk)
    review = write_review(buyer, received.pk, received.items.get().pk, 5, "很好喝")
    unpaid = buy_now(buyer, tea.skus.get().pk, 1)
    payment = start_payment(buyer, [unpaid])

    # ... the merchant buys in another store too
    other_store = open_store(seller, StoreInput(name="隔壁小店"))
    other = _product(seller, other_store.pk, "fuzz-nuts", 2900)
    merchant_address = save_address(owner, ADDRESS, make_default=True)
    bought = buy_now(owner, other.skus.get().pk, 1)
    merchant_payment = start_payment(owner, [bought])

    # ... campaigns: a group buy the customer opened a group in, a bargain the customer started,
    # a flash sale running now
    now = timezone.now()
    week = {"starts_at": now - timedelta(minutes=1), "ends_at": now + timedelta(days=7)}
    group_campaign = groupbuy.create_campaign(
        owner,
        store.pk,
        groupbuy.GroupBuyFields(
            product_id=coffee.pk, prices=dict.fromkeys(coffee_skus, 4900), team_size=3, **week
        ),
    )
    group = groupbuy.open_group(buyer, group_campaign.pk, coffee_skus[0]).group
    tea_sku = tea.skus.get()
    bargain_campaign = bargains.create_campaign(
        owner,
        store.pk,
        bargains.BargainInput(
            sku_id=tea_sku.pk,
            title="砍价茶",
            start_price=tea_sku.price,
            floor_price=1000,
            helpers_needed=3,
            hours=48,
            max_helps_per_user=1,
            spread_percent=50,
            **week,
        ),
    )
    bargain = bargains.start_bargain(buyer, bargain_campaign.pk)
    slot = flashsales.create_flash_sale(
        owner,
        store.pk,
        flashsales.FlashSaleFields(sku_id=honey.skus.get().pk, flash_price=3400, stock=20, **week),
    )

    # ... a distribution programme with a share reward rule and a product rate, a promoter who
    # earned commission and asked to withdraw it, and the customer's share link
    programme.configure(
        owner,
        store.pk,
        programme.DistributionChange(enabled=True, level1_rate_bp=1000, min_withdrawal=100),
    )
    rewards.configure_rule(
        owner,
        store.pk,
        "new_member",
        rewards.RewardRuleChange(is_active=True, reward="points", points=9),
    )
    programme.set_product_rates(owner, store.pk, coffee.pk, 1200, 300)
    earn(store, promoter, 500)
    withdrawal = request_withdrawal(promoter, store.pk, 500)
    link = share_link(buyer, "product", coffee.pk)

    # ... the store's circle with members, a message, a report, an announcement and a red
    # packet, and a circle by approval where someone asked to join
    circle = create_circle(owner, CircleInput(name="模糊测试圈", store_id=store.pk))
    join_circle(staff, circle.pk)
    join_circle(buyer, circle.pk)
    message = send_message(staff, circle.pk, kind="text", text="大家好", client_id="fuzz-1")
    report = report_message(buyer, circle.pk, message.pk, "广告")
    announcement = create_announcement(owner, circle.pk, title="新品上架")
    _fund_wallet(owner, 10_000)
    packet = redpackets.send_packet(owner, circle.pk, total=600, count=3)
    strict = create_circle(owner, CircleInput(name="审核圈", join_policy="approval"))
    join_request = join_circle(seller, strict.pk, message="想加入").join_request
    assert join_request is not None

    # ... and the customer's note about the coffee, commented by the merchant; they follow
    # each other
    note = create_note(buyer, title="好喝的咖啡", body="推荐", product_ids=[coffee.pk])
    comment = add_comment(owner, note.pk, "谢谢")
    graph.follow_person(buyer, owner.public_id)
    graph.follow_person(owner, buyer.public_id)

    merchant.own = {
        "address_id": [merchant_address.pk],
        "order_id": [asked.pk, received.pk, bought.pk],
        "payment_id": [merchant_payment.pk],
    }
    customer.own = {
        "address_id": [a.pk for a in buyer.addresses.all()],
        "order_id": [asked.pk, received.pk, unpaid.pk],
        "payment_id": [payment.pk],
    }
    return World(
        people={"merchant": merchant, "customer": customer},
        shared={
            "store_id": [store.pk],
            "product_id": [coffee.pk, tea.pk, honey.pk],
            "image_id": [image.pk],
            "sku_id": [*coffee_skus, tea_sku.pk],
            "coupon_id": [coupon.pk],
            "after_sale_id": [after_sale.pk],
            "review_id": [review.pk],
            "user_id": [staff.public_id, buyer.public_id, promoter.public_id],
            "public_id": [owner.public_id, buyer.public_id, staff.public_id],
            "circle_id": [circle.pk, strict.pk],
            "message_id": [message.pk],
            "report_id": [report.pk],
            "announcement_id": [announcement.pk],
            "request_id": [join_request.pk],
            "packet_id": [packet.pk],
            "group_id": [group.pk],
            "bargain_id": [bargain.pk],
            "slot_id": [slot.pk],
            "withdrawal_id": [withdrawal.pk],
            "trigger": ["new_member", "first_order"],
            "note_id": [note.pk],
            "comment_id": [comment.pk],
        },
        by_path={
            ("/api/v1/groupbuy/", "campaign_id"): [group_campaign.pk],
            ("/api/v1/bargains/", "campaign_id"): [bargain_campaign.pk],
            ("/api/v1/circles/join/", "code"): [circle.invite_code, strict.invite_code],
            ("/api/v1/referrals/links/", "code"): [link.code],
        },
    )
