"""Share links, visits and last-touch attribution (services and pages)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from quanzi.core.errors import DomainError, NotFound
from quanzi.orders.models import Order
from quanzi.referrals.models import Attribution, ShareLink, Visit
from quanzi.referrals.services import links
from tests.factories import PASSWORD, ProductFactory, UserFactory
from tests.referrals.conftest import Scene


def _logged_in(user_name: str) -> Client:
    client = Client()
    r = client.post("/accounts/login/", {"identifier": user_name, "password": PASSWORD})
    assert r.status_code == 302
    return client


def _buy_now(client: Client, scene: Scene) -> Order:
    r = client.post("/orders/buy-now/", {"sku": scene.sku.pk, "quantity": "1"})
    assert r.status_code == 302
    return Order.objects.filter(buyer=scene.buyer).latest("created_at")


def test_share_link_is_reused_and_validates_its_target(scene: Scene):
    # given a sharer
    # when they share the same product twice
    first = links.share_link(scene.sharer, "product", scene.product.pk)
    again = links.share_link(scene.sharer, "product", scene.product.pk)
    # then one link with an 8-character code
    assert first.pk == again.pk and len(first.code) == 8
    # and hidden or unknown targets are refused
    hidden = ProductFactory(store=scene.store, on_shelf=False)
    with pytest.raises(NotFound):
        links.share_link(scene.sharer, "product", hidden.pk)
    with pytest.raises(NotFound):
        links.share_link(scene.sharer, "store", "nope")
    with pytest.raises(DomainError):
        links.share_link(scene.sharer, "planet", scene.product.pk)


def test_last_touch_within_the_window_attributes(scene: Scene):
    # given two sharers' links, visited by the logged-in buyer one after the other
    other = UserFactory(username="other")
    first = links.share_link(other, "product", scene.product.pk)
    last = links.share_link(scene.sharer, "store", scene.store.pk)
    buyer = _logged_in("buyer")
    assert buyer.get(f"/s/{first.code}").status_code == 302
    r = buyer.get(f"/s/{last.code}")
    assert (
        r.status_code == 302
        and r["Location"] == f"/stores/{scene.store.pk}/?src=share&via={last.code}"
    )
    # when the buyer orders six days later
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        order = _buy_now(buyer, scene)
    # then the last touch's sharer is credited
    attribution = Attribution.objects.get(order=order)
    assert attribution.sharer == scene.sharer and attribution.link == last


def test_no_attribution_after_the_window(scene: Scene):
    # given a visit through a share link and a store window of 3 days
    scene.store.attribution_days = 3
    scene.store.save()
    link = links.share_link(scene.sharer, "product", scene.product.pk)
    buyer = _logged_in("buyer")
    buyer.get(f"/s/{link.code}")
    # when the buyer orders four days later
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        order = _buy_now(buyer, scene)
    # then nobody is credited
    assert not Attribution.objects.filter(order=order).exists()


def test_anonymous_visit_then_login_then_order_is_attributed(scene: Scene):
    # given an anonymous visitor through a share link
    link = links.share_link(scene.sharer, "product", scene.product.pk)
    client = Client()
    r = client.get(f"/s/{link.code}")
    assert r["Location"] == f"/products/{scene.product.pk}/?src=share&via={link.code}"
    visit = Visit.objects.get(link=link)
    assert visit.visitor is None and visit.session_key
    # when they log in and order
    assert (
        client.post("/accounts/login/", {"identifier": "buyer", "password": PASSWORD}).status_code
        == 302
    )
    order = _buy_now(client, scene)
    # then the visit is theirs and the order is attributed
    visit.refresh_from_db()
    assert visit.visitor == scene.buyer
    assert Attribution.objects.get(order=order).sharer == scene.sharer


def test_anonymous_visit_then_signup_keeps_the_touch(scene: Scene):
    # given an anonymous visitor through a share link
    link = links.share_link(scene.sharer, "product", scene.product.pk)
    client = Client()
    client.get(f"/s/{link.code}")
    # when they sign up
    r = client.post("/accounts/signup/", {"username": "newcomer", "password": PASSWORD})
    assert r.status_code == 302
    # then the visit is recorded for the new user
    assert Visit.objects.get(link=link).visitor.username == "newcomer"  # type: ignore[union-attr]


def test_self_referral_is_ignored(scene: Scene):
    # given the buyer's own link
    link = links.share_link(scene.buyer, "product", scene.product.pk)
    buyer = _logged_in("buyer")
    # when they open it and order
    buyer.get(f"/s/{link.code}")
    order = _buy_now(buyer, scene)
    # then no visit and no attribution
    assert not Visit.objects.filter(link=link).exists()
    assert not Attribution.objects.filter(order=order).exists()
    # and a forged session touch on their own link does not count either
    ref = {"code": link.code, "at": timezone.now().isoformat()}
    assert links.attribute_order(order, ref) is None


def test_anonymous_visit_of_own_link_then_login_is_dropped(scene: Scene):
    # given the sharer opens their own link logged out
    link = links.share_link(scene.sharer, "product", scene.product.pk)
    client = Client()
    client.get(f"/s/{link.code}")
    # when they log in
    client.post("/accounts/login/", {"identifier": "sharer", "password": PASSWORD})
    # then the touch is gone
    assert not Visit.objects.filter(link=link).exists()
    assert links.SESSION_KEY not in client.session


def test_one_attribution_per_order(scene: Scene):
    # given an attributed order
    link = links.share_link(scene.sharer, "product", scene.product.pk)
    buyer = _logged_in("buyer")
    buyer.get(f"/s/{link.code}")
    order = _buy_now(buyer, scene)
    # when attribution runs again with another touch
    other = links.share_link(UserFactory(), "product", scene.product.pk)
    again = links.attribute_order(order, {"code": other.code, "at": timezone.now().isoformat()})
    # then the first one stays
    assert again is not None and again.link == link
    assert Attribution.objects.filter(order=order).count() == 1


def test_reshare_builds_a_share_tree(scene: Scene):
    # given A shares, B arrives through A's link and re-shares, C through B's and re-shares
    a = links.share_link(scene.sharer, "product", scene.product.pk)
    b_client = _logged_in("buyer")
    b_client.get(f"/s/{a.code}")
    r = b_client.post("/s/new/", {"kind": "product", "target_id": scene.product.pk})
    b = ShareLink.objects.get(sharer=scene.buyer)
    assert r["Location"] == f"/s/{b.code}/share/"
    UserFactory(username="carol")
    c_client = _logged_in("carol")
    c_client.get(f"/s/{b.code}")
    c_client.post("/s/new/", {"kind": "product", "target_id": scene.product.pk})
    # then the tree is C → B → A (depth 2)
    c = ShareLink.objects.get(sharer__username="carol")
    assert c.parent == b and b.parent == a and a.parent is None


@pytest.mark.django_db
def test_unknown_code_is_a_404_page():
    # when a visitor opens an unknown or malformed code
    client = Client()
    # then a 404 page
    assert client.get("/s/ABCDEFGH").status_code == 404
    assert client.get("/s/short").status_code == 404


def test_share_requires_login(scene: Scene):
    # when an anonymous visitor presses Share
    r = Client().post("/s/new/", {"kind": "product", "target_id": scene.product.pk})
    # then they are sent to log in
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_attribution_failure_never_breaks_checkout(scene: Scene, monkeypatch: pytest.MonkeyPatch):
    # given attribution that fails
    def broken(order: Order, ref: object) -> None:
        raise DomainError("boom")

    monkeypatch.setattr(links, "attribute_order", broken)
    link = links.share_link(scene.sharer, "product", scene.product.pk)
    buyer = _logged_in("buyer")
    buyer.get(f"/s/{link.code}")
    # when the buyer checks out
    order = _buy_now(buyer, scene)
    # then the order exists without attribution
    assert order.pk and not Attribution.objects.exists()


def test_product_page_has_open_graph_tags_and_a_share_button(scene: Scene):
    # when anyone opens the product page
    html = Client().get(f"/products/{scene.product.pk}/").content.decode()
    # then it carries Open Graph tags and the share button
    assert 'property="og:title"' in html and scene.product.title in html
    assert 'data-testid="share-product"' in html
