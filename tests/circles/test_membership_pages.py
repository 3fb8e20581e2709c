"""Circle membership pages: discovery, circle card, join (button, link, QR), members with
moderation, join requests, settings and the merchant console."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from quanzi.circles.models import Circle, JoinRequest, Membership
from quanzi.circles.services import membership as services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(size: int = 64) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("avatar.png", buffer.getvalue(), content_type="image/png")


# --- Discovery, card, my circles -------------------------------------------------------------


def test_discovery_page_lists_and_searches_with_constant_queries(
    page, make_circle, store_circle, django_assert_max_num_queries
):
    # given a listed store circle and an unlisted circle
    make_circle(UserFactory(), name="秘密圈", is_listed=False)
    client = page()
    with django_assert_max_num_queries(10) as few:
        r = client.get("/circles/")
    for n in range(8):
        make_circle(UserFactory(), name=f"摄影圈{n}", description="<b>拍照</b>")
    # when the discovery page is read with more circles
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get("/circles/")
    # then the query count did not grow; listed circles show, the unlisted one does not
    html = r.content.decode()
    assert r.status_code == 200
    assert "阿梅咖啡圈" in html and "阿梅的咖啡小店" in html and "秘密圈" not in html
    assert "&lt;b&gt;拍照&lt;/b&gt;" in html and "<b>拍照</b>" not in html
    # and search narrows it
    html = client.get("/circles/", {"q": "摄影圈3"}).content.decode()
    assert "摄影圈3" in html and "阿梅咖啡圈" not in html


def test_circle_card_for_each_kind_of_visitor(page, store_circle, circle_member, stranger):
    url = f"/circles/{store_circle.pk}/"
    # given anonymous, a stranger and a member
    # when each opens the circle page
    anon = page().get(url).content.decode()
    strange = page(stranger).get(url).content.decode()
    member = page(circle_member).get(url).content.decode()
    # then anonymous is sent to log in, the stranger gets a join button, the member the chat
    assert 'data-testid="join-circle"' in anon and "/accounts/login/" in anon
    assert 'data-testid="join-circle"' in strange and "/join/" in strange
    assert f"/circles/{store_circle.pk}/chat/" in member
    assert 'data-testid="leave-circle"' in member
    assert store_circle.invite_code in member and store_circle.invite_code not in strange
    # and the description is on the public card
    assert "每周新豆" in anon


def test_join_and_leave_from_the_page(page, store_circle, stranger):
    client = page(stranger)
    # given an open circle / when a stranger presses join
    r = client.post(f"/circles/{store_circle.pk}/join/")
    # then they are a member and the count moved
    assert r.status_code == 302
    store_circle.refresh_from_db()
    assert store_circle.member_count == 2
    # when they leave
    r = client.post(f"/circles/{store_circle.pk}/leave/")
    # then they are out and back on "my circles"
    assert r.status_code == 302 and r["Location"] == "/circles/mine/"
    store_circle.refresh_from_db()
    assert store_circle.member_count == 1


def test_approval_circle_page_makes_a_request(page, make_circle, interest_owner, stranger):
    # given an approval circle
    circle = make_circle(interest_owner, name="审核圈", join_policy="approval")
    # when a stranger presses "request to join"
    page(stranger).post(f"/circles/{circle.pk}/join/", {"message": "你好"})
    # then a request waits and the page says so
    assert JoinRequest.objects.get(circle=circle, user=stranger).state == "pending"
    html = page(stranger).get(f"/circles/{circle.pk}/").content.decode()
    assert 'data-testid="request-pending"' in html


def test_join_link_page_for_invite_only_circle(page, make_circle, interest_owner, stranger):
    # given an invite-only circle and its link
    circle = make_circle(interest_owner, name="邀请圈", join_policy="invite")
    link = f"/circles/join/{circle.invite_code}/"
    # when anonymous opens it, then they see the card and a log-in button
    assert "/accounts/login/" in page().get(link).content.decode()
    # when a logged-in stranger opens it and presses join
    assert 'data-testid="join-circle"' in page(stranger).get(link).content.decode()
    r = page(stranger).post(link)
    # then they joined: the link is the invitation
    assert r.status_code == 302
    assert Membership.objects.get(circle=circle, user=stranger).state == "active"
    # and a wrong code is a 404 page
    assert page(stranger).get("/circles/join/not-a-real-code/").status_code == 404


def test_banned_member_sees_a_clear_refusal(page, store_circle, circle_member):
    # given a banned member
    services.ban_member(store_circle.owner, store_circle.pk, circle_member.public_id)
    client = page(circle_member)
    # when they open the link and try to join by it or by the button
    link_page = client.get(f"/circles/join/{store_circle.invite_code}/").content.decode()
    r_link = client.post(f"/circles/join/{store_circle.invite_code}/")
    r_button = client.post(f"/circles/{store_circle.pk}/join/")
    # then the page tells them and both joins are 403 with the reason
    assert 'data-testid="banned"' in link_page
    for r in (r_link, r_button):
        assert r.status_code == 403
        assert "banned" in r.content.decode()
    assert Membership.objects.get(circle=store_circle, user=circle_member).state == "banned"


def test_my_circles_page_shows_unread(page, store_circle, circle_member):
    # given a member three messages behind
    Circle.objects.filter(pk=store_circle.pk).update(last_message_seq=3)
    # when they open "my circles"
    html = page(circle_member).get("/circles/mine/").content.decode()
    # then the circle shows with 3 unread and links to its chat
    assert 'data-testid="unread">3<' in html
    assert f"/circles/{store_circle.pk}/chat/" in html
    # and anonymous is sent to log in
    assert page().get("/circles/mine/").status_code == 302


# --- QR code ---------------------------------------------------------------------------------


def test_qr_code_is_a_png_for_members_only(page, store_circle, circle_member, stranger):
    url = f"/circles/{store_circle.pk}/qr.png"
    # given a member / when they fetch the QR code
    r = page(circle_member).get(url)
    # then it is a private PNG image of the join link
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r.content.startswith(PNG_SIGNATURE)
    assert "private" in r["Cache-Control"]
    image = Image.open(io.BytesIO(r.content))
    assert image.format == "PNG" and image.size[0] > 100
    # and strangers and anonymous do not get it
    assert page(stranger).get(url).status_code == 403
    assert page().get(url).status_code == 302


# --- Members and moderation ------------------------------------------------------------------


def test_members_page_permissions_and_buttons(
    page, store_circle, circle_admin, circle_member, stranger
):
    url = f"/circles/{store_circle.pk}/members/"
    # given the admin, a member and a stranger
    # when each opens the members page
    admin_html = page(circle_admin).get(url).content.decode()
    member_html = page(circle_member).get(url).content.decode()
    # then the admin sees moderation buttons (not for the owner), the member only the list
    assert 'data-testid="member-ban"' in admin_html and 'data-testid="member-mute"' in admin_html
    assert admin_html.count('data-testid="member-ban"') == 1  # the member only
    assert "member-ban" not in member_html and circle_admin.username in member_html
    # and the stranger is refused
    assert page(stranger).get(url).status_code == 403


def test_members_page_search_with_constant_queries(
    page, store_circle, circle_member, add_member, django_assert_max_num_queries
):
    client = page(store_circle.owner)
    url = f"/circles/{store_circle.pk}/members/"
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(10):
        add_member(store_circle, UserFactory(nickname=f"茶友{n}"))
    # when the list is read with more members
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(url)
    # then the query count did not grow, and search narrows it
    assert r.content.decode().count('data-testid="member-row"') == 12
    html = client.get(url, {"q": "茶友3"}).content.decode()
    assert html.count('data-testid="member-row"') == 1


def test_mute_custom_duration_remove_and_ban_buttons(page, store_circle, circle_member, add_member):
    owner = page(store_circle.owner)
    base = f"/circles/{store_circle.pk}/members/{circle_member.public_id}"
    # when the owner mutes for 2 days (custom), then the member is muted about that long
    owner.post(f"{base}/mute/", {"minutes": "custom", "days": "2"})
    m = Membership.objects.get(circle=store_circle, user=circle_member)
    assert m.muted_until is not None
    # when the owner tries 31 days, then it is refused with a message, not an error page
    for days in ("31", "nan", "inf", "-1", "abc"):
        r = owner.post(f"{base}/mute/", {"minutes": "custom", "days": days}, follow=True)
        assert r.status_code == 200 and "30 days" in r.content.decode()
    # when the owner removes the member, then they are out and may come back
    owner.post(f"{base}/remove/")
    assert Membership.objects.get(circle=store_circle, user=circle_member).state == "removed"
    # when a plain member tries to ban someone, then it is refused
    other = UserFactory()
    add_member(store_circle, other)
    r = page(other).post(f"/circles/{store_circle.pk}/members/{store_circle.owner.public_id}/ban/")
    assert r.status_code == 403


def test_join_requests_page_approve_and_reject(page, make_circle, interest_owner, stranger):
    # given an approval circle with two requests
    circle = make_circle(interest_owner, name="审核圈", join_policy="approval")
    other = UserFactory()
    r1 = services.join_circle(stranger, circle.pk).join_request
    r2 = services.join_circle(other, circle.pk).join_request
    owner = page(interest_owner)
    # when the owner opens the requests page
    html = owner.get(f"/circles/{circle.pk}/requests/").content.decode()
    # then both show with approve / reject buttons
    assert html.count('data-testid="approve-request"') == 2
    assert 'data-testid="reject-request"' in html
    # when one is approved and the other rejected
    owner.post(f"/circles/{circle.pk}/requests/{r1.pk}/approve/")
    owner.post(f"/circles/{circle.pk}/requests/{r2.pk}/reject/")
    # then the first is a member and the second is not
    circle.refresh_from_db()
    assert circle.member_count == 2
    assert Membership.objects.filter(circle=circle, user=other).count() == 0
    # and a stranger cannot see or answer requests
    assert page(other).get(f"/circles/{circle.pk}/requests/").status_code == 403


# --- Create, settings, console ---------------------------------------------------------------


def test_create_circle_page_with_avatar_and_errors(page, stranger):
    client = page(stranger)
    # when a circle is created with a real image
    r = client.post("/circles/new/", {"name": "烘焙圈", "join_policy": "open", "avatar": _png()})
    # then it exists with its avatar and its creator as owner
    assert r.status_code == 302
    circle = Circle.objects.get(name="烘焙圈")
    assert circle.avatar and circle.owner == stranger and circle.member_count == 1
    # when the avatar is not an image, then the form comes back with the reason
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    r = client.post("/circles/new/", {"name": "坏头像", "avatar": bad})
    assert r.status_code == 400 and 'data-testid="form-error"' in r.content.decode()
    assert not Circle.objects.filter(name="坏头像").exists()


def test_settings_page_owner_and_admin(page, store_circle, circle_admin, circle_member):
    url = f"/circles/{store_circle.pk}/settings/"
    # given the admin / when they save limits and words
    r = page(circle_admin).post(
        url,
        {
            "description": "新描述",
            "rules": "不刷屏",
            "commercial_share_percent": "10",
            "commercial_daily_cap": "3",
            "flood_per_minute": "6",
            "blocked_words": "代购\n刷单, 代购",
            "name": "管理员不能改名",
        },
    )
    # then the admin fields are saved and the owner's name is untouched
    assert r.status_code == 302
    store_circle.refresh_from_db()
    assert store_circle.blocked_words == ["代购", "刷单"]
    assert (store_circle.commercial_share_percent, store_circle.name) == (10, "阿梅咖啡圈")
    # when an out-of-range value is sent, then the form comes back with the message
    r = page(store_circle.owner).post(url, {"name": "x", "commercial_share_percent": "150"})
    assert r.status_code == 400 and 'data-testid="form-error"' in r.content.decode()
    # and a plain member cannot open the settings
    assert page(circle_member).get(url).status_code == 403
    # and the store owner sees them inside the merchant console
    assert 'data-testid="console-store"' in page(store_circle.owner).get(url).content.decode()


def test_rotate_invite_from_settings(page, store_circle, circle_admin):
    old = store_circle.invite_code
    # when an admin renews the link from the settings page
    r = page(circle_admin).post(f"/circles/{store_circle.pk}/invite/rotate/")
    # then the code changed and the old link page is gone
    store_circle.refresh_from_db()
    assert r.status_code == 302 and store_circle.invite_code != old
    assert page().get(f"/circles/join/{old}/").status_code == 404


def test_console_lists_store_circles_with_commercial_share(
    page, shop, store_owner, store_circle, make_circle, stranger
):
    # given a store with two circles
    make_circle(store_owner, name="阿梅VIP群", store=shop, join_policy="invite")
    # when the owner opens the circles console
    r = page(store_owner).get(f"/circles/console/{shop.pk}/")
    # then both circles show with member counts and commercial share
    html = r.content.decode()
    assert r.status_code == 200
    assert html.count('data-testid="console-circle-row"') == 2
    assert 'data-testid="commercial-share"' in html and 'data-testid="create-circle"' in html
    # and someone who does not work for the store is refused
    assert page(stranger).get(f"/circles/console/{shop.pk}/").status_code == 403
    assert page(stranger).get("/circles/console/NoSuchStore00000/").status_code == 404
