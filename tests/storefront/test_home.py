"""首页 is social: circles talking, friends' purchases and notes, deals friends started, then
products — each card with its reason; a newcomer gets the ways in instead of empty sections."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quanzi.campaigns.bargains.models import Bargain, BargainCampaign, BargainHelp
from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.campaigns.groupbuy.models import Group, GroupCampaign, GroupMember
from quanzi.campaigns.redpackets.models import RedPacket, Share
from quanzi.circles.models import Circle, Membership
from quanzi.circles.services.chat import send_message
from quanzi.core.ids import new_id
from quanzi.social.models import Note
from tests.circles.conftest_chat import make_chat_circle
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner
from tests.social.conftest import befriend, follow, paid_order, share_purchases

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def _home(user=None) -> str:
    client = Client(headers=EN)
    if user is not None:
        client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _sku(title: str = "耶加雪菲", price: int = 5900):
    return SkuFactory(product=ProductFactory(store=store_with_owner(), title=title), price=price)


def test_a_newcomer_sees_circles_to_join_popular_notes_and_highlights():
    # given a shop with a listed circle, a note and a product, and a person with no one yet
    sku = _sku("云南小粒咖啡")
    Circle.objects.create(
        name="咖啡爱好者",
        store=sku.product.store,
        owner=UserFactory(),
        invite_code=new_id(),
        member_count=12,
    )
    Note.objects.create(author=UserFactory(), title="手冲入门")
    for user in (None, UserFactory()):
        # when they open 首页 (as a visitor, then signed in)
        html = _home(user)
        # then the ways in are there, not empty sections
        assert 'data-testid="home-circle-to-join"' in html and "咖啡爱好者" in html
        assert "12 members" in html
        assert 'data-testid="home-popular"' in html and "手冲入门" in html
        assert "Highlights" in html and "云南小粒咖啡" in html
        assert 'data-testid="home-circles"' not in html and 'data-testid="home-friends"' not in html


def test_my_talking_circles_come_first_with_their_unread_count():
    # given alice in a circle where bob wrote three messages
    cc = make_chat_circle()
    for n in range(3):
        send_message(cc.bob, cc.id, kind="text", text=f"今天到货了 {n}", client_id=f"m{n}")
    # when alice opens 首页
    html = _home(cc.alice)
    # then her circle is there with why: it is talking, 3 unread
    assert 'data-testid="home-circle"' in html and "咖啡圈" in html
    assert "Your circle is talking · 3 unread" in html
    # and, having a circle, she is no newcomer: no suggestions
    assert "home-circle-to-join" not in html and "For you" in html


def test_a_red_packet_waiting_in_my_circle_until_i_grab_it():
    # given a red packet with shares left in alice's circle
    cc = make_chat_circle()
    now = timezone.now()
    packet = RedPacket.objects.create(
        circle=cc.circle,
        sender=cc.owner,
        kind="equal",
        total=200,
        count=2,
        greeting="开业大吉",
        visible_at=now - timedelta(minutes=1),
        expires_at=now + timedelta(hours=24),
        published_at=now - timedelta(minutes=1),
    )
    Share.objects.create(packet=packet, index=0, amount=100)
    mine = Share.objects.create(packet=packet, index=1, amount=100)
    # then 首页 says a red packet is waiting, with its greeting
    html = _home(cc.alice)
    assert 'data-testid="home-packet"' in html and "开业大吉" in html
    assert "A red packet is waiting in 咖啡圈" in html
    # when she has grabbed her share, it is no longer offered
    Share.objects.filter(pk=mine.pk).update(claimed_by=cc.alice, claimed_at=now)
    assert 'data-testid="home-packet"' not in _home(cc.alice)
    # and a stranger outside the circle never sees it
    assert 'data-testid="home-packet"' not in _home(cc.outsider)


def test_what_friends_bought_shows_with_who_and_how_many():
    # given alice's friends bob and carol bought the coffee and share their purchases
    alice, bob, carol = UserFactory(), UserFactory(nickname="阿宝"), UserFactory()
    sku = _sku("曼特宁")
    other = _sku("普洱")
    for friend in (bob, carol):
        befriend(alice, friend)
        share_purchases(friend)
        paid_order(friend, sku)
    # and a stranger bought the tea
    paid_order(UserFactory(), other)
    # when alice opens 首页
    html = _home(alice)
    # then the coffee comes first among products, saying 2 friends bought it; the tea says not
    assert "2 friends bought this" in html
    assert html.index("曼特宁") < html.index("普洱")
    assert html.count('data-testid="friends-bought"') == 1


def test_friends_hidden_purchases_are_not_counted():
    # given a friend who bought but keeps purchases private
    alice, bob = UserFactory(), UserFactory()
    befriend(alice, bob)
    share_purchases(bob, on=False)
    paid_order(bob, _sku("曼特宁"))
    # then nothing says a friend bought it
    assert "friends-bought" not in _home(alice)


def _group(leader, *, team_size=3, taken=1):
    sku = _sku("拼团咖啡")
    now = timezone.now()
    campaign = GroupCampaign.objects.create(
        store=sku.product.store,
        product=sku.product,
        team_size=team_size,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=3),
    )
    return Group.objects.create(
        campaign=campaign,
        leader=leader,
        team_size=team_size,
        opened_at=now,
        expires_at=now + timedelta(hours=5),
        seats_taken=taken,
    )


def test_a_group_a_friend_opened_shows_the_seats_left():
    # given bob, whom alice follows, opened a group of 3 with one seat taken
    alice, bob = UserFactory(), UserFactory(nickname="阿宝")
    follow(alice, bob)
    group = _group(bob)
    # when alice opens 首页
    html = _home(alice)
    # then the group is offered with who started it and how many seats are left
    assert 'data-testid="home-group"' in html and "阿宝's group · 2 seats left" in html
    assert f"/groupbuy/g/{group.pk}/" in html
    # and once alice is in the group, it is not offered again
    GroupMember.objects.create(group=group, user=alice, order=paid_order(alice, _sku("团品")))
    assert 'data-testid="home-group"' not in _home(alice)


def test_a_full_or_stranger_s_group_is_not_offered():
    alice, bob = UserFactory(), UserFactory()
    follow(alice, bob)
    _group(bob, team_size=2, taken=2)  # full
    _group(UserFactory())  # a stranger's
    assert 'data-testid="home-group"' not in _home(alice)


def test_a_friend_s_bargain_asks_for_help_until_i_helped():
    # given bob, alice's friend, started a bargain
    alice, bob = UserFactory(), UserFactory(nickname="阿宝")
    befriend(alice, bob)
    sku = _sku("砍价茶具", price=10000)
    now = timezone.now()
    campaign = BargainCampaign.objects.create(
        store=sku.product.store,
        sku=sku,
        title="砍价茶具",
        start_price=10000,
        floor_price=100,
        helpers_needed=5,
        hours=24,
        max_helps_per_user=1,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
    )
    bargain = Bargain.objects.create(
        campaign=campaign,
        starter=bob,
        start_price=10000,
        floor_price=100,
        helpers_needed=5,
        current_price=8000,
        expires_at=now + timedelta(hours=20),
    )
    # when alice opens 首页
    html = _home(alice)
    # then it asks her to help, with the price so far
    assert 'data-testid="home-bargain"' in html and "阿宝 asks you to help cut the price" in html
    assert "¥80.00" in html
    # and after she helped, it does not ask again
    BargainHelp.objects.create(
        bargain=bargain, campaign=campaign, helper=alice, number=1, amount=500, price_after=7500
    )
    assert 'data-testid="home-bargain"' not in _home(alice)


def test_flash_sales_on_now_or_starting_within_a_day():
    # given one flash sale on now, one in 3 hours and one next week
    now = timezone.now()
    for title, start in (("正在秒", -1), ("三小时后", 3), ("下周", 24 * 7)):
        sku = _sku(title)
        FlashSale.objects.create(
            store=sku.product.store,
            sku=sku,
            flash_price=990,
            total_stock=10,
            stock=10,
            starts_at=now + timedelta(hours=start),
            ends_at=now + timedelta(hours=start + 2),
        )
    # when anyone opens 首页
    html = _home()
    # then the first two are shown, live first, and the far one is not
    assert html.count('data-testid="home-flash"') == 2
    assert "Flash sale · on now" in html and "Flash sale · starts" in html
    deals = html[html.index('data-testid="home-deals"') : html.index('data-testid="home-products"')]
    assert "下周" not in deals


def test_a_friend_s_note_says_who_wrote_it():
    # given alice follows carol, whose note reached alice's feed
    from quanzi.social.services import feed

    alice, carol = UserFactory(), UserFactory(nickname="小卡")
    follow(alice, carol)
    note = Note.objects.create(author=carol, title="周末探店")
    feed.fan_out_note(note.pk)
    # when alice opens 首页
    html = _home(alice)
    # then the note is in the friends section with its reason
    assert 'data-testid="home-friends"' in html and "小卡 wrote a note" in html


def test_the_home_page_reads_in_a_constant_number_of_queries(django_assert_max_num_queries):
    # given a member with circles, friends, purchases, groups and flash sales in numbers
    cc = make_chat_circle()
    for n in range(5):
        friend = UserFactory()
        befriend(cc.alice, friend)
        share_purchases(friend)
        paid_order(friend, _sku(f"商品{n}"))
        _group(friend)
        extra = Circle.objects.create(name=f"圈{n}", owner=friend, invite_code=new_id())
        Membership.objects.create(circle=extra, user=cc.alice)
    client = Client(headers=EN)
    client.force_login(cc.alice)
    # then 首页 needs a bounded number of queries, whatever the amounts
    with django_assert_max_num_queries(40):
        assert client.get("/").status_code == 200
