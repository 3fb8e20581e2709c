"""Who the commercial budget counts, and a member's own share limit.

A product or campaign card is commercial — counted against the circle's share and daily caps —
when the store's people (owner, staff) or its promoters post it. An ordinary member's card is
not commercial, but each member may share at most `member_share_daily_limit` of them in a
circle in a rolling 24 hours; every refusal says when posting is possible again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from quanzi.circles.models import Circle, Membership, Message
from quanzi.circles.services import chat, membership
from quanzi.core.errors import Conflict, InvalidInput
from quanzi.core.ids import new_id
from quanzi.referrals.models import DistributionConfig, Promoter, PromoterRule, PromoterStatus
from quanzi.stores.models import StaffRole, StoreStaff
from tests.circles.conftest_chat import ChatCircle, chat_circle_fixture  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-hans"}


def share(api, user, circle_id, product_id, client_id, headers=EN):  # type: ignore[no-untyped-def]
    body = {"client_id": client_id, "kind": "product", "product_id": product_id}
    return api(user).post(f"circles/{circle_id}/messages", body, headers=headers)


def roomy(cc: ChatCircle, **fields: int) -> None:
    """No commercial cap in the way (unless a test sets one)."""
    Circle.objects.filter(pk=cc.id).update(
        **({"commercial_share_percent": 100, "commercial_daily_cap": 100} | fields)
    )


def test_the_store_owner_and_staff_cards_are_commercial(api, cc: ChatCircle) -> None:
    # given a staff member of the store who is in its circle
    staff = UserFactory(nickname="店员小周")
    StoreStaff.objects.create(store=cc.circle.store, user=staff, role=StaffRole.STAFF)
    Membership.objects.create(circle=cc.circle, user=staff)
    roomy(cc)
    # when the owner and the staff member share a product
    by_owner = share(api, cc.owner, cc.id, cc.product.pk, "o1")
    by_staff = share(api, staff, cc.id, cc.product.pk, "s1")
    # then both cards are commercial and count in the circle's budget
    assert (by_owner.status_code, by_staff.status_code) == (201, 201)
    assert by_owner.json()["is_commercial"] is True and by_staff.json()["is_commercial"] is True
    assert chat.commercial_share(cc.refresh()) == (2, 2)


def test_a_circle_admin_who_does_not_work_for_the_store_is_an_ordinary_member(
    api, cc: ChatCircle
) -> None:
    # given the circle's admin, who is not one of the store's people
    roomy(cc)
    # when the admin shares a product, then it is a member's share, not commercial
    r = share(api, cc.admin, cc.id, cc.product.pk, "a1")
    assert r.status_code == 201 and r.json()["is_commercial"] is False


def test_a_promoters_card_is_commercial_and_takes_the_budget(api, cc: ChatCircle) -> None:
    # given the store's distribution programme for approved promoters, bob approved
    DistributionConfig.objects.create(
        store=cc.circle.store, enabled=True, promoters=PromoterRule.APPROVED
    )
    Promoter.objects.create(store=cc.circle.store, user=cc.bob, status=PromoterStatus.APPROVED)
    roomy(cc, commercial_daily_cap=1)
    # when bob shares a product, then it is commercial
    first = share(api, cc.bob, cc.id, cc.product.pk, "b1")
    assert first.status_code == 201 and first.json()["is_commercial"] is True
    # and the circle's daily commercial cap now refuses the store's owner
    refused = share(api, cc.owner, cc.id, cc.product.pk, "o1")
    assert (refused.status_code, refused.json()["code"]) == (409, "commercial_budget")
    # while alice, not a promoter, still shares as a member
    assert share(api, cc.alice, cc.id, cc.product.pk, "a1").json()["is_commercial"] is False


def test_a_programme_switched_off_makes_no_promoters(api, cc: ChatCircle) -> None:
    # given an approved promoter of a store whose programme is off
    DistributionConfig.objects.create(store=cc.circle.store, enabled=False)
    Promoter.objects.create(store=cc.circle.store, user=cc.bob, status=PromoterStatus.APPROVED)
    roomy(cc)
    # when bob shares a product, then it is a member's share
    assert share(api, cc.bob, cc.id, cc.product.pk, "b1").json()["is_commercial"] is False


def test_a_members_cards_do_not_count_as_commercial_but_hit_the_members_limit(
    api, cc: ChatCircle
) -> None:
    # given a circle whose commercial budget is spent (0 a day) and the default member limit
    Circle.objects.filter(pk=cc.id).update(commercial_daily_cap=0, commercial_share_percent=0)
    assert cc.refresh().member_share_daily_limit == 3
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        # when alice shares three products an hour apart, then all three are sent
        for i in range(3):
            r = share(api, cc.alice, cc.id, cc.product.pk, f"a{i}")
            assert r.status_code == 201, r.content
            assert r.json()["is_commercial"] is False
            traveller.shift(timedelta(hours=1))
        assert chat.commercial_share(cc.refresh()) == (0, 3)
        # when she shares a fourth, then it is refused, saying when she may share again:
        # when her first card leaves the 24 hours
        refused = share(api, cc.alice, cc.id, cc.product.pk, "a3")
        assert refused.status_code == 409
        body = refused.json()
        assert (body["code"], body["limit"]) == ("member_share_limit", "member")
        again = timezone.localtime(start + timedelta(hours=24))
        assert body["frees_at"] == again.isoformat()
        assert again.strftime("%Y-%m-%d %H:%M") in body["detail"]
        assert "at most 3" in body["detail"]
        # and in Chinese for a Chinese reader
        zh = share(api, cc.alice, cc.id, cc.product.pk, "a3", headers=ZH).json()
        assert "未发送" in zh["detail"] and again.strftime("%Y-%m-%d %H:%M") in zh["detail"]
        assert Message.objects.filter(client_id="a3").count() == 0
        # when a second before that time she tries again, then it is still refused
        traveller.move_to(start + timedelta(hours=24) - timedelta(seconds=1))
        assert share(api, cc.alice, cc.id, cc.product.pk, "a3").status_code == 409
        # when the time has come, then the same card is sent
        traveller.move_to(start + timedelta(hours=24, seconds=1))
        assert share(api, cc.alice, cc.id, cc.product.pk, "a3").status_code == 201


def test_the_limit_is_per_member_and_per_circle(api, cc: ChatCircle) -> None:
    # given alice at her limit of one card a day in the circle
    roomy(cc, member_share_daily_limit=1)
    assert share(api, cc.alice, cc.id, cc.product.pk, "a0").status_code == 201
    assert share(api, cc.alice, cc.id, cc.product.pk, "a1").status_code == 409
    # when bob shares in the same circle, then he has his own limit
    assert share(api, cc.bob, cc.id, cc.product.pk, "b0").status_code == 201
    # and when alice shares in another circle of the same store, then it is sent there
    other = Circle.objects.create(
        name="咖啡二群",
        store=cc.circle.store,
        owner=cc.owner,
        invite_code=new_id(),
        member_share_daily_limit=1,
    )
    Membership.objects.create(circle=other, user=cc.alice)
    assert share(api, cc.alice, other.pk, cc.product.pk, "a2").status_code == 201


def test_texts_are_not_counted_and_a_recalled_card_gives_its_place_back(
    api, cc: ChatCircle
) -> None:
    # given alice's one card of the day, among her texts
    roomy(cc, member_share_daily_limit=1)
    api(cc.alice).post(
        f"circles/{cc.id}/messages", {"client_id": "t0", "kind": "text", "text": "早"}
    )
    card = share(api, cc.alice, cc.id, cc.product.pk, "a0").json()
    assert share(api, cc.alice, cc.id, cc.product.pk, "a1").status_code == 409
    # when she recalls it, then she may share again
    chat.recall_message(cc.alice, cc.id, card["id"])
    again = share(api, cc.alice, cc.id, cc.product.pk, "a1")
    assert again.status_code == 201
    # but a card an admin removed still counts (its place is not given back)
    chat.remove_message(cc.admin, cc.id, again.json()["id"])
    assert share(api, cc.alice, cc.id, cc.product.pk, "a2").status_code == 409


def test_a_lowered_limit_says_when_enough_cards_have_left(api, cc: ChatCircle) -> None:
    # given three cards of alice an hour apart, then the limit lowered to 1
    roomy(cc)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        for i in range(3):
            assert share(api, cc.alice, cc.id, cc.product.pk, f"a{i}").status_code == 201
            traveller.shift(timedelta(hours=1))
        Circle.objects.filter(pk=cc.id).update(member_share_daily_limit=1)
        # when she shares again, then the time given is when the third card leaves the day
        refused = share(api, cc.alice, cc.id, cc.product.pk, "a3").json()
        third = timezone.localtime(start + timedelta(hours=2 + 24))
        assert refused["frees_at"] == third.isoformat()


def test_the_count_and_the_insert_are_under_the_circles_lock(cc: ChatCircle, monkeypatch) -> None:
    # given the member limit check watched
    roomy(cc, member_share_daily_limit=1)
    from quanzi.circles import locks

    locked: list[str] = []
    real_lock = chat.lock_circle
    real_check = chat.check_member_shares

    def lock(circle_id: str) -> Circle:
        locked.append("lock")
        return real_lock(circle_id)

    def check(circle: Circle, user) -> None:  # type: ignore[no-untyped-def]
        locked.append("check")
        real_check(circle, user)

    monkeypatch.setattr(chat, "lock_circle", lock)
    monkeypatch.setattr(chat, "check_member_shares", check)
    # when alice shares a card
    chat.send_message(
        cc.alice, cc.id, kind="product", product_id=cc.product.pk, client_id="x1", text=""
    )
    # then the circle was locked before the count (the lock is the one of locks.py)
    assert locked == ["lock", "check"] and real_lock is locks.lock_circle


def test_the_owner_and_admins_set_the_members_limit(cc: ChatCircle, api) -> None:
    # when the owner sets it through the settings, then it is stored
    membership.update_circle(cc.owner, cc.id, membership.CircleChange(member_share_daily_limit="5"))
    assert cc.refresh().member_share_daily_limit == 5
    # and through the API by an admin
    r = api(cc.admin).patch(f"circles/{cc.id}", {"member_share_daily_limit": 2})
    assert r.status_code == 200 and r.json()["member_share_daily_limit"] == 2
    # but a member may not, and it is 1 to 100
    denied = api(cc.alice).patch(f"circles/{cc.id}", {"member_share_daily_limit": 9})
    assert denied.status_code == 403
    for bad in ("0", "101", "x"):
        with pytest.raises(InvalidInput):
            membership.update_circle(
                cc.owner, cc.id, membership.CircleChange(member_share_daily_limit=bad)
            )
    assert cc.refresh().member_share_daily_limit == 2


def test_the_settings_page_edits_the_members_limit(cc: ChatCircle, page) -> None:
    # given the owner on the circle's settings page
    client = page(cc.owner)
    url = f"/circles/{cc.id}/settings/"
    assert 'name="member_share_daily_limit"' in client.get(url).content.decode()
    # when the owner saves 7
    r = client.post(url, {"name": cc.circle.name, "member_share_daily_limit": "7"})
    # then it is stored
    assert r.status_code == 302
    assert cc.refresh().member_share_daily_limit == 7


def test_a_refusal_is_a_conflict_naming_the_limit(cc: ChatCircle) -> None:
    # given alice at her limit
    roomy(cc, member_share_daily_limit=1)
    chat.send_message(cc.alice, cc.id, kind="product", product_id=cc.product.pk, client_id="p0")
    # when she shares again through the service, then it is a 409 with the time it frees
    with pytest.raises(Conflict) as refused:
        chat.send_message(cc.alice, cc.id, kind="product", product_id=cc.product.pk, client_id="p1")
    assert refused.value.code == "member_share_limit"
    assert refused.value.extra["limit"] == "member" and refused.value.extra["frees_at"]
