"""Building blocks of the case and appeal tests: a store (owner, staff) whose product a ring of
three new accounts reviewed five stars, a genuine buyer's review beside them, another store,
an operator, and the case the detector would have opened (rows made directly)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client

from quanzi.accounts.models import User
from quanzi.catalog.models import Product, Sku
from quanzi.circles.models import Notification
from quanzi.reviews.models import Review
from quanzi.reviews.services import write_review
from quanzi.stores.models import StaffRole, Store, StoreStaff
from quanzi.trust.models import Case, CaseMember, CaseProduct, CaseReview
from quanzi.trust.services.cases import hold_reviews
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner
from tests.reviews.conftest import first_item, make_order


@dataclass
class World:
    operator: User
    owner: User
    staff: User
    other_owner: User
    member: User  # a signed-in member with nothing to do with any of it
    store: Store
    other_store: Store
    product: Product
    sku: Sku
    ring: list[User]
    ring_reviews: list[Review]
    honest: User
    honest_review: Review
    case: Case
    people: dict[str, User | None] = field(default_factory=dict)
    old_notes: set[str] = field(default_factory=set)  # the notifications when it was made


def review_of(buyer: User, sku: Sku, stars: int = 5, text: str = "好用，回购") -> Review:
    """`buyer` buys `sku`, receives it and reviews it (the real service: the rating counts it)."""
    order = make_order(buyer, sku)
    return write_review(buyer, order.pk, first_item(order).pk, stars, text)


def open_case(
    store: Store | None,
    members: list[User],
    reviews: list[Review],
    products: list[Product],
    *,
    score: int = 88,
    reasons: list[dict[str, object]] | None = None,
) -> Case:
    """A case as the detector opens it (nothing held yet)."""
    case = Case.objects.create(
        store=store, score=score, density=3.5, reasons=reasons or [], fingerprint="f" * 64
    )
    CaseMember.objects.bulk_create(CaseMember(case=case, user=u) for u in members)
    CaseProduct.objects.bulk_create(CaseProduct(case=case, product=p) for p in products)
    CaseReview.objects.bulk_create(CaseReview(case=case, review=r) for r in reviews)
    return case


def make_world(*, held: bool = True) -> World:
    owner, staff, other_owner = UserFactory(), UserFactory(), UserFactory()
    store = store_with_owner(owner, name="山野小铺")
    StoreStaff.objects.create(store=store, user=staff, role=StaffRole.STAFF)
    other_store = store_with_owner(other_owner, name="别家小店")
    product = ProductFactory(store=store, title="云南小粒咖啡豆")
    sku = SkuFactory(product=product)
    honest = UserFactory(nickname="老顾客")
    honest_review = review_of(honest, sku, 3, "还行，就是有点苦")
    ring = [UserFactory(nickname=f"刷手{i}") for i in range(3)]
    ring_reviews = [review_of(u, sku, 5, "非常好！强烈推荐！") for u in ring]
    case = open_case(store, ring, ring_reviews, [product])
    if held:
        hold_reviews(case, None, "the detector held the ring")
    world = World(
        operator=UserFactory(is_staff=True, nickname="运营小王"),
        owner=owner,
        staff=staff,
        other_owner=other_owner,
        member=UserFactory(),
        store=store,
        other_store=other_store,
        product=product,
        sku=sku,
        ring=ring,
        ring_reviews=ring_reviews,
        honest=honest,
        honest_review=honest_review,
        case=case,
    )
    world.people = {
        "operator": world.operator,
        "owner": owner,
        "staff": staff,
        "other_owner": other_owner,
        "reviewer": ring[0],
        "member": world.member,
        "anonymous": None,
    }
    world.old_notes = set(Notification.objects.values_list("pk", flat=True))
    return world


def client_of(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def fresh(review: Review) -> Review:
    review.refresh_from_db()
    return review


def rating(product: Product) -> tuple[int, int]:
    product.refresh_from_db()
    return product.rating_sum, product.rating_count
