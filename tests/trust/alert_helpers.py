"""What the reputation-alert tests build: a store with its people (the owner, a staff member who
sees the customers, one who does not), six customers in its two circles, another store with its
owner and circle, two products (手冲壶 and 冷萃咖啡豆); and the real paths: a chat message through
the circles' service with what its commit sends run, the needs analysis run as its task would
run it, with what its commit sends (trust's detection) run too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.circles.models import Circle, Message, Notification, NotificationKind
from quanzi.circles.services import chat
from quanzi.circles.services import membership as circles
from quanzi.core.ids import new_id
from quanzi.needs.models import Source, TextItem
from quanzi.needs.services.analysis import analyse_pending
from quanzi.stores.models import StaffRole, Store, StoreStaff
from quanzi.trust.models import ReputationAlert
from quanzi.trust.services.settings import current
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner

COMPLAINTS = (
    "店里的东西质量太差了",
    "客服一直不理人",
    "发货太慢了，差评",
    "包装破损了",
    "又发错货了",
    "收到的是坏的，要退款",
    "感觉上当了",
)
CHATTER = (
    "大家早上好",
    "周末有什么活动吗",
    "新品什么时候上架",
    "这个杯子是什么颜色的",
    "店里的咖啡豆是哪里产的",
    "我下午去店里拿货",
    "今天天气不错，适合喝咖啡",
)
KETTLE_COMPLAINTS = (
    "手冲壶坏了，才用两天",
    "手冲壶漏水，质量差",
    "买的手冲壶把手断了，要退款",
    "手冲壶是假货吧",
    "投诉！手冲壶收到就是坏的",
    "手冲壶的盖子也坏了",
)


@dataclass
class Shop:
    owner: User
    staff: User  # sees the customers: hears of the alerts
    plain_staff: User  # does not
    customers: list[User]
    other_owner: User
    store: Store
    other_store: Store
    kettle: Product
    beans: Product
    circle: Circle
    circle2: Circle
    other_circle: Circle
    commit: Callable[..., Any]

    def say(
        self, user: User, text: str, circle: Circle | None = None, reply_to: Message | None = None
    ) -> Message:
        """A chat message through the circles' service, and what its commit sends."""
        return self.commit(
            chat.send_message,
            user,
            (circle or self.circle).pk,
            kind="text",
            text=text,
            client_id=new_id(),
            reply_to_id=reply_to.pk if reply_to else None,
        )

    def share_review(self, user: User, review_id: str, circle: Circle) -> Message:
        return self.commit(
            chat.send_message,
            user,
            circle.pk,
            kind="review",
            review_id=review_id,
            client_id=new_id(),
        )

    def analyse(self) -> int:
        """The queued needs task, with what its commit sends (trust hears `text_analysed`)."""
        return int(self.commit(analyse_pending))

    def complain(self, texts: tuple[str, ...] | list[str], circle: Circle | None = None) -> None:
        for i, text in enumerate(texts):
            self.say(self.customers[i % len(self.customers)], text, circle)
        self.analyse()

    def alerts(self, **kw: Any) -> list[ReputationAlert]:
        return list(ReputationAlert.objects.filter(store=self.store, **kw).order_by("created_at"))

    def trust_notices(self, user: User) -> list[Notification]:
        return list(Notification.objects.filter(user=user, kind=NotificationKind.TRUST))

    def settings(self, **values: Any) -> None:
        row = current()
        for name, value in values.items():
            setattr(row, name, value)
        row.save()


def build_shop(capture: Any) -> Shop:
    """`capture` is pytest-django's `django_capture_on_commit_callbacks`."""

    def commit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with capture(execute=True):
            return fn(*args, **kwargs)

    owner = UserFactory(nickname="店主阿梅")
    store = store_with_owner(owner, name="阿梅的咖啡小店")
    other_owner = UserFactory(nickname="隔壁店主")
    other_store = store_with_owner(other_owner, name="隔壁茶铺")
    staff = UserFactory(nickname="客服主管")
    StoreStaff.objects.create(
        store=store, user=staff, role=StaffRole.STAFF, sees_insights=True, sees_customers=True
    )
    plain = UserFactory(nickname="仓库")
    StoreStaff.objects.create(store=store, user=plain, role=StaffRole.STAFF)
    kettle = ProductFactory(store=store, title="手冲壶 600ml")
    SkuFactory(product=kettle)
    beans = ProductFactory(store=store, title="冷萃咖啡豆")
    SkuFactory(product=beans)
    circle = circles.create_circle(owner, circles.CircleInput(name="阿梅咖啡圈", store_id=store.pk))
    circle2 = circles.create_circle(owner, circles.CircleInput(name="阿梅二群", store_id=store.pk))
    other_circle = circles.create_circle(
        other_owner, circles.CircleInput(name="隔壁茶友", store_id=other_store.pk)
    )
    customers = [UserFactory(nickname=f"顾客{i}") for i in range(6)]
    for c in (circle, circle2, other_circle):
        for person in customers:
            circles.join_by_code(person, c.invite_code)
    for c in (circle, circle2):
        circles.join_by_code(staff, c.invite_code)
    return Shop(
        owner=owner,
        staff=staff,
        plain_staff=plain,
        customers=customers,
        other_owner=other_owner,
        store=store,
        other_store=other_store,
        kettle=kettle,
        beans=beans,
        circle=circle,
        circle2=circle2,
        other_circle=other_circle,
        commit=commit,
    )


def past_complaint(shop: Shop, at: datetime, text: str = "质量太差了") -> TextItem:
    """A complaint already analysed, written at `at` (the store's history)."""
    return TextItem.objects.create(
        store=shop.store,
        source=Source.CHAT,
        source_id=new_id(),
        circle=shop.circle,
        author=shop.customers[0],
        text=text,
        written_at=at,
        sentiment="negative",
        sentiment_score=-0.5,
        analysed_at=timezone.now(),
    )
